"""What the matcher reads fresh from the database to match: the newcomers who could take a
suggestion, and the pools of counterparts that still have room.

Events carry ids only; these loaders read the rows and turn them into the plain objects of
`lotse.shared.profiles` that the pure matching logic (feasibility, features, scoring) works on.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from lotse.shared import matches, matches_db
from lotse.shared.profiles import (
    NEWCOMER_COLUMNS,
    Course,
    Mentor,
    Newcomer,
    Position,
    course_from_row,
    mentor_from_row,
    newcomer_from_row,
    position_from_row,
)


@dataclass(slots=True)
class Pools:
    """Everything a newcomer could be matched with, and what must never be suggested again."""

    mentors: list[Mentor] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    mentor_index: Any = field(default=None, repr=False, compare=False)  # built on first use (mentor_index.py)


_HELD = "ARRAY['" + "','".join(matches.HOLDS_CAPACITY) + "']"


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


async def newcomers_with_room(conn: asyncpg.Connection, kinds: tuple[str, ...], max_open: int) -> list[Newcomer]:
    """Verified newcomers who could take another suggestion of one of ``kinds``: fewer than
    ``max_open`` open ones and no live match of that kind. Everyone else is skipped before any
    scoring — with hundreds of newcomers, looking at all of them made every new mentor cost seconds."""
    rows = await conn.fetch(
        f"""SELECT {NEWCOMER_COLUMNS} FROM participants p
            WHERE p.kind = 'newcomer' AND p.status = 'verified' AND EXISTS (
                SELECT 1 FROM unnest($1::text[]) AS k(kind)
                WHERE (SELECT count(*) FROM matches m
                       WHERE m.newcomer_id = p.id AND m.kind = k.kind AND m.status = 'suggested') < $2
                  AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.newcomer_id = p.id AND m.kind = k.kind
                                  AND m.status = ANY({_HELD})))
            ORDER BY p.verified_at NULLS LAST, p.id""",
        list(kinds), max_open,
    )
    return [newcomer_from_row(r) for r in rows]


async def load_pools(conn: asyncpg.Connection) -> Pools:
    """Verified counterparts that still have room (capacity, seats, openings); closed courses and
    positions are no counterparts."""
    mentors = await conn.fetch(
        f"""SELECT p.id, p.district, p.languages, p.profile, p.about,
                   (p.profile->>'capacity')::int - (SELECT count(*) FROM matches m
                        WHERE m.counterpart_id = p.id AND m.status = ANY({_HELD})) AS left_
            FROM participants p WHERE p.kind = 'mentor' AND p.status = 'verified'"""
    )
    courses = await conn.fetch(
        f"""SELECT c.*, coalesce(p.about, '') AS about,
                   c.seats - (SELECT count(*) FROM matches m
                        WHERE m.counterpart_id = c.id AND m.status = ANY({_HELD})) AS left_
            FROM courses c JOIN participants p ON p.id = c.provider_id
            WHERE p.status = 'verified' AND c.closed_at IS NULL
                  AND NOT {matches_db.course_started_sql('c.starts_on')}"""
    )
    positions = await conn.fetch(
        f"""SELECT s.*, p.district, p.profile, coalesce(p.about, '') AS about,
                   s.openings - (SELECT count(*) FROM matches m
                        WHERE m.counterpart_id = s.id AND m.status = ANY({_HELD})) AS left_
            FROM positions s JOIN participants p ON p.id = s.employer_id
            WHERE p.status = 'verified' AND s.closed_at IS NULL"""
    )
    return Pools(
        mentors=[mentor_from_row(r, capacity_left=int(r["left_"])) for r in mentors],
        courses=[course_from_row(r, seats_left=int(r["left_"])) for r in courses],
        positions=[position_from_row(r, openings_left=int(r["left_"])) for r in positions],
    )


async def excluded_pairs(conn: asyncpg.Connection, newcomer_id: uuid.UUID) -> set[uuid.UUID]:
    """Counterparts not to suggest: already linked, or turned down, declined or ended before.

    Only a suggestion withdrawn for lack of room may come back. Asking for the same mentor
    again goes through the newcomer's own request, not the matcher.
    """
    rows = await conn.fetch(
        """SELECT counterpart_id FROM matches WHERE newcomer_id = $1 AND status <> 'withdrawn'""",
        newcomer_id,
    )
    return {r["counterpart_id"] for r in rows}
