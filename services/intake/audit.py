"""The audit trail of coordinator actions (append-only; see migration 0008), and of the changes
providers and employers make to their courses and positions on their manage page: a coordinator
asking why a suggestion disappeared reads who closed or changed what, and when."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

import asyncpg

from lotse.intake.accounts import Coordinator

log = logging.getLogger(__name__)

# Every action an entry can record. The dashboard labels each one and offers each in the audit page's
# filter (tests/unit/test_dashboard_vocabulary.py); an entry with any other is logged as an error
# (see _insert), so a new action does not reach the coordinators as a bare code unnoticed.
ACTIONS: Final = frozenset({
    "match.approve", "match.reject", "match.completed", "match.cancelled", "match.connected",
    "match.contact_shared", "match.flag_handled", "match.ended_own",
    "match.csv_export",
    "participant.pause", "participant.resume", "participant.erase", "participant.export",
    "participant.erase_own", "participant.pause_own", "participant.resume_own", "participant.export_own",
    "participant.capacity_own", "participant.mentor_again_own", "participant.keep_own",
    "participant.keep",
    "participant.share_contact_withdrawn", "participant.csv_export",
    "participant.email_change_requested", "participant.email_change_cancelled", "participant.email_changed",
    "round.start",
    "coordinator.invited", "coordinator.activated", "coordinator.deactivated", "coordinator.password_reset",
    "coordinator.password_set", "coordinator.login",
    "course.close", "course.reopen", "course.change", "position.close", "position.reopen", "position.change",
})


async def record(
    conn: asyncpg.Connection,
    actor: Coordinator | None,
    action: str,
    subject_type: str,
    subject_id: uuid.UUID | None,
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    detail: str | None = None,
) -> None:
    """Write one entry, in the caller's transaction: the action and its trace commit together."""
    await _insert(conn, actor.id if actor else None, actor.role if actor else None, action, subject_type,
                  subject_id, before, after, detail)


# actor_role of an entry whose actor is a participant (actor_id their id), not a coordinator.
PARTICIPANT: Final = "participant"
# The entries of `audit_log a` about participant $1: what was done to them, and what they did themselves.
ABOUT_PARTICIPANT: Final = f"(a.subject_id = $1 OR (a.actor_id = $1 AND a.actor_role = '{PARTICIPANT}'))"


async def record_by_participant(
    conn: asyncpg.Connection,
    participant_id: uuid.UUID,
    action: str,
    subject_type: str,
    subject_id: uuid.UUID,
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    detail: str | None = None,
) -> None:
    """An entry for what a participant did themselves (on their manage page), in the caller's transaction."""
    await _insert(conn, participant_id, PARTICIPANT, action, subject_type, subject_id, before, after, detail)


# actor_role of an entry no one acted for: a scheduled job did it (the end of a pause a participant
# set: lotse.intake.pause.resume_ended). No actor_id.
SYSTEM: Final = "system"


async def record_system(
    conn: asyncpg.Connection,
    action: str,
    subject_type: str,
    subject_id: uuid.UUID,
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """An entry for what Lotse did by itself, on a schedule, in the caller's transaction."""
    await _insert(conn, None, SYSTEM, action, subject_type, subject_id, before, after, None)


async def _insert(
    conn: asyncpg.Connection, actor_id: uuid.UUID | None, actor_role: str | None, action: str, subject_type: str,
    subject_id: uuid.UUID | None, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None,
    detail: str | None,
) -> None:
    if action not in ACTIONS:
        # Written all the same: the record of what was done matters more than its label (the
        # dashboard then shows the code); tests/unit/test_dashboard_vocabulary.py checks the writers.
        log.error("audit action not in audit.ACTIONS, so it has no label on the dashboard", extra={"action": action})
    await conn.execute(
        """INSERT INTO audit_log (actor_id, actor_role, action, subject_type, subject_id, before, after, detail)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        actor_id,
        actor_role,
        action,
        subject_type,
        subject_id,
        dict(before) if before is not None else None,
        dict(after) if after is not None else None,
        detail,
    )


# The filters of :func:`entries` and :func:`count` over `audit_log a`: $1 actor, $2 subject, $3 action
# (each null for any), so a page listing entries with more columns (the dashboard's audit page)
# counts and lists the same rows.
# $4: an action left out (the audit page's "Hide logins": one row per login buries the rest, review 9c F8).
FILTER: Final = """($1::uuid IS NULL OR a.actor_id = $1) AND ($2::uuid IS NULL OR a.subject_id = $2)
                   AND ($3::text IS NULL OR a.action = $3) AND ($4::text IS NULL OR a.action <> $4)"""


async def entries(
    conn: asyncpg.Connection,
    *,
    actor_id: uuid.UUID | None = None,
    subject_id: uuid.UUID | None = None,
    action: str | None = None,
    without_action: str | None = None,
    limit: int = 200,
    offset: int = 0,
    columns: str = "",
    joins: str = "",
) -> list[asyncpg.Record]:
    """Entries newest first. ``columns`` and ``joins``: more to read about each entry (`audit_log a`),
    for a page that shows it (the dashboard names each entry's subject: dashboard/audit_log.py)."""
    return list(
        await conn.fetch(
            f"""SELECT a.*, c.email AS actor_email{", " + columns if columns else ""} FROM audit_log a
               LEFT JOIN coordinators c ON c.id = a.actor_id {joins}
               WHERE {FILTER} ORDER BY a.id DESC LIMIT $5 OFFSET $6""",
            actor_id,
            subject_id,
            action,
            without_action,
            limit,
            offset,
        )
    )


async def count(
    conn: asyncpg.Connection,
    *,
    actor_id: uuid.UUID | None = None,
    subject_id: uuid.UUID | None = None,
    action: str | None = None,
    without_action: str | None = None,
) -> int:
    """How many entries :func:`entries` pages through with the same filters."""
    return int(await conn.fetchval(f"SELECT count(*) FROM audit_log a WHERE {FILTER}", actor_id, subject_id, action,
                                   without_action))


async def about_participant(conn: asyncpg.Connection, participant_id: uuid.UUID) -> list[asyncpg.Record]:
    """What coordinators did to a participant, and what the participant did themselves, newest first."""
    return list(await conn.fetch(
        f"""SELECT a.*, c.email AS actor_email FROM audit_log a
           LEFT JOIN coordinators c ON c.id = a.actor_id
           WHERE {ABOUT_PARTICIPANT}
           ORDER BY a.id DESC""",
        participant_id,
    ))


async def of_offer_since(conn: asyncpg.Connection, offer_id: uuid.UUID, since: datetime) -> list[asyncpg.Record]:
    """What happened to a course or position from `since` on (a suggestion of it was made), oldest first."""
    return list(await conn.fetch(
        """SELECT a.*, NULL AS actor_email FROM audit_log a
           WHERE a.subject_id = $1 AND a.subject_type IN ('course', 'position') AND a.at >= $2
           ORDER BY a.id""",
        offer_id, since,
    ))
