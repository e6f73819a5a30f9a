"""The offers the matcher may suggest, read one way for everyone who asks: the matcher's pools
(lotse.matcher.pools) and the manage page's "still looking" lines (lotse.intake.still_looking),
so the page never tells a newcomer about offers the matcher would not see, or the other way round.

Each offer has a verified owner and is open (a course also not yet begun). Its room left is its
capacity, seats or openings minus the matches that hold a place (matches_db.HELD_SQL); offers with
no room left are kept, because the matcher's rounds count them too. Callers that only want offers
with room filter on it themselves.
"""

from __future__ import annotations

import uuid

import asyncpg

from lotse.shared import matches_db
from lotse.shared.matches_db import HELD_SQL
from lotse.shared.profiles import Course, Mentor, Position, course_from_row, mentor_from_row, position_from_row


async def mentors(conn: asyncpg.Connection) -> list[Mentor]:
    """Verified mentors and their places left."""
    rows = await conn.fetch(
        f"""SELECT p.id, p.district, p.languages, p.profile, p.about,
                   (p.profile->>'capacity')::int - (SELECT count(*) FROM matches m
                        WHERE m.counterpart_id = p.id AND m.status = ANY({HELD_SQL})) AS left_
            FROM participants p WHERE p.kind = 'mentor' AND p.status = 'verified'"""
    )
    return [mentor_from_row(r, capacity_left=int(r["left_"])) for r in rows]


async def courses(conn: asyncpg.Connection) -> list[Course]:
    """Open courses of verified providers that have not begun, with their seats left."""
    rows = await conn.fetch(
        f"""SELECT c.*, coalesce(p.about, '') AS about,
                   c.seats - (SELECT count(*) FROM matches m
                        WHERE m.counterpart_id = c.id AND m.status = ANY({HELD_SQL})) AS left_
            FROM courses c JOIN participants p ON p.id = c.provider_id
            WHERE p.status = 'verified' AND c.closed_at IS NULL
                  AND NOT {matches_db.course_started_sql('c.starts_on')}"""
    )
    return [course_from_row(r, seats_left=int(r["left_"])) for r in rows]


async def positions(conn: asyncpg.Connection) -> list[Position]:
    """Open positions of verified employers, with their openings left."""
    rows = await conn.fetch(
        f"""SELECT s.*, p.district, p.profile, coalesce(p.about, '') AS about,
                   s.openings - (SELECT count(*) FROM matches m
                        WHERE m.counterpart_id = s.id AND m.status = ANY({HELD_SQL})) AS left_
            FROM positions s JOIN participants p ON p.id = s.employer_id
            WHERE p.status = 'verified' AND s.closed_at IS NULL"""
    )
    return [position_from_row(r, openings_left=int(r["left_"])) for r in rows]


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
