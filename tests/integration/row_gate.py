"""Requests that race for real every time, not only when the scheduler interleaves them: each is let
go only once all of them wait for people's rows the test holds locked."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable
from typing import TypeVar

import asyncpg

T = TypeVar("T")
# Backends of this database waiting for a lock (the gate's, or one queued before them for the same row).
# Asked outside the gate's transaction: pg_stat_activity is read once per transaction, so from inside it
# the backends the app's pool opens meanwhile would never show (CI once timed out so).
WAITING = """SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0"""
# What the database was doing when the requests did not all wait: the failure's message.
BUSY = """SELECT pid, pg_blocking_pids(pid) AS by, wait_event, left(query, 120) AS query FROM pg_stat_activity
          WHERE datname = current_database() AND state <> 'idle' AND pid <> pg_backend_pid()"""


async def all_waiting(pool: asyncpg.Pool, people: list[uuid.UUID], *requests: Awaitable[T],
                      table: str = "participants") -> list[T]:
    """The requests' answers; the rows of ``people`` (in ``table``) are held until every request waits
    for them."""
    async with pool.acquire() as gate:
        held = gate.transaction()
        await held.start()
        await gate.execute(f"SELECT 1 FROM {table} WHERE id = ANY($1::uuid[]) FOR UPDATE", people)
        running = [asyncio.ensure_future(r) for r in requests]
        if not await until_waiting(pool, len(requests)):
            busy = [dict(r) for r in await pool.fetch(BUSY)]
            raise AssertionError(f"the requests never waited for the people's rows; the database: {busy}")
        await held.rollback()
        return list(await asyncio.gather(*running))


async def until_waiting(pool: asyncpg.Pool, count: int) -> bool:
    """Whether ``count`` backends came to wait for a lock within about five seconds."""
    for _ in range(500):
        if await pool.fetchval(WAITING) == count:
            return True
        await asyncio.sleep(0.01)
    return False
