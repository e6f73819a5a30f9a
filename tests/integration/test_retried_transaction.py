"""matches_db.in_retried_transaction, which every coordinator's decision goes through
(match_decisions.decide): a deadlock's victim is taken again from the start, its first try leaving
nothing; a refusal that withdrew a stale suggestion keeps that withdrawal; any other refusal leaves
nothing and is not taken again. The races that end in a deadlock are timing, so the deadlock is
raised here as PostgreSQL raises it (SQLSTATE 40P01)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from lotse.shared import matches_db

DEADLOCK = "DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = 'deadlock_detected'; END $$"


@pytest.fixture
async def conn(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    async with pool.acquire() as conn:
        await conn.execute("CREATE TEMP TABLE tries (n int)")
        try:
            yield conn
        finally:
            await conn.execute("DROP TABLE tries")


async def _kept(conn: asyncpg.Connection) -> list[int]:
    return [r["n"] for r in await conn.fetch("SELECT n FROM tries ORDER BY n")]


class _Tries:
    """A step's attempts, each leaving its number in the table (kept only if its transaction commits)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn, self.made = conn, 0

    async def one_more(self) -> int:
        self.made += 1
        await self.conn.execute("INSERT INTO tries VALUES ($1)", self.made)
        return self.made


async def test_a_deadlocks_victim_is_taken_again_and_only_the_last_try_stays(conn: asyncpg.Connection) -> None:
    tries = _Tries(conn)

    async def step() -> int:
        if (attempt := await tries.one_more()) == 1:  # PostgreSQL chose it as a deadlock's victim
            await conn.execute(DEADLOCK)
        return attempt

    assert await matches_db.in_retried_transaction(conn, step) == 2
    assert await _kept(conn) == [2]


async def test_a_deadlock_every_time_is_raised_after_the_last_attempt(conn: asyncpg.Connection) -> None:
    tries = _Tries(conn)

    async def step() -> None:
        await tries.one_more()
        await conn.execute(DEADLOCK)

    with pytest.raises(asyncpg.exceptions.DeadlockDetectedError):
        await matches_db.in_retried_transaction(conn, step)
    assert tries.made == matches_db.DEADLOCK_ATTEMPTS
    assert await _kept(conn) == []


@pytest.mark.parametrize(("refusal", "kept"),
                         [(matches_db.Stale, [1]), (matches_db.Full, [1]), (matches_db.Conflict, [])])
async def test_a_stale_refusal_keeps_its_withdrawal_any_other_leaves_nothing(
    conn: asyncpg.Connection, refusal: type[matches_db.Conflict], kept: list[int]
) -> None:
    tries = _Tries(conn)

    async def step() -> None:
        await tries.one_more()
        raise refusal("refused")

    with pytest.raises(refusal):
        await matches_db.in_retried_transaction(conn, step)
    assert tries.made == 1
    assert await _kept(conn) == kept
