"""Export, erasure and the participant page find a person's matches through the indexes, not by reading every match ever
made (review 9b, F6: `newcomer_id = $1 OR counterpart_id IN (subquery)` was a sequential scan of
matches in each of erasure's three statements and the export, 0.46-0.67 s per erasure at 52k)."""

from __future__ import annotations

import functools
import random
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

import asyncpg
import pytest

from lotse.intake import privacy
from lotse.intake.dashboard import sides
from tests.conftest import IntakeClient
from tests.integration.test_dashboard import login

# A few thousand matches with explanations the size the matcher writes: with statistics, a scan of
# the whole table costs the planner far more than the index look-ups of a person's 20 matches, so
# it chooses them whenever the statement lets it (sequential scans stay allowed).
_MATCHES = 4000
_EXPLANATION = [{"factor": f, "weight": 0.2, "detail": "Beide sprechen Ukrainisch und Deutsch (B1), "
                 "wohnen 12 km voneinander entfernt und nennen Behördengänge."}
                for f in ("language", "distance", "needs", "text", "availability")]


async def _people(pool: asyncpg.Pool, kind: str, count: int) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(count)]
    await pool.executemany(
        """INSERT INTO participants (id, kind, status, name, email, preferred_locale, district, profile)
           VALUES ($1, $2, 'verified', 'Plan ' || $2, $3, 'de', '16053', $4)""",
        [(pid, kind, f"{pid}@plans.example", {"capacity": 2} if kind == "mentor" else {}) for pid in ids])
    return ids


async def _seed(pool: asyncpg.Pool) -> dict[str, uuid.UUID]:
    rng = random.Random(6)
    newcomers, mentors = await _people(pool, "newcomer", 400), await _people(pool, "mentor", 80)
    (provider,) = await _people(pool, "language_provider", 1)
    courses = [uuid.uuid4() for _ in range(2)]
    await pool.executemany(
        """INSERT INTO courses (id, provider_id, title, level, schedule, format, district, seats, starts_on)
           VALUES ($1, $2, 'Deutsch B1', 'B1', 'abends', 'in_person', '16053', 12, $3)""",
        [(c, provider, date(2027, 1, 1)) for c in courses])
    rows = [("mentor", rng.choice(newcomers[1:]), rng.choice(mentors[1:])) for _ in range(_MATCHES)]
    rows += [("mentor", newcomers[0], rng.choice(mentors[1:])) for _ in range(20)]
    rows += [("mentor", rng.choice(newcomers[1:]), mentors[0]) for _ in range(20)]
    rows += [("language_course", rng.choice(newcomers[1:]), rng.choice(courses)) for _ in range(20)]
    await pool.executemany(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation, status)
           VALUES ($1, $2, $3, $4, 0.5, $5, $6)""",
        [(uuid.uuid4(), *r, _EXPLANATION, rng.choice(["withdrawn", "rejected", "active"])) for r in rows])
    for table in ("matches", "participants", "courses", "positions"):
        await pool.execute(f"ANALYZE {table}")
    return {"newcomer": newcomers[0], "mentor": mentors[0], "provider": provider}


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, tuple[Any, ...]]]:
    """The statements run from now on (they still run on the real database), with their values."""
    statements: list[tuple[str, tuple[Any, ...]]] = []

    def spying(run: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(run)
        async def spied(self: asyncpg.Connection, query: str, *args: Any, **kwargs: Any) -> Any:
            statements.append((query, args))
            return await run(self, query, *args, **kwargs)
        return spied

    for name in ("execute", "fetch", "fetchrow", "fetchval"):
        monkeypatch.setattr(asyncpg.connection.Connection, name, spying(getattr(asyncpg.connection.Connection, name)))
    return statements


async def _assert_no_scan_of_matches(pool: asyncpg.Pool, statements: list[tuple[str, tuple[Any, ...]]]) -> None:
    async with pool.acquire() as conn:
        # Planned for these values, and as a reused prepared statement is after five runs (generic).
        for mode in ("force_custom_plan", "force_generic_plan"):
            await conn.execute(f"SET plan_cache_mode = {mode}")
            for query, args in statements:
                plan = "\n".join(r[0] for r in await conn.fetch(f"EXPLAIN {query}", *args))
                assert "Seq Scan on matches" not in plan, f"{mode}: {query}\n{plan}"
        await conn.execute("RESET plan_cache_mode")


@pytest.mark.timeout(60)
async def test_export_and_erasure_read_a_persons_matches_through_the_indexes(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = await _seed(pool)
    statements = _spy(monkeypatch)
    for person in people.values():
        async with pool.acquire() as conn:
            await privacy.export(conn, person)
            async with conn.transaction():
                await privacy.erase(conn, person)
    monkeypatch.undo()
    of_matches = [(q, a) for q, a in statements if " matches" in q]
    assert len(of_matches) >= 4 * len(people)  # the export and erasure's three, for each person
    await _assert_no_scan_of_matches(pool, of_matches)


@pytest.mark.timeout(60)
async def test_the_participant_page_reads_their_matches_through_the_indexes(
    intake_client: IntakeClient, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = await _seed(pool)
    await login(intake_client)
    statements = _spy(monkeypatch)
    for person in people.values():
        assert (await intake_client.get(f"/dashboard/participants/{person}")).status == 200
    monkeypatch.undo()
    # The page's list of the person's matches, each row with both sides (sides.FROM).
    listed = [(q, a) for q, a in statements if sides.FROM in q]
    assert len(listed) == len(people)
    await _assert_no_scan_of_matches(pool, listed)
