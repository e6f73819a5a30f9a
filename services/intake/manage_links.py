"""A person who lost or outlived their manage link asks for a new one by e-mail address."""

from __future__ import annotations

import asyncpg

from lotse.shared import events
from lotse.shared.outbox import write_event


async def send_new_links(pool: asyncpg.Pool, email: str) -> int:
    """Ask the notifier for one email per registration under ``email``; returns how many.

    The caller answers the same whatever this returns, so the page tells nobody whether an
    address is registered. Unconfirmed registrations get their verification link again (a manage
    link would skip confirming the address); the others a `manage_link` email, not the
    "confirmed, we are looking for matches" one, which reads oddly to someone matched months ago.
    The notifier writes each in the language the person chose.
    """
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            "SELECT id, status FROM participants WHERE lower(email) = lower($1) AND status <> 'erased'", email
        )
        for row in rows:
            notification = "verification" if row["status"] == "pending_verification" else "manage_link"
            await write_event(
                conn,
                events.new_event(events.NOTIFICATION_REQUESTED, notification=notification, participant_id=row["id"]),
            )
    return len(rows)
