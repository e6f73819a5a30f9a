"""Read models of participants for coordinators: plain SQL, plain dicts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

import asyncpg

from lotse.shared import matches, matches_db

# A mentor's places as every other reader counts them (the mentor's page: sides.taken; the matcher's
# pools; matches_db.remaining_capacity): matches in matches.HOLDS_CAPACITY. With when their last
# match that held a place ended (declined, cancelled or completed: only those states follow one).
# One grouped pass over the mentors' matches, joined to a list as `load` (review 8d, finding 5):
# the count, the filters and the order read it, and no row asks the matches table on its own.
# Here rather than in the dashboard's pages so the API's read model (below) shares the one rule.
PARTICIPANTS_FROM: Final = f"""participants LEFT JOIN (
        SELECT counterpart_id, count(*) FILTER (WHERE status = ANY({matches_db.HELD_SQL})) AS places_taken,
               max(ended_at) FILTER (WHERE status IN ('{matches.DECLINED}', '{matches.CANCELLED}',
                                                      '{matches.COMPLETED}')) AS last_ended
        FROM matches WHERE kind = 'mentor' GROUP BY counterpart_id) load
    ON participants.kind = 'mentor' AND load.counterpart_id = participants.id"""
PLACES: Final = "(participants.profile->>'capacity')::int"
PLACES_TAKEN: Final = "coalesce(load.places_taken, 0)"

# A mentor's places offered and taken, null for the other kinds and after erasure (an erased row
# keeps no per-person load): the API's and the CSV export's one rule. Read from PARTICIPANTS_FROM.
_A_MENTOR: Final = "kind = 'mentor' AND status <> 'erased'"
SHOWN_PLACES: Final = f"CASE WHEN {_A_MENTOR} THEN {PLACES} END"
SHOWN_PLACES_TAKEN: Final = f"CASE WHEN {_A_MENTOR} THEN {PLACES_TAKEN} END"
PARTICIPANT_COLUMNS = f"""participants.id, kind, status, paused_until, name, email, preferred_locale, district,
                          languages, profile, about, created_at, verified_at, updated_at, erased_at,
                          {SHOWN_PLACES} AS places, {SHOWN_PLACES_TAKEN} AS places_taken"""


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


# Profile fields stored only since a later version, with the value the matcher reads for older rows.
_NEWCOMER_DEFAULTS: Final = {"online_ok": True, "max_commute_km": None, "name_latin": None}
_DEFAULTS: Final[dict[str, dict[str, Any]]] = {"newcomer": _NEWCOMER_DEFAULTS, "mentor": {"name_latin": None}}


def participant_json(row: asyncpg.Record) -> dict[str, Any]:
    # Erasure keeps only anonymous profile fields; a default must not reappear there.
    defaults = _DEFAULTS.get(row["kind"], {}) if row["status"] != "erased" else {}
    return {
        "id": str(row["id"]),
        "kind": row["kind"],
        "status": row["status"],
        "name": row["name"],
        "email": row["email"],
        "preferred_locale": row["preferred_locale"],
        "district": row["district"],
        "languages": row["languages"],
        **defaults,
        **row["profile"],
        "about": row["about"],
        "created_at": _iso(row["created_at"]),
        "verified_at": _iso(row["verified_at"]),
        "updated_at": _iso(row["updated_at"]),
        # Additive (the dashboard shows them): the day a pause ends, and a mentor's places.
        "paused_until": _iso(row["paused_until"]),
        "places": row["places"],
        "places_taken": row["places_taken"],
    }


@dataclass(frozen=True, slots=True)
class ParticipantPage:
    items: list[dict[str, Any]]
    total: int  # every participant the filters select, on all pages
    next_cursor: str | None  # None on the last page


async def list_participants(
    conn: asyncpg.Connection, *, kind: str | None, status: str | None, limit: int, offset: int,
    cursor: str | None = None,
) -> ParticipantPage:
    """A page, oldest registration first. The cursor (as the matches list's: the last row's
    created_at and id) resumes after a row rather than after a count, so a participant who
    changes status or is removed meanwhile moves no one else to another page.
    Raises ValueError for a cursor this API did not hand out."""
    after = matches_db.decode_cursor(cursor) if cursor else (None, None)
    rows = await conn.fetch(
        f"""SELECT {PARTICIPANT_COLUMNS} FROM {PARTICIPANTS_FROM}
            WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR status = $2)
              AND ($5::timestamptz IS NULL OR (created_at, id) > ($5, $6::uuid))
            ORDER BY created_at, id LIMIT $3 OFFSET $4""",
        kind,
        status,
        limit + 1,
        offset,
        *after,
    )
    total = await conn.fetchval(
        "SELECT count(*) FROM participants WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR status = $2)",
        kind,
        status,
    )
    more = len(rows) > limit
    return ParticipantPage([participant_json(r) for r in rows[:limit]], total,
                           matches_db.encode_cursor(rows[limit - 1]) if more else None)


async def participant_detail(conn: asyncpg.Connection, participant_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(f"SELECT {PARTICIPANT_COLUMNS} FROM {PARTICIPANTS_FROM} WHERE participants.id = $1",
                              participant_id)
    if row is None:
        return None
    detail = participant_json(row)
    if row["kind"] == "language_provider":
        detail["courses"] = [
            {**dict(c), "id": str(c["id"]), "starts_on": c["starts_on"].isoformat(), "closed_at": _iso(c["closed_at"])}
            for c in await conn.fetch(
                """SELECT id, title, level, schedule, format, district, seats, starts_on, childcare, late_entry_weeks,
                          closed_at
                   FROM courses WHERE provider_id = $1 ORDER BY title""",
                participant_id,
            )
        ]
    if row["kind"] == "employer":
        detail["positions"] = [
            {**dict(p), "id": str(p["id"]), "closed_at": _iso(p["closed_at"])}
            for p in await conn.fetch(
                """SELECT id, title, occupation_field, openings, min_german_level, closed_at
                   FROM positions WHERE employer_id = $1 ORDER BY title""",
                participant_id,
            )
        ]
    detail["consents"] = [
        {"purpose": c["purpose"], "given": c["given"], "text_version": c["text_version"],
         "recorded_at": _iso(c["recorded_at"])}
        for c in await conn.fetch(
            "SELECT purpose, given, text_version, recorded_at FROM consents WHERE participant_id = $1 "
            "ORDER BY recorded_at, id",
            participant_id,
        )
    ]
    return detail
