"""A periodic job that runs in every instance, of which only one does a pass at a time.

The pass runs in one transaction holding a transaction-level advisory lock: a crash releases
it, and nothing is half done. Database hiccups are logged and retried at the next pass.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg

log = logging.getLogger(__name__)
T = TypeVar("T")


async def run_locked(pool: asyncpg.Pool, lock_key: int, job: Callable[[asyncpg.Connection], Awaitable[T]]) -> T | None:
    """One pass; None when another instance holds the lock."""
    async with pool.acquire() as conn, conn.transaction():
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", lock_key):
            return None
        return await job(conn)


async def every(interval_s: float, name: str, one_pass: Callable[[], Awaitable[dict[str, int] | None]]) -> None:
    while True:
        try:
            done = await one_pass()
            if done and any(done.values()):
                log.info(f"{name}: pass done", extra=done)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning(f"{name}: pass failed; the next one retries", extra={"error": str(exc)})
        await asyncio.sleep(interval_s)
