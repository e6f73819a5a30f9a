"""The coordinators' digest: new suggestions and flagged matches, at most one email per
coordinator per `LOTSE_DIGEST_INTERVAL_MINUTES`, never one email per event.

Each window has a deterministic id per coordinator, so the notification's dedupe key makes a
second digest in the same window impossible, even with several notifier instances.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from typing import Final

import asyncpg

from lotse.notifier import notifications_db
from lotse.shared.db import DATABASE_AWAY

log = logging.getLogger(__name__)

WINDOW_NAMESPACE: Final = uuid.UUID("6c6f7473-652d-6469-6765-737400000001")
LOCK_KEY: Final = 0x4C6F7473_0020


def window_id(coordinator_id: uuid.UUID, interval_s: float, now: float) -> uuid.UUID:
    return uuid.uuid5(WINDOW_NAMESPACE, f"{coordinator_id}:{int(now // interval_s)}")


async def request_digests(conn: asyncpg.Connection, interval_s: float, now: float | None = None) -> int:
    """One digest row per active coordinator when there is something to tell; returns rows created."""
    now = time.time() if now is None else now
    pending = await conn.fetchval(
        """SELECT EXISTS (SELECT 1 FROM matches WHERE status = 'suggested'
                          AND created_at > now() - make_interval(secs => $1))
               OR EXISTS (SELECT 1 FROM matches WHERE flagged_at IS NOT NULL AND status IN ('introduced', 'active'))""",
        interval_s,
    )
    if not pending:
        return 0
    created = 0
    for coordinator in await conn.fetch("SELECT id FROM coordinators WHERE active"):
        created += await notifications_db.request(
            conn, type="digest", event_id=window_id(coordinator["id"], interval_s, now),
            coordinator_id=coordinator["id"],
        )
    return created


async def run_periodically(pool: asyncpg.Pool, interval_minutes: int, wake: Callable[[], None]) -> None:
    interval_s = interval_minutes * 60.0
    while True:
        try:
            async with pool.acquire() as conn, conn.transaction():
                locked = await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", LOCK_KEY)
                if locked and await request_digests(conn, interval_s):
                    wake()
        except DATABASE_AWAY as exc:
            log.warning("digest pass failed; the next one will retry", extra={"error": str(exc)})
        await asyncio.sleep(interval_s)
