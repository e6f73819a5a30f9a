"""At most ``k × free places`` open suggestions name one counterpart (reviews 9b F3, 9d D3).

Each newcomer is suggested their best few counterparts on their own, so without a limit a popular
mentor with one place left stood in 250 newcomers' lists: suggestions that cannot all come true,
and one approval withdrew them all. Now a counterpart (a mentor, a course, a position) is named by
at most ``per_place`` open suggestions per place it has left, and they go to the newcomers it fits
best: a newcomer who scores higher than the weakest holder of a full counterpart takes that
holder's place (the holder's suggestion is withdrawn as ``outranked`` and they get their next best
in the same transaction); one who scores no higher gets their next best instead.

A `Held` lives for one flush (one transaction under the writers' lock): it reads the open
suggestions of the counterparts it is asked about once, through matches_counterpart, and then
keeps them up to date as suggestions are written and withdrawn.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Final

import asyncpg

from lotse.shared import matches_db

#: The default of LOTSE_MATCHER_SUGGESTIONS_PER_PLACE (docs/decisions.md, "Open suggestions per place").
DEFAULT_PER_PLACE: Final = 2
#: The withdrawal reason of a suggestion that went to a newcomer the counterpart fits better.
OUTRANKED: Final = "outranked"


def places_left(counterpart: Any) -> int:
    """A mentor's capacity left, a course's seats left, a position's openings left (never below 0)."""
    for name in ("capacity_left", "seats_left", "openings_left"):
        if hasattr(counterpart, name):
            return max(0, int(getattr(counterpart, name)))
    return 0


@dataclass(frozen=True, slots=True)
class Hold:
    score: float
    newcomer_id: uuid.UUID
    match_id: uuid.UUID


@dataclass(slots=True)
class Held:
    """The open suggestions naming each counterpart looked at in this transaction."""

    per_place: int = DEFAULT_PER_PLACE
    holds: dict[uuid.UUID, list[Hold]] = field(default_factory=dict)
    # match kind -> newcomers who lost a suggestion to a better fit: to be topped up again
    displaced: dict[str, set[uuid.UUID]] = field(default_factory=dict)
    # suggestions nobody takes the place of: a global round's proposals, in the round's transaction
    kept: set[uuid.UUID] = field(default_factory=set)

    async def read(self, conn: asyncpg.Connection, ids: list[uuid.UUID]) -> None:
        """Read the open suggestions of those of ``ids`` not read yet (one statement)."""
        missing = [i for i in dict.fromkeys(ids) if i not in self.holds]
        if not missing:
            return
        for i in missing:
            self.holds[i] = []
        for r in await conn.fetch(
            """SELECT counterpart_id, newcomer_id, id, score FROM matches
               WHERE counterpart_id = ANY($1::uuid[]) AND status = 'suggested'""", missing):
            self.holds[r["counterpart_id"]].append(Hold(float(r["score"]), r["newcomer_id"], r["id"]))

    def limit(self, counterpart: Any) -> int:
        return self.per_place * places_left(counterpart)

    def over(self, counterpart: Any) -> list[Hold]:
        """The weakest holds beyond the counterpart's limit (its places may have shrunk), weakest first."""
        holds = self.holds.get(counterpart.id, [])
        weakest_first = sorted((h for h in holds if h.match_id not in self.kept),
                               key=lambda h: (h.score, str(h.newcomer_id)))
        return weakest_first[:max(0, len(holds) - self.limit(counterpart))]

    def to_give_up(self, counterpart: Any, score: float) -> Hold | bool:
        """Whether a newcomer scoring ``score`` may be suggested ``counterpart``: True (room under
        the limit), the weakest hold to withdraw for them (full, and they fit better), or False."""
        holds = self.holds.get(counterpart.id, [])
        if len(holds) < self.limit(counterpart):
            return True
        if not (givable := [h for h in holds if h.match_id not in self.kept]):
            return False  # no places, or every suggestion a round's proposal
        weakest = min(givable, key=lambda h: (h.score, str(h.newcomer_id)))
        return weakest if score > weakest.score else False

    def add(self, counterpart_id: uuid.UUID, row: asyncpg.Record) -> None:
        self.holds.setdefault(counterpart_id, []).append(Hold(float(row["score"]), row["newcomer_id"], row["id"]))

    async def withdraw(self, conn: asyncpg.Connection, kind: str, counterpart_id: uuid.UUID, hold: Hold) -> None:
        """Withdraw ``hold`` as outranked; its newcomer is topped up again before the flush ends."""
        await matches_db.withdraw_suggested(conn, OUTRANKED, "id = $1", hold.match_id)
        self.holds[counterpart_id] = [h for h in self.holds.get(counterpart_id, []) if h.match_id != hold.match_id]
        self.displaced.setdefault(kind, set()).add(hold.newcomer_id)

    def forget(self, newcomer_ids: set[uuid.UUID]) -> None:
        """Those newcomers' suggestions were withdrawn by other means (no longer verified)."""
        for counterpart_id, holds in self.holds.items():
            self.holds[counterpart_id] = [h for h in holds if h.newcomer_id not in newcomer_ids]

    def take_displaced(self) -> dict[str, set[uuid.UUID]]:
        taken, self.displaced = self.displaced, {}
        return taken


async def _open_and_left(conn: asyncpg.Connection, kind: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[int, int]]:
    """Counterpart -> (open suggestions naming it, places it has left), index-backed and without the pools."""
    named = {r["counterpart_id"]: int(r["n"]) for r in await conn.fetch(
        """SELECT counterpart_id, count(*) AS n FROM matches WHERE counterpart_id = ANY($1::uuid[])
           AND status = 'suggested' GROUP BY counterpart_id""", ids)}
    return {i: (named.get(i, 0), max(0, await matches_db.remaining_capacity(conn, kind, i))) for i in ids}


async def were_full(
    conn: asyncpg.Connection, kind: str, freed: dict[uuid.UUID, int], per_place: int,
) -> list[uuid.UUID]:
    """The counterparts of ``freed`` (id -> its suggestions withdrawn or rejected just now) that were
    named by as many open suggestions as their places allow before: only there may a newcomer have
    been passed over, who can now have them (elsewhere everyone who fits already does)."""
    if not freed:
        return []
    counts = await _open_and_left(conn, kind, list(freed))
    return [i for i, (named, left) in counts.items() if left > 0 and named + freed[i] >= per_place * left]


async def over_limit(conn: asyncpg.Connection, kind: str, ids: set[uuid.UUID], per_place: int) -> set[uuid.UUID]:
    """Those of ``ids`` named by more open suggestions than their places left allow (an approval took one)."""
    if not ids:
        return set()
    return {i for i, (named, left) in (await _open_and_left(conn, kind, sorted(ids))).items()
            if named > per_place * left}
