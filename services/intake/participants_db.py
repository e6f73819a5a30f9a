"""SQL for participants (owned by intake): free functions taking a connection."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from lotse.shared import events, name_search
from lotse.shared.events import Event
from lotse.shared.outbox import LOCAL_WAKE, write_event

CONSENT_TEXT_VERSION = "2026-11-v1"


async def find_by_email(conn: asyncpg.Connection, kind: str, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT id, status FROM participants WHERE lower(email) = lower($1) AND kind = $2",
        email,
        kind,
    )


# A registration in one statement: the participant, its consents, its courses or positions and
# its outbox event. One statement is atomic on its own, so it needs no BEGIN/COMMIT: one round
# trip where a transaction took six. Data-modifying CTEs run whether or not they are read, and
# each inserts only if the participant did (an address registered for this kind already
# inserts nothing at all). $1..$26 are the registration (_registration_args), $27..$30 its event.
_WRITTEN = "name, email, preferred_locale, district, languages, profile, about, name_search"
_WRITTEN_FROM = "$3, $4, $5, $6, $7, $8, $9, $25"
_DETAILS = """, consent AS (
    INSERT INTO consents (participant_id, purpose, given, text_version)
    SELECT participant.id, c.purpose, c.given, $10
    FROM participant, unnest($11::text[], $12::boolean[]) AS c (purpose, given)
), course AS (
    INSERT INTO courses (id, provider_id, title, level, schedule, format, district, seats, starts_on, childcare,
                         late_entry_weeks)
    SELECT gen_random_uuid(), participant.id, c.title, c.level, c.schedule, c.format, c.district, c.seats,
           c.starts_on, c.childcare, c.late_entry_weeks
    FROM participant, unnest($13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::integer[],
                             $19::date[], $20::boolean[], $26::smallint[])
         AS c (title, level, schedule, format, district, seats, starts_on, childcare, late_entry_weeks)
), position AS (
    INSERT INTO positions (id, employer_id, title, occupation_field, openings, min_german_level)
    SELECT gen_random_uuid(), participant.id, p.title, p.occupation_field, p.openings, p.min_german_level
    FROM participant, unnest($21::text[], $22::text[], $23::integer[], $24::text[])
         AS p (title, occupation_field, openings, min_german_level)
)"""
# The same address registered again for this kind, in the same statement, so that a repeated
# registration answers as fast as a new one (an answer's time must not tell that an address is
# registered, review 9a). While the first registration is pending, its data is kept as a version
# (lotse.intake.registration_versions: the same data again renews that version); once verified, an
# "already registered" email is asked for. The event reuses the registration event's id and time
# ($27, $29): only one of the two is ever written. `existing` sees the statement's snapshot: a row
# inserted by a registration committing at the same moment is not in it, and then the statement
# writes nothing and the caller runs it again (lotse.intake.registrations.register).
_REPEATED = """, existing AS (
    SELECT id, status FROM participants
    WHERE lower(email) = lower($4) AND kind = $2 AND NOT EXISTS (SELECT FROM participant)
    FOR UPDATE
), pending AS (
    SELECT id FROM existing WHERE status = 'pending_verification'
), same AS (
    UPDATE registration_versions SET created_at = now()
    WHERE id = (SELECT v.id FROM registration_versions v JOIN pending ON v.participant_id = pending.id
                WHERE v.registration = $31::jsonb LIMIT 1)
    RETURNING id
), added AS (
    INSERT INTO registration_versions (id, participant_id, registration)
    SELECT $32, id, $31::jsonb FROM pending WHERE NOT EXISTS (SELECT FROM same)
    RETURNING id
), repeat_event AS (
    INSERT INTO outbox (id, type, occurred_at, payload)
    SELECT $27, $33, $29, jsonb_strip_nulls(jsonb_build_object(
        'participant_id', existing.id::text,
        'notification', CASE WHEN version.id IS NULL THEN 'already_registered' ELSE 'verification' END,
        'version_id', version.id::text))
    FROM existing LEFT JOIN (SELECT id FROM same UNION ALL SELECT id FROM added) AS version ON true
)"""
_INSERT_REGISTRATION = f"""
WITH participant AS (
    INSERT INTO participants (id, kind, {_WRITTEN})
    VALUES ($1, $2, {_WRITTEN_FROM})
    ON CONFLICT (lower(email), kind) WHERE email IS NOT NULL DO NOTHING
    RETURNING id
){_DETAILS}, event AS (
    INSERT INTO outbox (id, type, occurred_at, payload)
    SELECT $27, $28, $29, $30 FROM participant
){_REPEATED}
SELECT id, true AS created FROM participant
UNION ALL SELECT id, false FROM existing
"""
# The same registration in place of a pending participant's data (a registration version verified,
# lotse.intake.registration_versions): what the insert wrote, from the same arguments, after what the
# first registration wrote is deleted. The CTEs see one snapshot: the deletes never see the new rows.
_REPLACE_REGISTRATION = f"""
WITH participant AS (
    UPDATE participants SET ({_WRITTEN}) = ({_WRITTEN_FROM}), updated_at = now()
    WHERE id = $1 AND kind = $2 AND status = 'pending_verification'
    RETURNING id
), old_consents AS (DELETE FROM consents WHERE participant_id IN (SELECT id FROM participant)
), old_courses AS (DELETE FROM courses WHERE provider_id IN (SELECT id FROM participant)
), old_positions AS (DELETE FROM positions WHERE employer_id IN (SELECT id FROM participant)
){_DETAILS}
SELECT id FROM participant
"""


def _columns(rows: tuple[dict[str, object], ...], *names: str) -> list[list[object]]:
    return [[row[name] for row in rows] for name in names]


def _registration_args(participant_id: uuid.UUID, kind: str, reg: Any) -> list[object]:
    """$1..$26 of both statements above: one mapping of a registration to its rows."""
    consents = {"data_processing": reg.consent_data_processing, "share_contact": reg.consent_share_contact}
    return [
        participant_id, kind, reg.name, reg.email, reg.preferred_locale, reg.district,
        [{"code": code, "level": level} for code, level in reg.languages], reg.profile, reg.about,
        CONSENT_TEXT_VERSION, list(consents), list(consents.values()),
        *_columns(reg.courses, "title", "level", "schedule", "format", "district", "seats", "starts_on",
                  "childcare"),
        *_columns(reg.positions, "title", "occupation_field", "openings", "min_german_level"),
        name_search.search_text(reg.name, reg.profile.get("organisation"), reg.profile.get("name_latin")),
        *_columns(reg.courses, "late_entry_weeks"),
    ]


async def insert_registration(
    conn: asyncpg.Connection, participant_id: uuid.UUID, kind: str, reg: Any, event: Event,
    version: dict[str, Any],
) -> tuple[uuid.UUID, bool] | None:
    """Insert a registration with its consents, courses or positions and ``event``, atomically,
    and answer (``participant_id``, True). When the address is registered for this kind already,
    insert nothing of it but keep ``version`` (registration_versions.to_json of ``reg``) for the
    pending participant or ask for an "already registered" email, and answer (its id, False).
    None when that participant committed while this statement ran: nothing was written."""
    row = await conn.fetchrow(
        _INSERT_REGISTRATION, *_registration_args(participant_id, kind, reg),
        event.id, event.type, event.occurred_at, event.data, version, uuid.uuid4(), events.NOTIFICATION_REQUESTED,
    )
    if row is None:
        return None
    LOCAL_WAKE.wrote(conn)  # the statement wrote its outbox row itself, not through write_events
    return row["id"], row["created"]


async def replace_registration(conn: asyncpg.Connection, participant_id: uuid.UUID, kind: str, reg: Any) -> bool:
    """Put ``reg`` in place of what the pending participant's registration wrote (its consents,
    courses and positions too); False when it is not pending (any more), and nothing is written."""
    return await conn.fetchval(_REPLACE_REGISTRATION, *_registration_args(participant_id, kind, reg)) is not None


async def record_consents(
    conn: asyncpg.Connection, participant_id: uuid.UUID, consents: dict[str, bool]
) -> None:
    await conn.executemany(
        "INSERT INTO consents (participant_id, purpose, given, text_version) VALUES ($1, $2, $3, $4)",
        [(participant_id, purpose, given, CONSENT_TEXT_VERSION) for purpose, given in consents.items()],
    )


async def mark_verified(conn: asyncpg.Connection, participant_id: uuid.UUID) -> asyncpg.Record | None:
    """Verify a pending participant and announce it (participant.verified, through the outbox);
    None when there was nothing pending to verify. The verification link and a confirmed change
    of address both prove the mailbox, so both come here; call inside a transaction."""
    verified = await conn.fetchrow(
        """UPDATE participants SET status = 'verified', verified_at = now(), updated_at = now()
           WHERE id = $1 AND status = 'pending_verification'
           RETURNING id, kind, status, preferred_locale, email_changed_at""",
        participant_id,
    )
    if verified is not None:
        # Versions of a repeated registration (registration_versions) are for this moment only.
        await conn.execute("DELETE FROM registration_versions WHERE participant_id = $1", participant_id)
        await write_event(
            conn, events.new_event(events.PARTICIPANT_VERIFIED, participant_id=participant_id, kind=verified["kind"])
        )
    return verified


async def get_status(conn: asyncpg.Connection, participant_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT id, kind, status, preferred_locale, email_changed_at FROM participants WHERE id = $1", participant_id
    )


async def email_of(conn: asyncpg.Connection, participant_id: uuid.UUID) -> str | None:
    """The address a registration's e-mails go to; None once it is erased (or deleted)."""
    email = await conn.fetchval(
        "SELECT email FROM participants WHERE id = $1 AND status <> 'erased'", participant_id
    )
    return str(email) if email is not None else None
