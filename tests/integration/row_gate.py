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
WAITING = """SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0"""


async def all_waiting(pool: asyncpg.Pool, people: list[uuid.UUID], *requests: Awaitable[T]) -> list[T]:
    """The requests' answers; the rows of ``people`` are held until every request waits for them."""
    async with pool.acquire() as gate:
        held = gate.transaction()
        await held.start()
        await gate.execute("SELECT 1 FROM participants WHERE id = ANY($1::uuid[]) FOR UPDATE", people)
        running = [asyncio.ensure_future(r) for r in requests]
        for _ in range(500):
            if await gate.fetchval(WAITING) == len(requests):
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError("the requests never waited for the people's rows")
        await held.rollback()
        return list(await asyncio.gather(*running))
