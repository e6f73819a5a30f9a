"""SQL for notifications (owned by notifier)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import asyncpg

from lotse.notifier import recipient_limit
from lotse.shared.consumer import RECORD_MESSAGES
from lotse.shared.events import Event


@dataclass(frozen=True, slots=True)
class Request:
    """One logical notification to record: a type for one recipient, because of one event."""

    type: str
    event_id: uuid.UUID
    participant_id: uuid.UUID | str | None = None
    coordinator_id: uuid.UUID | str | None = None
    match_id: uuid.UUID | str | None = None
    # The change of address it is about (notifications.email_change_id), when the event named one.
    email_change_id: uuid.UUID | str | None = None
    # The registration version a verification email is for (notifications.registration_version_id).
    registration_version_id: uuid.UUID | str | None = None
    # Asked for by someone (notification.requested): the per-recipient limit applies (recipient_limit).
    limited: bool = False

    @property
    def dedupe_key(self) -> str:
        return f"{self.event_id}:{self.participant_id or self.coordinator_id}:{self.type}"


async def request_many(conn: asyncpg.Connection, requests: list[Request]) -> int:
    """Record notifications in one statement; returns how many were new (a repeat of the same
    event, recipient and type is skipped)."""
    if not requests:
        return 0
    inserted = await conn.fetch(
        """INSERT INTO notifications (id, dedupe_key, type, event_id, participant_id, coordinator_id, match_id,
                                      email_change_id, registration_version_id, limited)
           SELECT gen_random_uuid(), r.* FROM unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::uuid[],
                                                    $6::uuid[], $7::uuid[], $8::uuid[], $9::boolean[]) AS r
           ON CONFLICT (dedupe_key) DO NOTHING RETURNING id""",
        *_columns(requests),
    )
    return len(inserted)


def _columns(requests: list[Request]) -> tuple[list[object], ...]:
    """``requests`` as the arrays an ``unnest`` of notification rows takes, in its column order."""
    return (
        [r.dedupe_key for r in requests], [r.type for r in requests], [r.event_id for r in requests],
        [_uuid(r.participant_id) for r in requests], [_uuid(r.coordinator_id) for r in requests],
        [_uuid(r.match_id) for r in requests], [_uuid(r.email_change_id) for r in requests],
        [_uuid(r.registration_version_id) for r in requests], [r.limited for r in requests],
    )


async def record_with_messages(
    conn: asyncpg.Connection, consumer: str, messages: list[Event], requests: list[Request]
) -> set[uuid.UUID]:
    """Record ``messages`` as processed by ``consumer`` and, for those seen for the first time,
    their notifications, in one statement; returns the ids of the messages seen first now."""
    first = await conn.fetch(
        f"""WITH fresh AS ({RECORD_MESSAGES}),
           added AS (
               INSERT INTO notifications (id, dedupe_key, type, event_id, participant_id, coordinator_id, match_id,
                                          email_change_id, registration_version_id, limited)
               SELECT gen_random_uuid(), r.* FROM unnest($4::text[], $5::text[], $6::uuid[], $7::uuid[], $8::uuid[],
                                                        $9::uuid[], $10::uuid[], $11::uuid[], $12::boolean[])
                                                  AS r (dedupe_key, type, event_id, participant_id, coordinator_id,
                                                        match_id, email_change_id, registration_version_id, limited)
               WHERE r.event_id IN (SELECT message_id FROM fresh)
               ON CONFLICT (dedupe_key) DO NOTHING)
           SELECT message_id FROM fresh""",
        consumer, [m.id for m in messages], [m.type for m in messages], *_columns(requests),
    )
    return {row["message_id"] for row in first}


async def request(
    conn: asyncpg.Connection,
    *,
    type: str,
    event_id: uuid.UUID,
    participant_id: uuid.UUID | str | None = None,
    coordinator_id: uuid.UUID | str | None = None,
    match_id: uuid.UUID | str | None = None,
) -> bool:
    """Record one logical notification; False when it exists already (same event, recipient, type)."""
    one = Request(type, event_id, participant_id=participant_id, coordinator_id=coordinator_id, match_id=match_id)
    return await request_many(conn, [one]) == 1


def _uuid(value: uuid.UUID | str | None) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(str(value))


async def claim_due(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    """Claim due notifications for this sender, longest due first; others skip them (SKIP LOCKED)."""
    claimed: list[asyncpg.Record] = await conn.fetch(_CLAIM, limit, *recipient_limit.PARAMETERS)
    return claimed


_CLAIM: Final = f"""WITH claimed AS (
        UPDATE notifications SET status = 'sending', attempts = attempts + 1, claimed_at = now()
        WHERE id IN (SELECT id FROM notifications
                     WHERE status = 'pending' AND next_attempt_at <= now()
                     ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING *)
    SELECT c.*, {recipient_limit.over_limit_sql(2)} AS over_limit FROM claimed c ORDER BY next_attempt_at"""


async def renew_claim(conn: asyncpg.Connection, notification_id: uuid.UUID, claimed_at: datetime) -> bool:
    """Refresh our claim just before sending; False if it was released as stale meanwhile.

    Comparing `claimed_at` tells our claim from a later one by another sender, so a batch
    slowed down by a sluggish mail server never sends an email another sender has taken over.
    """
    renewed = await conn.fetchval(
        """UPDATE notifications SET claimed_at = clock_timestamp()
           WHERE id = $1 AND status = 'sending' AND claimed_at = $2 RETURNING true""",
        notification_id,
        claimed_at,
    )
    return bool(renewed)


# The erased person's address is kept only until their confirmation went out or never can: the
# statement that ends the notification (its rows in the CTE ``ended``) forgets it, on every path.
_FORGET_RECEIPTS: Final = """DELETE FROM erasure_receipts WHERE participant_id IN
               (SELECT participant_id FROM ended WHERE type = 'erasure_confirmation')"""


async def mark_sent(conn: asyncpg.Connection, accepted: list[tuple[uuid.UUID, str]]) -> None:
    """Record emails the mail server accepted (id, locale sent in), in one statement. An erasure
    confirmation's receipt, the erased person's address kept only for it, goes with it."""
    await conn.execute(
        """WITH ended AS (
               UPDATE notifications n SET status = 'sent', sent_at = now(), locale = a.locale, last_error = NULL
               FROM unnest($1::uuid[], $2::text[]) AS a (id, locale) WHERE n.id = a.id
               RETURNING n.type, n.participant_id)
           """ + _FORGET_RECEIPTS,
        [notification_id for notification_id, _ in accepted],
        [locale for _, locale in accepted],
    )


async def mark_final(
    conn: asyncpg.Connection, notification_id: uuid.UUID, status: str, error: str | None
) -> None:
    """A notification that will not go out (failed, skipped); an erasure confirmation's receipt goes
    with it, as with `mark_sent`."""
    await conn.execute(
        """WITH ended AS (
               UPDATE notifications SET status = $2, last_error = $3 WHERE id = $1
               RETURNING type, participant_id)
           """ + _FORGET_RECEIPTS,
        notification_id,
        status,
        error,
    )


async def retry_later(
    conn: asyncpg.Connection, notification_id: uuid.UUID, delay: timedelta, error: str
) -> None:
    await conn.execute(
        """UPDATE notifications SET status = 'pending', next_attempt_at = now() + $2,
                                    last_error = $3 WHERE id = $1""",
        notification_id,
        delay,
        error,
    )


async def hold_back(conn: asyncpg.Connection, notification_id: uuid.UUID, delay: timedelta, error: str) -> bool:
    """A claimed row over its recipient's limit made pending again, due after ``delay``, if it is
    the newest of its person and type not skipped or failed (recipient_limit.KEEP_NEWEST); False,
    and nothing changed, when a newer one exists (then this one is to be skipped). The claim does
    not count as an attempt. One held back earlier for the same person and type, still waiting, is
    skipped now: only the newest request's email goes out."""
    held = await conn.fetchval(
        """WITH held AS (
               UPDATE notifications c SET status = 'pending', attempts = attempts - 1, claimed_at = NULL,
                                          next_attempt_at = now() + $2, last_error = $3
               WHERE c.id = $1 AND c.status = 'sending' AND NOT EXISTS (
                   SELECT 1 FROM notifications n
                   WHERE n.participant_id = c.participant_id AND n.type = c.type AND n.id <> c.id
                     AND (n.created_at, n.id) > (c.created_at, c.id) AND n.status NOT IN ('skipped', 'failed'))
               RETURNING c.id, c.participant_id, c.type, c.created_at),
           replaced AS (
               UPDATE notifications o SET status = 'skipped', last_error = $3
               FROM held WHERE o.participant_id = held.participant_id AND o.type = held.type
                 AND o.status = 'pending' AND o.last_error = $3 AND (o.created_at, o.id) < (held.created_at, held.id))
           SELECT count(*) > 0 FROM held""",
        notification_id, delay, error,
    )
    return bool(held)


async def release(conn: asyncpg.Connection, notification_ids: list[uuid.UUID]) -> None:
    """Hand back claimed rows that were never tried (shutdown); the claim does not count as an attempt."""
    if notification_ids:
        await conn.execute(
            """UPDATE notifications SET status = 'pending', attempts = attempts - 1, claimed_at = NULL
               WHERE id = ANY($1::uuid[]) AND status = 'sending'""",
            notification_ids,
        )


async def release_stale(conn: asyncpg.Connection, older_than: timedelta) -> int:
    """Give back claims of a sender that died mid-send (this may repeat that one email)."""
    result = await conn.execute(
        """UPDATE notifications SET status = 'pending'
           WHERE status = 'sending' AND claimed_at < now() - $1::interval""",
        older_than,
    )
    return int(result.split()[-1])


async def next_due_in_s(conn: asyncpg.Connection) -> float | None:
    """Seconds until the next pending notification is due (0 if one is), None if none is pending."""
    # Not greatest(0, …) in SQL: GREATEST skips NULL, so "nothing pending" read as "due now" and
    # every idle delivery loop polled twenty times a second.
    due: float | None = await conn.fetchval(
        "SELECT extract(epoch FROM min(next_attempt_at) - now())::float8 FROM notifications WHERE status = 'pending'"
    )
    return None if due is None else max(due, 0.0)


async def forget_participant(conn: asyncpg.Connection, participant_id: uuid.UUID | str) -> None:
    """After an erasure: nothing more goes out to that person, and no server reply (which may
    quote their address) stays behind. The erasure confirmation is requested afterwards."""
    pid = _uuid(participant_id)
    await conn.execute(
        """UPDATE notifications SET status = 'skipped', last_error = 'participant erased'
           WHERE participant_id = $1 AND status = 'pending' AND type <> 'erasure_confirmation'""",
        pid,
    )
    await conn.execute(
        """UPDATE notifications SET last_error = NULL
           WHERE participant_id = $1 AND last_error IS NOT NULL AND last_error <> 'participant erased'""",
        pid,
    )
