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

    A registration repeated while unconfirmed (registration_versions) gets the link of its newest
    version, in that version's language (review 9c, F3): a link without one would confirm the data
    stored first, which may be a relative's or a stranger's; the newest is most likely the owner's
    own or their correction, and the email lists what it confirms (docs/decisions.md).
    """
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            """SELECT p.id, p.status,
                      (SELECT v.id FROM registration_versions v WHERE v.participant_id = p.id
                       ORDER BY v.created_at DESC, v.id DESC LIMIT 1) AS newest_version
               FROM participants p WHERE lower(p.email) = lower($1) AND p.status <> 'erased'""", email
        )
        for row in rows:
            notification = "verification" if row["status"] == "pending_verification" else "manage_link"
            extra = ({"version_id": str(row["newest_version"])}
                     if notification == "verification" and row["newest_version"] is not None else {})
            await write_event(
                conn,
                events.new_event(events.NOTIFICATION_REQUESTED, notification=notification, participant_id=row["id"],
                                 **extra),
            )
    return len(rows)
