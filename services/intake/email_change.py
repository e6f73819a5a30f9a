"""A participant changes their e-mail address on their manage page.

Nothing changes when the new address is typed: the request is stored (`email_changes`), a link
goes to the new address and a notice to the old one (two `notification.requested` events, ids
only). Opening the link switches the address; manage links signed before that moment went to the
old address and stop working (`participants.email_changed_at`, checked by the manage page), and so
do the answer and check-in links of match emails sent there (expired_links.refuse_outdated) and a
verification link (registrations.verify). The old address is told that the change was made, and
the other side of each active match where both share contact details gets the new address
(`contact_changed`): the old one, which they were given, is no longer the person's.
Audit entries name the action only: the audit log outlives an erasure, addresses must not.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

import asyncpg

from lotse.intake import audit, own_matches, participants_db, self_service
from lotse.shared import events, matches, tokens
from lotse.shared.consents import both_share_contact
from lotse.shared.outbox import write_events

CONFIRM: Final = "email_change_confirm"  # to the new address: the link
NOTICE: Final = "email_change_notice"  # to the old address: a change was asked for, how to stop it
MANAGE_LINK: Final = "manage_link"  # to the new address, once the change is made
CHANGED: Final = "email_changed"  # to the old address: the change was made, whom to tell if it was not them
CONTACT_CHANGED: Final = "contact_changed"  # to the other side of an active match: the new address


class SameAddress(Exception):
    """The typed address is the one already stored."""


class Outcome(StrEnum):
    CHANGED = "changed"
    USED = "used"  # opened before: the address is changed already
    WITHDRAWN = "withdrawn"  # cancelled on the manage page, or a newer request replaced it
    TAKEN = "taken"  # another registration of the same kind uses the address
    GONE = "gone"  # the registration, or the request (past its link's age), no longer exists


async def request(conn: asyncpg.Connection, participant_id: uuid.UUID, new_email: str) -> uuid.UUID:
    """Store the request and ask for both emails; call inside a transaction. An open earlier
    request is replaced, so only the newest link works. Raises :class:`self_service.NotFound`."""
    row = await self_service.load(conn, participant_id)
    if new_email.lower() == str(row["email"]).lower():
        raise SameAddress(new_email)
    await conn.execute(
        """UPDATE email_changes SET outcome = 'replaced', ended_at = now()
           WHERE participant_id = $1 AND outcome IS NULL""",
        participant_id,
    )
    change_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO email_changes (id, participant_id, old_email, new_email) VALUES ($1, $2, $3, $4)",
        change_id,
        participant_id,
        row["email"],
        new_email,
    )
    await audit.record_by_participant(
        conn, participant_id, "participant.email_change_requested", "participant", participant_id
    )
    await write_events(
        conn,
        [
            events.new_event(events.NOTIFICATION_REQUESTED, notification=kind, participant_id=participant_id,
                             email_change_id=change_id)
            for kind in (CONFIRM, NOTICE)
        ],
    )
    return change_id


async def pending(conn: asyncpg.Connection, participant_id: uuid.UUID) -> asyncpg.Record | None:
    """The open request (new_email, requested_at), if any, for the manage page."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT new_email, requested_at FROM email_changes WHERE participant_id = $1 AND outcome IS NULL",
        participant_id,
    )
    return row


async def cancel(conn: asyncpg.Connection, participant_id: uuid.UUID) -> None:
    """Withdraw the open request (its link then shows "no longer valid"); call inside a transaction."""
    cancelled = await conn.execute(
        """UPDATE email_changes SET outcome = 'cancelled', ended_at = now()
           WHERE participant_id = $1 AND outcome IS NULL""",
        participant_id,
    )
    if cancelled != "UPDATE 0":
        await audit.record_by_participant(
            conn, participant_id, "participant.email_change_cancelled", "participant", participant_id
        )


def _settled(change: asyncpg.Record | None) -> Outcome | None:
    """Why the request ``change`` (its row, or None) can no longer be confirmed; None while it waits."""
    if change is None:
        return Outcome.GONE
    if change["outcome"] == "confirmed":
        return Outcome.USED
    return None if change["outcome"] is None else Outcome.WITHDRAWN


async def waiting(conn: asyncpg.Connection, participant_id: uuid.UUID, change_id: uuid.UUID) -> Outcome | None:
    """What opening the link finds, changing nothing: None while the request waits for the button
    (a mail scanner's GET must not switch the address, review 9a finding 8), else why it cannot be
    confirmed (used, withdrawn, gone). An address taken meanwhile shows when the button is pressed."""
    change = await conn.fetchrow(
        "SELECT outcome FROM email_changes WHERE id = $1 AND participant_id = $2", change_id, participant_id)
    if (settled := _settled(change)) is not None:
        return settled
    status = await conn.fetchval("SELECT status FROM participants WHERE id = $1", participant_id)
    return Outcome.GONE if status in (None, "erased") else None


async def confirm(conn: asyncpg.Connection, participant_id: uuid.UUID, change_id: uuid.UUID) -> Outcome:
    """Apply the request the link names; call inside a transaction. Every way it cannot be
    applied is an :class:`Outcome`, so the page explains it instead of failing."""
    change = await conn.fetchrow(
        "SELECT new_email, outcome FROM email_changes WHERE id = $1 AND participant_id = $2 FOR UPDATE",
        change_id,
        participant_id,
    )
    if (settled := _settled(change)) is not None:
        return settled
    try:
        row = await self_service.load(conn, participant_id)
    except self_service.NotFound:
        return Outcome.GONE
    taken = await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM participants WHERE lower(email) = lower($1) AND kind = $2 AND id <> $3)",
        change["new_email"],
        row["kind"],
        participant_id,
    )
    if taken:
        return Outcome.TAKEN  # stays open: once the other registration is gone, the link works
    # The application's clock, not the database's: intake signs the manage links compared with it.
    changed_at = datetime.now(UTC)
    try:
        async with conn.transaction():  # a savepoint: a registration racing for the address loses us nothing
            await conn.execute(
                "UPDATE participants SET email = $2, email_changed_at = $3, updated_at = now() WHERE id = $1",
                participant_id,
                change["new_email"],
                changed_at,
            )
    except asyncpg.UniqueViolationError:
        return Outcome.TAKEN
    await conn.execute("UPDATE email_changes SET outcome = 'confirmed', ended_at = now() WHERE id = $1", change_id)
    if row["status"] == "pending_verification":
        # The link reached the new mailbox: that proves it as the verification link would, whose
        # own email went to the old address and is now refused.
        await participants_db.mark_verified(conn, participant_id)
    await audit.record_by_participant(conn, participant_id, "participant.email_changed", "participant", participant_id)
    # No participant.updated: an address does not change whom the matcher suggests, and its only
    # consumer (the matcher) would withdraw and re-create every open suggestion (review 7, finding 8).
    # Whoever held the manage link may not be the person: the old mailbox's owner must hear of it
    # now, when the notice's "cancel" link stops working.
    await write_events(
        conn,
        # Which change: a second one may be made before the notifier gets to this (it reads the
        # addresses at send time; events carry ids only).
        [events.new_event(events.NOTIFICATION_REQUESTED, notification=CHANGED, participant_id=participant_id,
                          email_change_id=change_id),
         # The new mailbox's own way back to the registration: every link it held (the confirmation's)
         # is used up and those in the old mailbox stopped working (review 11b, M4).
         events.new_event(events.NOTIFICATION_REQUESTED, notification=MANAGE_LINK, participant_id=participant_id),
         *await _tell_counterparts(conn, row)],
    )
    return Outcome.CHANGED


async def _tell_counterparts(conn: asyncpg.Connection, participant: asyncpg.Record) -> list[events.Event]:
    """One `contact_changed` per active match whose two sides share contact details: that other side
    was given the old address (review 7, finding 1). Without both consents nobody had it: nothing to
    correct. The notifier reads the new address and checks both again when it sends."""
    told = []
    for match in await own_matches.in_states(conn, participant, (matches.ACTIVE,)):
        if match["owner"] is not None and await both_share_contact(conn, participant["id"], match["owner"]):
            told.append(events.new_event(events.NOTIFICATION_REQUESTED, notification=CONTACT_CHANGED,
                                         participant_id=match["owner"], match_id=match["id"]))
    return told


def link_outdated(signed_at: datetime, changed_at: datetime | None) -> bool:
    """Whether a link signed at ``signed_at`` (manage, answer or check-in) went to an address the
    person has replaced (``changed_at``: participants.email_changed_at). Tokens carry whole seconds,
    so the change's moment is cut to its second: the fresh link handed out with the change is not
    refused, and neither is any other link signed in that same second (an email the notifier
    composed for the old address just then): a window of under a second, accepted."""
    return changed_at is not None and signed_at < changed_at.replace(microsecond=0)


async def forget_expired(conn: asyncpg.Connection) -> int:
    """Retention: requests older than their link can be (open or done), with both addresses."""
    result = await conn.execute(
        "DELETE FROM email_changes WHERE requested_at < now() - $1::interval", tokens.MAX_AGE[tokens.EMAIL_CHANGE]
    )
    return int(result.split()[-1])
