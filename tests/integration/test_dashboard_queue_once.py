"""The review queue's newcomers with open suggestions at a year's size (review 9b, F11): a view
aggregates them once (it did for the count, for the page and for the page holding `at`: 2-3 scans
of matches), and the partial index matches_suggested (migration 0041) serves that aggregate."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest

from lotse.intake.dashboard import queue
from tests.conftest import IntakeClient
from tests.integration.test_dashboard import _suggest, login
from tests.integration.test_dashboard_rounds import _mentor, _newcomer


async def test_a_queue_view_aggregates_the_waiting_newcomers_once(
    intake_client: IntakeClient, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    await login(intake_client)
    mentor = await _mentor(intake_client, pool, "Thomas Berger")
    olena = await _newcomer(intake_client, pool, "Olena Kovalenko")
    await _suggest(pool, olena, mentor)
    await _suggest(pool, await _newcomer(intake_client, pool, "Taras Bondarenko"), mentor)

    statements: list[str] = []

    def spying(read: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(read)
        async def spied(self: asyncpg.Connection, query: str, *args: Any, **kwargs: Any) -> Any:
            statements.append(query)
            return await read(self, query, *args, **kwargs)
        return spied

    for name in ("fetch", "fetchrow", "fetchval"):  # the statements still run on the real database
        monkeypatch.setattr(asyncpg.connection.Connection, name, spying(getattr(asyncpg.connection.Connection, name)))
    page = await (await intake_client.get(f"/dashboard?at={olena}")).text()
    assert "Olena Kovalenko" in page and "Taras Bondarenko" in page
    assert sum(queue._WAITING in s for s in statements) == 1, statements


async def _a_years_matches(pool: asyncpg.Pool, newcomers: int = 3000, mentors: int = 200) -> None:
    """A year's queue as the planner sees it: every newcomer with ten matches over the year, two of
    them still open and the rest decided or withdrawn (the table keeps them with their explanation),
    vacuumed and analysed as autovacuum leaves a table that size."""
    await pool.execute(
        """INSERT INTO participants (id, kind, status, name, email, preferred_locale, district, verified_at)
           SELECT gen_random_uuid(), kind, 'verified', kind || i, kind || i || '@example.org', 'de', '16052',
                  now() - make_interval(days => i % 365)
           FROM generate_series(1, $1) i, (VALUES ('newcomer')) k (kind)
           UNION ALL
           SELECT gen_random_uuid(), 'mentor', 'verified', 'mentor' || i, 'mentor' || i || '@example.org', 'de',
                  '16052', now()
           FROM generate_series(1, $2) i""", newcomers, mentors)
    await pool.execute(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status)
           SELECT gen_random_uuid(), 'mentor', n.id, o.id, 0.5,
                  CASE WHEN k <= 2 THEN 'suggested' WHEN k <= 3 THEN 'approved' ELSE 'rejected' END
           FROM (SELECT id, row_number() OVER () AS i FROM participants WHERE kind = 'newcomer') n,
                generate_series(1, 10) k,
                LATERAL (SELECT id FROM participants WHERE kind = 'mentor'
                         ORDER BY id OFFSET (n.i * 10 + k) % $1 LIMIT 1) o""", mentors)
    await pool.execute("VACUUM (ANALYZE) participants, matches")


async def test_the_waiting_newcomers_are_read_from_the_partial_index(pool: asyncpg.Pool) -> None:
    """At a year's size the planner reads the queue's open suggestions from matches_suggested alone, an
    index-only scan (without 0041: a bitmap scan of matches_open_pair, then the pages of every open row).
    Asked of a table this size and not of the few rows other tests leave: on those, every plan costs
    nearly nothing and the planner's choice between two partial indexes was a coin toss (CI,
    2026-11-24, twice)."""
    await _a_years_matches(pool)
    plan = "\n".join(r[0] for r in await pool.fetch(f"EXPLAIN {queue.WAITING_IN_ORDER}", None, None, None))
    assert "Index Only Scan using matches_suggested on matches m" in plan, plan
