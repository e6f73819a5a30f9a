"""The coordinators' digest: new suggestions and flagged matches, at most one email per
coordinator per `LOTSE_DIGEST_INTERVAL_MINUTES`, never one email per event.

Each window has a deterministic id per coordinator, so the notification's dedupe key makes a
second digest in the same window impossible, even with several notifier instances.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Final

import asyncpg

from lotse.notifier import notifications_db
from lotse.shared.singleton_job import every, run_locked

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


async def run_once(pool: asyncpg.Pool, interval_s: float, wake: Callable[[], None]) -> dict[str, int] | None:
    """One pass under the digest's lock, waking the delivery loops when it made rows; None when
    another notifier instance holds the lock."""
    created = await run_locked(pool, LOCK_KEY, lambda conn: request_digests(conn, interval_s))
    if created:
        wake()
    return None if created is None else {"digests_requested": created}


async def run_periodically(pool: asyncpg.Pool, interval_minutes: int, wake: Callable[[], None]) -> None:
    interval_s = interval_minutes * 60.0
    await every(interval_s, "coordinators' digest", lambda: run_once(pool, interval_s, wake))
