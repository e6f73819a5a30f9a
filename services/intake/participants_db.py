"""SQL for participants (owned by intake): free functions taking a connection."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

CONSENT_TEXT_VERSION = "2026-11-v1"


async def find_by_email(conn: asyncpg.Connection, kind: str, email: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT id, status FROM participants WHERE lower(email) = lower($1) AND kind = $2",
        email,
        kind,
    )


async def insert_participant(conn: asyncpg.Connection, kind: str, reg: Any) -> uuid.UUID | None:
    """Insert a registration with its consents and courses/positions; returns its id, or None
    when the address is registered for this kind already (then nothing is written)."""
    participant_id = await conn.fetchval(
        """INSERT INTO participants
               (id, kind, name, email, preferred_locale, district, languages, profile, about)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (lower(email), kind) WHERE email IS NOT NULL DO NOTHING
           RETURNING id""",
        uuid.uuid4(),
        kind,
        reg.name,
        reg.email,
        reg.preferred_locale,
        reg.district,
        [{"code": code, "level": level} for code, level in reg.languages],
        reg.profile,
        reg.about,
    )
    if participant_id is None:
        return None
    await record_consents(
        conn,
        participant_id,
        {"data_processing": reg.consent_data_processing, "share_contact": reg.consent_share_contact},
    )
    if reg.courses:
        await conn.executemany(
            """INSERT INTO courses (id, provider_id, title, level, schedule, format, district,
                                    seats, starts_on, childcare)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
            [
                (uuid.uuid4(), participant_id, c["title"], c["level"], c["schedule"], c["format"],
                 c["district"], c["seats"], c["starts_on"], c["childcare"])
                for c in reg.courses
            ],
        )
    if reg.positions:
        await conn.executemany(
            """INSERT INTO positions (id, employer_id, title, occupation_field, openings,
                                      min_german_level)
               VALUES ($1, $2, $3, $4, $5, $6)""",
            [
                (uuid.uuid4(), participant_id, p["title"], p["occupation_field"], p["openings"],
                 p["min_german_level"])
                for p in reg.positions
            ],
        )
    return participant_id


async def record_consents(
    conn: asyncpg.Connection, participant_id: uuid.UUID, consents: dict[str, bool]
) -> None:
    await conn.executemany(
        "INSERT INTO consents (participant_id, purpose, given, text_version) VALUES ($1, $2, $3, $4)",
        [(participant_id, purpose, given, CONSENT_TEXT_VERSION) for purpose, given in consents.items()],
    )


async def mark_verified(conn: asyncpg.Connection, participant_id: uuid.UUID) -> asyncpg.Record | None:
    """Verify a pending participant; None when there was nothing pending to verify."""
    return await conn.fetchrow(
        """UPDATE participants SET status = 'verified', verified_at = now(), updated_at = now()
           WHERE id = $1 AND status = 'pending_verification' RETURNING id, kind, status""",
        participant_id,
    )


async def get_status(conn: asyncpg.Connection, participant_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT id, kind, status FROM participants WHERE id = $1", participant_id)
