"""What the matcher reads fresh from the database to match: the newcomers who could take a
suggestion, and the pools of counterparts that still have room.

Events carry ids only; these loaders read the rows and turn them into the plain objects of
`lotse.shared.profiles` that the pure matching logic (feasibility, features, scoring) works on.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Final

import asyncpg

from lotse.shared import feasibility, offer_pools
from lotse.shared.matches_db import HELD_SQL
from lotse.shared.profiles import NEWCOMER_COLUMNS, Course, Mentor, Newcomer, Position, newcomer_from_row


@dataclass(slots=True)
class Pools:
    """Everything a newcomer could be matched with, and what must never be suggested again."""

    mentors: list[Mentor] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    mentor_index: Any = field(default=None, repr=False, compare=False)  # built on first use (mentor_index.py)


async def load_newcomer(conn: asyncpg.Connection, newcomer_id: uuid.UUID) -> Newcomer | None:
    row = await conn.fetchrow(
        f"SELECT {NEWCOMER_COLUMNS} FROM participants WHERE id = $1 AND kind = 'newcomer' AND status = 'verified'",
        newcomer_id,
    )
    return newcomer_from_row(row) if row else None


async def waiting_newcomers(conn: asyncpg.Connection) -> list[Newcomer]:
    rows = await conn.fetch(
        f"""SELECT {NEWCOMER_COLUMNS} FROM participants
            WHERE kind = 'newcomer' AND status = 'verified' ORDER BY verified_at NULLS LAST, id"""
    )
    return [newcomer_from_row(r) for r in rows]


# Whether a profile asks for a kind at all, as SQL on participants p: never stricter than
# feasibility.wanted_kinds, which the rows read are then held to (the rule itself lives there).
WANTS_SQL: Final = {
    "mentor": "coalesce(p.profile->'wants_mentor', 'false') NOT IN ('false', 'null')",
    "language_course": "coalesce(p.profile->'course_schedules', '[]') NOT IN ('[]', 'null')",
    "employer": "coalesce(p.profile->'seeks_work', 'true') NOT IN ('false', 'null')",
}


async def load_newcomers(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, Newcomer]:
    """The verified newcomers among ``ids`` (one query for a batch's events)."""
    rows = await conn.fetch(
        f"""SELECT {NEWCOMER_COLUMNS} FROM participants
            WHERE id = ANY($1::uuid[]) AND kind = 'newcomer' AND status = 'verified'""", ids)
    return {r["id"]: newcomer_from_row(r) for r in rows}


async def newcomers_with_room(conn: asyncpg.Connection, kind: str, max_open: int) -> list[Newcomer]:
    """Verified newcomers who want ``kind`` and could take another suggestion of it: fewer than
    ``max_open`` open ones and no live match of it. Everyone else is skipped before any scoring
    (review 9b, F1: with thousands waiting, those who want no mentor were scored on every new one)."""
    rows = await conn.fetch(
        f"""SELECT {NEWCOMER_COLUMNS} FROM participants p
            WHERE p.kind = 'newcomer' AND p.status = 'verified' AND {WANTS_SQL[kind]}
              AND (SELECT count(*) FROM matches m
                   WHERE m.newcomer_id = p.id AND m.kind = $1 AND m.status = 'suggested') < $2
              AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.newcomer_id = p.id AND m.kind = $1
                              AND m.status = ANY({HELD_SQL}))
            ORDER BY p.verified_at NULLS LAST, p.id""",
        kind, max_open,
    )
    return [n for n in map(newcomer_from_row, rows) if kind in feasibility.wanted_kinds(n)]


async def load_pools(conn: asyncpg.Connection) -> Pools:
    """Verified counterparts and the room they have left (capacity, seats, openings); closed
    courses and positions are no counterparts (lotse.shared.offer_pools, which intake reads too)."""
    return Pools(
        mentors=await offer_pools.mentors(conn),
        courses=await offer_pools.courses(conn),
        positions=await offer_pools.positions(conn),
    )
