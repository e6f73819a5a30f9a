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

from lotse.shared.db import DATABASE_AWAY

log = logging.getLogger(__name__)
T = TypeVar("T")


async def run_locked(pool: asyncpg.Pool, lock_key: int, job: Callable[[asyncpg.Connection], Awaitable[T]]) -> T | None:
    """One pass; None when another instance holds the lock."""
    async with pool.acquire() as conn, conn.transaction():
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", lock_key):
            return None
        return await job(conn)


async def in_batches(pool: asyncpg.Pool, lock_key: int,
                     batch_job: Callable[[asyncpg.Connection], Awaitable[dict[str, int]]], *,
                     batch: int, most_batches: int) -> dict[str, int] | None:
    """Up to ``most_batches`` passes of ``batch_job``, each its own transaction under the lock
    (:func:`run_locked`), until one does fewer than ``batch`` rows of every kind it counts: a backlog
    never holds one long transaction, and the rest waits for the next run. The counts added up;
    None when the first pass found the lock taken (another instance runs), the totals so far when
    a later one did."""
    totals: dict[str, int] | None = None
    for _ in range(most_batches):
        done = await run_locked(pool, lock_key, batch_job)
        if done is None:
            break
        totals = {key: (totals or {}).get(key, 0) + n for key, n in done.items()}
        if all(n < batch for n in done.values()):
            break
    return totals


async def every(interval_s: float, name: str, one_pass: Callable[[], Awaitable[dict[str, int] | None]]) -> None:
    while True:
        try:
            done = await one_pass()
            if done and any(done.values()):
                log.info(f"{name}: pass done", extra=done)
        except DATABASE_AWAY as exc:
            log.warning(f"{name}: pass failed; the next one retries", extra={"error": str(exc)})
        await asyncio.sleep(interval_s)
