"""The coordinators' digest: new suggestions and flagged matches, at most one email per
coordinator per `LOTSE_DIGEST_INTERVAL_MINUTES`, never one email per event.

Something new (a suggestion, a match flagged) is told in the window after it happened; flagged
matches that are still waiting are told again each morning, not in every window (review 12, F10:
one unhandled flag sent every coordinator an email an hour). A coordinator who turned the digest
off on the dashboard gets none.

Each window has a deterministic id per coordinator, so the notification's dedupe key makes a
second digest in the same window impossible, even with several notifier instances.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Final

import asyncpg

from lotse.notifier import notifications_db
from lotse.shared.reference import time_zone
from lotse.shared.singleton_job import every, run_locked

WINDOW_NAMESPACE: Final = uuid.UUID("6c6f7473-652d-6469-6765-737400000001")
LOCK_KEY: Final = 0x4C6F7473_0020
#: Waiting flagged matches are told again in the first window from this time, Thuringia's clock.
MORNING_MINUTE: Final = 8 * 60


def window_id(coordinator_id: uuid.UUID, interval_s: float, now: float) -> uuid.UUID:
    return uuid.uuid5(WINDOW_NAMESPACE, f"{coordinator_id}:{int(now // interval_s)}")


def is_morning(interval_s: float, now: float) -> bool:
    """Whether the window ``now`` is in is the day's first from MORNING_MINUTE on (Thuringia's clock)."""
    start = datetime.fromtimestamp(now // interval_s * interval_s, time_zone())
    return (start.hour * 60 + start.minute - MORNING_MINUTE) % (24 * 60) * 60 < interval_s


async def request_digests(conn: asyncpg.Connection, interval_s: float, now: float | None = None) -> int:
    """One digest row per active coordinator who wants it when there is something to tell; returns
    rows created."""
    now = time.time() if now is None else now
    told = await conn.fetchrow(
        """SELECT EXISTS (SELECT 1 FROM matches WHERE status = 'suggested'
                          AND created_at > now() - make_interval(secs => $1))
               OR EXISTS (SELECT 1 FROM matches WHERE flagged_at > now() - make_interval(secs => $1)
                          AND status IN ('introduced', 'active')) AS new,
                  EXISTS (SELECT 1 FROM matches WHERE flagged_at IS NOT NULL
                          AND status IN ('introduced', 'active')) AS waiting""",
        interval_s,
    )
    if not (told["new"] or (told["waiting"] and is_morning(interval_s, now))):
        return 0
    created = 0
    for coordinator in await conn.fetch("SELECT id FROM coordinators WHERE active AND digest"):
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
