"""Read models of participants for coordinators: plain SQL, plain dicts."""

from __future__ import annotations

import uuid
from typing import Any, Final

import asyncpg

PARTICIPANT_COLUMNS = """id, kind, status, name, email, preferred_locale, district, languages, profile,
                         about, created_at, verified_at, updated_at, erased_at"""


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


# Profile fields stored only since a later version, with the value the matcher reads for older rows.
_NEWCOMER_DEFAULTS: Final = {"online_ok": True}


def participant_json(row: asyncpg.Record) -> dict[str, Any]:
    # Erasure keeps only anonymous profile fields; a default must not reappear there.
    defaults = _NEWCOMER_DEFAULTS if row["kind"] == "newcomer" and row["status"] != "erased" else {}
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
    }


async def list_participants(
    conn: asyncpg.Connection, *, kind: str | None, status: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        f"""SELECT {PARTICIPANT_COLUMNS} FROM participants
            WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR status = $2)
            ORDER BY created_at, id LIMIT $3 OFFSET $4""",
        kind,
        status,
        limit,
        offset,
    )
    return [participant_json(r) for r in rows]


async def participant_detail(conn: asyncpg.Connection, participant_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow(f"SELECT {PARTICIPANT_COLUMNS} FROM participants WHERE id = $1", participant_id)
    if row is None:
        return None
    detail = participant_json(row)
    if row["kind"] == "language_provider":
        detail["courses"] = [
            {**dict(c), "id": str(c["id"]), "starts_on": c["starts_on"].isoformat(), "closed_at": _iso(c["closed_at"])}
            for c in await conn.fetch(
                """SELECT id, title, level, schedule, format, district, seats, starts_on, childcare, closed_at
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
