"""Global rounds on a schedule (`LOTSE_MATCHER_ROUND_INTERVAL_MINUTES`, 0 = only on request).

Every matcher instance runs the timer; an advisory lock and "no round requested within the
interval" make one round per interval, whichever instance gets there first. The round itself
is requested like a coordinator's: a `rounds` row and a `matching.round_requested` event.
"""

from __future__ import annotations

import uuid
from typing import Final

import asyncpg

from lotse.shared import events
from lotse.shared.outbox import write_event
from lotse.shared.singleton_job import every, run_locked

LOCK_KEY: Final = 0x4C6F7473_0013


async def request_if_due(conn: asyncpg.Connection, interval_minutes: int) -> dict[str, int]:
    recent = await conn.fetchval(
        "SELECT 1 FROM rounds WHERE requested_at > now() - make_interval(mins => $1) LIMIT 1", interval_minutes)
    if recent:
        return {"rounds_requested": 0}
    round_id = uuid.uuid4()
    await conn.execute("INSERT INTO rounds (id, objective) VALUES ($1, 'best_total_score')", round_id)
    await write_event(conn, events.new_event(events.ROUND_REQUESTED, round_id=round_id))
    return {"rounds_requested": 1}


async def run_once(pool: asyncpg.Pool, interval_minutes: int) -> dict[str, int] | None:
    return await run_locked(pool, LOCK_KEY, lambda conn: request_if_due(conn, interval_minutes))


async def run_periodically(pool: asyncpg.Pool, interval_minutes: int) -> None:
    # Looking once a minute keeps the rounds close to the interval without a clock of their own.
    await every(60.0, "scheduled matching round", lambda: run_once(pool, interval_minutes))
