"""Open suggestions of a provider's or employer's courses and positions that no longer hold: the
offer was closed, or changed (schedule, format, place, field, German level) so that its newcomer
no longer meets the hard constraints. Room is not the question here: a full offer's suggestions
are the business of approvals and the owner's own change of places.

Intake calls this at once when an owner saves or closes an offer, so no coordinator approves a
suggestion that no longer fits; the matcher calls it again on the owner's `participant.updated`,
which catches a suggestion it wrote meanwhile from pools read before the change.
"""

from __future__ import annotations

import uuid

import asyncpg

from lotse.shared import feasibility, matches_db
from lotse.shared.profiles import (
    NEWCOMER_COLUMNS,
    Course,
    Newcomer,
    Position,
    course_from_row,
    newcomer_from_row,
    position_from_row,
)

UNAVAILABLE = "counterpart_unavailable"


async def withdraw_unfit(
    conn: asyncpg.Connection, owner_id: uuid.UUID, *, offer_id: uuid.UUID | None = None, reason: str = UNAVAILABLE
) -> int:
    """Withdraw the open suggestions of the owner's offers (or of ``offer_id`` only) that no longer hold."""
    courses = await conn.fetch(
        "SELECT * FROM courses WHERE provider_id = $1 AND ($2::uuid IS NULL OR id = $2)", owner_id, offer_id)
    positions = await conn.fetch(
        """SELECT s.*, p.district, p.profile FROM positions s JOIN participants p ON p.id = s.employer_id
           WHERE s.employer_id = $1 AND ($2::uuid IS NULL OR s.id = $2)""", owner_id, offer_id)
    offers: dict[uuid.UUID, Course | Position | None] = {  # None: closed
        **{r["id"]: None if r["closed_at"] else course_from_row(r, seats_left=1) for r in courses},
        **{r["id"]: None if r["closed_at"] else position_from_row(r, openings_left=1) for r in positions},
    }
    if not offers:
        return 0
    suggested = await conn.fetch(  # each newcomer with the columns newcomer_from_row reads
        f"""SELECT m.match_id, m.counterpart_id, {NEWCOMER_COLUMNS} FROM participants JOIN (
                SELECT id AS match_id, counterpart_id, newcomer_id AS id FROM matches
                WHERE counterpart_id = ANY($1::uuid[]) AND status = 'suggested'
            ) m USING (id)""", list(offers))
    unfit = [r["match_id"] for r in suggested if not _holds(newcomer_from_row(r), offers[r["counterpart_id"]])]
    if unfit:
        await matches_db.withdraw_suggested(conn, reason, "id = ANY($1::uuid[])", unfit)
    return len(unfit)


def _holds(newcomer: Newcomer, offer: Course | Position | None) -> bool:
    if offer is None:
        return False
    if isinstance(offer, Course):
        return feasibility.course_feasible(newcomer, offer)
    return feasibility.position_feasible(newcomer, offer)
