"""Writing suggestions: up to five open ones per newcomer and kind, the waitlist, withdrawals.

Every function runs inside the consumer's transaction, so a suggestion and its
`match.suggested` event commit together. Writers take one transaction-level advisory lock:
two matcher instances never top up the same newcomer at once, so the five-per-kind limit
holds, and the unique index on open pairs backs it up.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

import asyncpg

from lotse.matcher import candidates as cand
from lotse.matcher.pools import Pools, load_newcomer, load_newcomers, load_pools, newcomers_with_room
from lotse.matcher.scoring import LinearModel
from lotse.shared import events, feasibility, job_wait, matches_db, metrics
from lotse.shared.matches_db import HELD_SQL
from lotse.shared.offer_pools import excluded_pairs
from lotse.shared.outbox import write_events
from lotse.shared.profiles import Counterpart, Course, Mentor, Newcomer

MAX_OPEN_PER_KIND: Final = 5
WRITE_LOCK: Final = 0x4C6F7473_0010


async def lock_writers(conn: asyncpg.Connection) -> None:
    await conn.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)


async def _open_and_live(conn: asyncpg.Connection, newcomer_id: uuid.UUID) -> tuple[dict[str, int], set[str]]:
    rows = await conn.fetch(
        "SELECT kind, status, count(*) AS n FROM matches WHERE newcomer_id = $1 "
        "AND status IN ('suggested', 'approved', 'introduced', 'active') GROUP BY kind, status",
        newcomer_id,
    )
    open_counts: dict[str, int] = {}
    live: set[str] = set()
    for r in rows:
        if r["status"] == "suggested":
            open_counts[r["kind"]] = int(r["n"])
        else:
            live.add(r["kind"])
    return open_counts, live


@dataclass(slots=True)
class Suggested:
    """The counterparts a matcher transaction gave new suggestions, by kind: before it commits, those
    filled meanwhile by an approval lose them again (withdraw_where_full)."""

    counterparts: dict[str, set[uuid.UUID]] = field(default_factory=dict)

    def add(self, kind: str, counterpart_id: uuid.UUID) -> None:
        self.counterparts.setdefault(kind, set()).add(counterpart_id)

    async def withdraw_where_full(self, conn: asyncpg.Connection) -> int:
        """The suggestions withdrawn because their counterpart has no place left (matches_db's)."""
        return sum([await matches_db.withdraw_where_full(conn, kind, sorted(ids))
                    for kind, ids in self.counterparts.items()])


async def insert_suggestion(
    conn: asyncpg.Connection, newcomer_id: uuid.UUID, candidate: cand.Candidate, round_id: uuid.UUID | None = None
) -> asyncpg.Record | None:
    row = await conn.fetchrow(
        f"""INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation, model_version,
                                 round_id, features)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT (newcomer_id, counterpart_id) WHERE status = 'suggested' DO NOTHING
            RETURNING {matches_db.MATCH_COLUMNS}""",
        uuid.uuid4(), candidate.kind, newcomer_id, candidate.counterpart.id, candidate.scored.score,
        candidate.scored.explanation, candidate.scored.model_version, round_id, candidate.scored.features,
    )
    if row is not None:
        metrics.SUGGESTIONS.labels(candidate.kind).inc()
    return row


async def _set_waitlist(
    conn: asyncpg.Connection, newcomer_id: uuid.UUID, kind: str, waiting: bool, reason: str | None = None
) -> None:
    """``reason``: a code more precise than the kind's usual one (cand.JOB_WAIT_WORDS)."""
    if not waiting:
        await conn.execute("DELETE FROM waitlist WHERE newcomer_id = $1 AND kind = $2", newcomer_id, kind)
        return
    code, words = cand.WAIT_REASONS[kind]
    if reason is not None and reason in cand.JOB_WAIT_WORDS:
        code, words = reason, cand.JOB_WAIT_WORDS[reason]
    await conn.execute(
        """INSERT INTO waitlist (newcomer_id, kind, reason_code, reason) VALUES ($1, $2, $3, $4)
           ON CONFLICT (newcomer_id, kind)
           DO UPDATE SET reason_code = EXCLUDED.reason_code, reason = EXCLUDED.reason""",
        newcomer_id, kind, code, words,
    )


async def top_up(
    conn: asyncpg.Connection,
    newcomer: Newcomer,
    pools: Pools,
    models: dict[str, LinearModel],
    now: datetime,
    kinds: tuple[str, ...] = cand.KINDS,
    suggested: Suggested | None = None,
) -> int:
    """Add suggestions until each wanted kind has five open ones (or no more candidates); the
    counterparts given one are added to ``suggested``."""
    open_counts, live = await _open_and_live(conn, newcomer.id)
    excluded = await excluded_pairs(conn, newcomer.id)
    written: list[events.Event] = []
    wanted = feasibility.wanted_kinds(newcomer)
    for kind in set(kinds) - set(wanted):  # no longer wanted (a changed profile): not waiting for it
        await _set_waitlist(conn, newcomer.id, kind, waiting=False)
    for kind in wanted:
        if kind not in kinds or kind in live:
            if kind in live:
                await _set_waitlist(conn, newcomer.id, kind, waiting=False)
            continue
        room = MAX_OPEN_PER_KIND - open_counts.get(kind, 0)
        # Scoring is CPU work: in a thread, so the event loop (heartbeats, other messages) keeps going.
        found = (await asyncio.to_thread(cand.candidates, kind, newcomer, pools, excluded, models, now, room)
                 if room > 0 else [])
        for candidate in found[:room]:
            row = await insert_suggestion(conn, newcomer.id, candidate)
            if row is not None:
                written.append(matches_db.match_event(events.MATCH_SUGGESTED, row))
                if suggested is not None:
                    suggested.add(kind, candidate.counterpart.id)
        waiting = not found and not open_counts.get(kind)
        # Why no job: the same what-ifs the newcomer's manage page says (shared/job_wait.py).
        reason = (job_wait.job_wait(newcomer, (p for p in pools.positions if p.id not in excluded)).code
                  if waiting and kind == "employer" else None)
        await _set_waitlist(conn, newcomer.id, kind, waiting=waiting, reason=reason)
    await write_events(conn, written)
    return len(written)


# What a counterpart participant's suggestions are made to: themselves (a mentor), their courses
# and their positions.
OWNED_IDS: Final = """SELECT $1::uuid AS id UNION ALL SELECT id FROM courses WHERE provider_id = $1
                      UNION ALL SELECT id FROM positions WHERE employer_id = $1"""


async def withdraw_open(
    conn: asyncpg.Connection, *, newcomer_id: uuid.UUID | None = None, owner_id: uuid.UUID | None = None,
    reason: str,
) -> int:
    """Withdraw open suggestions of a newcomer, and/or of everything a counterpart participant owns.

    One statement per side, each finding its rows through an index (matches_suggested,
    matches_counterpart), the owner's ids read first: `newcomer_id = $1 OR counterpart_id IN
    (subquery)` read every open suggestion, or every match, even for a newcomer alone (review 9b,
    F6), inside the writers' lock."""
    withdrawn = 0
    if newcomer_id is not None:
        withdrawn += len(await matches_db.withdraw_suggested(conn, reason, "newcomer_id = $1", newcomer_id))
    if owner_id is not None:
        owned = [r["id"] for r in await conn.fetch(OWNED_IDS, owner_id)]
        withdrawn += len(await matches_db.withdraw_suggested(
            conn, reason, "counterpart_id = ANY($1::uuid[])", owned))
    return withdrawn


async def rescore(conn: asyncpg.Connection, newcomer_id: uuid.UUID) -> None:
    """The newcomer's profile changed: earlier scores (and feasibility) may no longer hold, so their
    open suggestions go now; Pending.newcomer then tops them up (or clears an unavailable one)."""
    await lock_writers(conn)
    if await load_newcomer(conn, newcomer_id) is not None:
        await withdraw_open(conn, newcomer_id=newcomer_id, reason="rescored")


def could_gain(newcomer: Newcomer, counterpart: Counterpart) -> bool:
    """Whether ``counterpart`` (new, changed or with a freed place) can change what top_up writes
    for ``newcomer``: a feasible pair, or, for a job, an opening in their field, which the
    waitlist's "why no job" reads even beyond their commute or German (shared/job_wait.py)."""
    if isinstance(counterpart, Mentor):
        return feasibility.mentor_feasible(newcomer, counterpart)
    if isinstance(counterpart, Course):
        return feasibility.course_feasible(newcomer, counterpart)
    return feasibility.opening_in_field(newcomer, counterpart)


@dataclass(slots=True)
class Pending:
    """What a batch's events ask the matcher to look at again, gathered so that each newcomer and
    each kind is looked at once per batch, from one read of the pools (review 9b, F1/F3).

    Suggestions hold no place (only approved and later matches do), so one newcomer's top-up never
    changes another's: looking at everyone once at the end of the batch writes what looking after
    each event did."""

    # newcomer -> None: look again (verified, a rejection); or the kinds of their suggestions that
    # were withdrawn (stale, course started): nothing to do where they hold a live match of each
    newcomers: dict[uuid.UUID, set[str] | None] = field(default_factory=dict)
    # match kind -> mentors, courses or positions that are new, changed or have a place again
    counterparts: dict[str, set[uuid.UUID]] = field(default_factory=dict)
    # match kind -> newcomers whose match of it ended or was declined: they have room again
    freed: dict[str, set[uuid.UUID]] = field(default_factory=dict)
    employer_changed: bool = False  # an employer's positions changed (or closed): job waitlist reasons too
    # The counterparts given suggestions over the whole batch (its flushes and rounds), checked for
    # room once, as its last step (Suggested.withdraw_where_full): their rows stay locked until commit.
    suggested: Suggested = field(default_factory=Suggested)

    def __bool__(self) -> bool:
        return bool(self.newcomers or self.counterparts or self.freed)

    def newcomer(self, newcomer_id: uuid.UUID, withdrawn_kind: str | None = None) -> None:
        if withdrawn_kind is None:
            self.newcomers[newcomer_id] = None
        elif (kinds := self.newcomers.setdefault(newcomer_id, set())) is not None:
            kinds.add(withdrawn_kind)

    def counterpart(self, kind: str, ids: list[uuid.UUID], freed: uuid.UUID | None = None) -> None:
        self.counterparts.setdefault(kind, set()).update(ids)
        if freed is not None:
            self.freed.setdefault(kind, set()).add(freed)


async def flush(conn: asyncpg.Connection, pending: Pending, models: dict[str, LinearModel], now: datetime) -> int:
    """Top up what ``pending`` gathered, then forget it; returns the suggestions written."""
    if not pending:
        return 0
    await lock_writers(conn)
    newcomers = await _still_open(conn, pending.newcomers)
    kinds = [k for k in cand.KINDS if pending.counterparts.get(k) or pending.freed.get(k)]
    total = 0
    if newcomers or kinds:  # the pools only when someone is looked at
        pools = await load_pools(conn)
        total += await _newcomers_again(conn, newcomers, pools, models, now, pending.suggested)
        for kind in kinds:
            total += await _room_again(conn, kind, pending, pools, models, now)
    pending.newcomers.clear()
    pending.counterparts.clear()
    pending.freed.clear()
    pending.employer_changed = False
    return total


async def _still_open(conn: asyncpg.Connection, wanted: dict[uuid.UUID, set[str] | None]) -> list[uuid.UUID]:
    """The newcomers to look at again: not those whose suggestions were withdrawn only in kinds
    they now hold a live match of (the others an approval made stale): nothing can change there."""
    live: dict[uuid.UUID, set[str]] = {}
    asked = [i for i, kinds in wanted.items() if kinds is not None]
    for r in await conn.fetch(f"""SELECT DISTINCT newcomer_id, kind FROM matches
                                  WHERE newcomer_id = ANY($1::uuid[]) AND status = ANY({HELD_SQL})""",
                              asked) if asked else ():
        live.setdefault(r["newcomer_id"], set()).add(r["kind"])
    return [i for i, kinds in wanted.items() if kinds is None or not kinds <= live.get(i, set())]


async def _newcomers_again(
    conn: asyncpg.Connection, ids: list[uuid.UUID], pools: Pools, models: dict[str, LinearModel], now: datetime,
    suggested: Suggested,
) -> int:
    """Each newcomer topped up, with the pools read once; one no longer verified keeps nothing open."""
    if not ids:
        return 0
    found = await load_newcomers(conn, ids)
    # Paused, withdrawn, erased or not verified: nothing stays open (one statement each for all of them).
    if gone := [i for i in ids if i not in found]:
        await matches_db.withdraw_suggested(conn, "newcomer_unavailable", "newcomer_id = ANY($1::uuid[])", gone)
        await conn.execute("DELETE FROM waitlist WHERE newcomer_id = ANY($1::uuid[])", gone)
    total = 0
    for newcomer_id in ids:
        if (newcomer := found.get(newcomer_id)) is not None:
            total += await top_up(conn, newcomer, pools, models, now, suggested=suggested)
    return total


async def _room_again(
    conn: asyncpg.Connection, kind: str, pending: Pending, pools: Pools, models: dict[str, LinearModel],
    now: datetime,
) -> int:
    """New room of ``kind`` (a counterpart, seats, a freed place): top up the newcomers with room who
    want the kind and for whom it can change something, found without a query per newcomer."""
    ids = pending.counterparts.get(kind, set())
    if not ids and not pending.freed.get(kind):
        return 0
    pool: Sequence[Counterpart] = (pools.mentors if kind == "mentor"
                                   else pools.courses if kind == "language_course" else pools.positions)
    changed = [c for c in pool if c.id in ids]
    again = set(pending.freed.get(kind, ()))
    # Suggestions of these that intake or withdraw_unfit withdrew because they no longer fit: their
    # newcomers have room for another.
    again.update(r["newcomer_id"] for r in await conn.fetch(
        """SELECT DISTINCT newcomer_id FROM matches WHERE counterpart_id = ANY($1::uuid[])
           AND status = 'withdrawn' AND reason = 'counterpart_unavailable'""", list(ids)))
    if kind == "employer" and pending.employer_changed:
        # A position that closed or left a field may be what a waiting newcomer's reason names.
        again.update(r["newcomer_id"] for r in await conn.fetch(
            "SELECT newcomer_id FROM waitlist WHERE kind = 'employer' AND reason_code <> $1",
            cand.WAIT_REASONS["employer"][0]))
    taken = {(r["newcomer_id"], r["counterpart_id"]) for r in await conn.fetch(
        """SELECT newcomer_id, counterpart_id FROM matches
           WHERE counterpart_id = ANY($1::uuid[]) AND status <> 'withdrawn'""", [c.id for c in changed])}
    total = 0
    for newcomer in await newcomers_with_room(conn, kind, MAX_OPEN_PER_KIND):
        if newcomer.id in again or any(
            (newcomer.id, c.id) not in taken and could_gain(newcomer, c) for c in changed
        ):
            total += await top_up(conn, newcomer, pools, models, now, (kind,), pending.suggested)
    return total
