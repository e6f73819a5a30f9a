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


async def test_the_waiting_newcomers_are_read_from_the_partial_index(pool: asyncpg.Pool) -> None:
    """The planner may scan a table this small anyway: with sequential and bitmap scans off, the
    queue's statement is an index-only scan of matches_suggested (without 0041, of matches_status_created
    with a heap fetch per row, or a scan of the whole table at a year's size). Bitmap scans are off
    too because on a table this small, with the statistics earlier tests left behind, a bitmap scan of
    matches_status_created was once estimated cheaper (CI, 2026-11-24)."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL enable_seqscan = off")
        await conn.execute("SET LOCAL enable_bitmapscan = off")
        plan = "\n".join(r[0] for r in await conn.fetch(
            f"EXPLAIN {queue.WAITING_IN_ORDER}", None, None, None))
    assert "Index Only Scan using matches_suggested on matches m" in plan, plan
