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

from lotse.shared import offer_pools
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
                                  AND m.status = ANY({HELD_SQL})))
            ORDER BY p.verified_at NULLS LAST, p.id""",
        list(kinds), max_open,
    )
    return [newcomer_from_row(r) for r in rows]


async def load_pools(conn: asyncpg.Connection) -> Pools:
    """Verified counterparts and the room they have left (capacity, seats, openings); closed
    courses and positions are no counterparts (lotse.shared.offer_pools, which intake reads too)."""
    return Pools(
        mentors=await offer_pools.mentors(conn),
        courses=await offer_pools.courses(conn),
        positions=await offer_pools.positions(conn),
    )
