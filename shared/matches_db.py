"""SQL of matches, shared by the matcher (suggestions) and intake (decisions).

Decisions lock the counterpart's row (mentor, course or position) before counting what it
has left, so two coordinators approving the last seat at once are served one after the other.
"""

from __future__ import annotations

import base64
import contextlib
import json
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final, TypeVar

import asyncpg

from lotse.shared import events, matches
from lotse.shared.outbox import write_events
from lotse.shared.reference import TODAY_SQL, today

T = TypeVar("T")

#: A match's flag: its three columns come and go together (matches.FLAGS).
_FLAG_COLUMNS: Final = ("flagged_at", "flag_code", "flag_reason")
#: The SET that clears a match's flag.
UNFLAG: Final = ", ".join(f"{column} = NULL" for column in _FLAG_COLUMNS)
#: The statuses that hold a place (matches.HOLDS_CAPACITY) as an SQL array literal: fixed codes, no
#: parameter needed, for queries that count a counterpart's places taken.
HELD_SQL: Final = "ARRAY['" + "','".join(matches.HOLDS_CAPACITY) + "']"
#: A match's columns as the services read it. active_at is for lifecycle.still_to_connect; the
#: API's JSON is to_json's named fields, so a column added here is not in it.
MATCH_COLUMNS = """id, kind, newcomer_id, counterpart_id, score, explanation, status, model_version,
                   round_id, created_at, decided_at, decided_by, note, reason, end_reason, ended_by_side,
                   flag_code, active_at"""

# kind -> (table, capacity expression) of the counterpart
_CAPACITY = {
    "mentor": ("participants", "(profile->>'capacity')::int"),
    "language_course": ("courses", "seats"),
    "employer": ("positions", "openings"),
}


class MatchNotFound(Exception):
    pass


class Conflict(Exception):
    """The decision cannot be taken now (already decided, capacity used up)."""


class Decided(Conflict):
    """The suggestion is no longer open: decided (by someone else, or by the same coordinator's other
    click) or withdrawn since it was shown."""


class Unavailable(Conflict):
    """A side of the suggestion is no longer open to matching (paused it, or was erased) since it was made."""


class WithdrawnNow(Decided):
    """The decision found the suggestion stale and withdrew it instead: that withdrawal is kept
    (in_retried_transaction commits it before raising)."""


class Stale(WithdrawnNow):
    """The newcomer already holds a match of this kind (approved while the matcher made this
    suggestion)."""


class Full(WithdrawnNow):
    """The counterpart's places are all taken (by approvals since the suggestion was made): its open
    suggestions, this one among them, are withdrawn."""


class CourseStarted(Conflict):
    """The suggestion's course has started: nobody new is sent to it (its suggestions are withdrawn
    by lifecycle_jobs; one still open until its next pass cannot be approved meanwhile)."""


def course_started_sql(starts_on: str = "starts_on", late_entry_weeks: str | None = None) -> str:
    """The SQL condition of course_started on the columns ``starts_on`` and ``late_entry_weeks``
    (by default the one of the same table alias, `c.starts_on` → `c.late_entry_weeks`): one rule,
    one calendar for the matcher's pools, lifecycle_jobs' withdrawals, approvals, the dashboard,
    stats and emails."""
    if late_entry_weeks is None:
        # A date that is no courses column (a parameter, "$1::date") has no late entry beside it.
        alias, dot, column = starts_on.rpartition(".")
        late_entry_weeks = f"{alias}{dot}late_entry_weeks" if column == "starts_on" else "NULL"
    # date + integer is a date; no late entry (NULL) leaves the start day as the last day of entry.
    return f"({starts_on} + 7 * coalesce({late_entry_weeks}, 0)) < {TODAY_SQL}"


def entry_until(starts_on: date, late_entry_weeks: int | None) -> date:
    """The last day a newcomer can still join a course: its start day, or with late entry the day
    `late_entry_weeks` weeks after it."""
    return starts_on + timedelta(weeks=late_entry_weeks or 0)


def course_begun(starts_on: date | None) -> bool:
    """The course's start day is past on Thuringia's calendar, late entry or not: what is said of
    its start ("starts soon" is not), not whether anyone new may join (course_started)."""
    return starts_on is not None and starts_on < today()


#: "The course starts soon" is said of a start within these days only (review 8f): two months
#: ahead is not soon, and the date itself is said beside it.
STARTS_SOON_DAYS: Final = 21


def starts_soon(starts_on: date | None) -> bool:
    """The course starts today or within STARTS_SOON_DAYS on Thuringia's calendar: not begun."""
    return starts_on is not None and 0 <= (starts_on - today()).days <= STARTS_SOON_DAYS


def late_entry_open(starts_on: date | None, late_entry_weeks: int | None) -> bool:
    """Begun, but newcomers can still join (late entry): the case the pages and emails tell."""
    return course_begun(starts_on) and not course_started(starts_on, late_entry_weeks)


def course_started(starts_on: date | None, late_entry_weeks: int | None = None) -> bool:
    """A course counts as started, for matching, once it is no longer open for entry: its start
    day is past on Thuringia's calendar and so is its late-entry deadline, if it has one
    (entry_until). Nobody new is sent to it then. A course that starts today is still offered, as
    is one on the last day of its late entry."""
    return starts_on is not None and entry_until(starts_on, late_entry_weeks) < today()


STARTED_COURSES: Final = f"SELECT id FROM courses WHERE {course_started_sql()}"


def offer_state(offer: Mapping[str, Any]) -> str:
    """A course's or position's state (its `closed_at` and `starts_on`, None for a position, and a
    course's `late_entry_weeks` if read) for what is said of its place once a match for it ends:
    "closed" (by its owner), "started" (a course no longer open for entry, course_started: offered
    to nobody new) or "open". One rule for the notifier's emails and intake's check-in and manage
    pages, so a page never offers "someone else" that the email then says cannot come (review 8c,
    finding 3)."""
    if offer["closed_at"] is not None:
        return "closed"
    return "started" if course_started(offer["starts_on"], offer.get("late_entry_weeks")) else "open"


def to_json(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "id": str(row["id"]),
        "kind": row["kind"],
        "newcomer_id": str(row["newcomer_id"]),
        "counterpart_id": str(row["counterpart_id"]),
        "score": round(float(row["score"]), 4),
        "explanation": row["explanation"],
        "status": row["status"],
        "model_version": row["model_version"],
        "round_id": str(row["round_id"]) if row["round_id"] else None,
        "created_at": row["created_at"].isoformat(),
        "decided_at": row["decided_at"].isoformat() if row["decided_at"] else None,
        "decided_by": str(row["decided_by"]) if row["decided_by"] else None,
        "note": row["note"],
        "reason": row["reason"],
        "end_reason": row["end_reason"],
        "flag_code": row["flag_code"],
    }


def encode_cursor(row: asyncpg.Record) -> str:
    raw = json.dumps([row["created_at"].isoformat(), str(row["id"])]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """Raises ValueError for anything that is not a cursor this API handed out."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, match_id = json.loads(raw)
        at = datetime.fromisoformat(created_at)
        if at.tzinfo is None:  # ours come from timestamptz columns
            raise ValueError("no time zone")
        # In UTC, or a forged time at the edge of the calendar reaches PostgreSQL, out of its range.
        return at.astimezone(UTC), uuid.UUID(match_id)
    except (ValueError, TypeError, OverflowError, json.JSONDecodeError) as exc:
        raise ValueError("invalid cursor") from exc


@dataclass(frozen=True, slots=True)
class MatchFilter:
    status: str | None = None
    kind: str | None = None
    newcomer_id: uuid.UUID | None = None
    limit: int = 50
    cursor: str | None = None


async def list_matches(conn: asyncpg.Connection, f: MatchFilter) -> tuple[list[asyncpg.Record], str | None]:
    clauses, args = [], []

    def arg(value: object) -> str:
        args.append(value)
        return f"${len(args)}"

    if f.status:
        clauses.append(f"status = {arg(f.status)}")
    if f.kind:
        clauses.append(f"kind = {arg(f.kind)}")
    if f.newcomer_id:
        clauses.append(f"newcomer_id = {arg(f.newcomer_id)}")
    if f.cursor:
        created_at, match_id = decode_cursor(f.cursor)
        clauses.append(f"(created_at, id) > ({arg(created_at)}, {arg(match_id)})")
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    rows = await conn.fetch(
        f"SELECT {MATCH_COLUMNS} FROM matches {where} ORDER BY created_at, id LIMIT {arg(f.limit + 1)}",
        *args,
    )
    if len(rows) > f.limit:
        return rows[: f.limit], encode_cursor(rows[f.limit - 1])
    return list(rows), None


async def get_match(conn: asyncpg.Connection, match_id: uuid.UUID, *, lock: bool = False) -> asyncpg.Record:
    row = await conn.fetchrow(
        f"SELECT {MATCH_COLUMNS} FROM matches WHERE id = $1{' FOR UPDATE' if lock else ''}", match_id
    )
    if row is None:
        raise MatchNotFound(str(match_id))
    return row


async def remaining_capacity(
    conn: asyncpg.Connection, kind: str, counterpart_id: uuid.UUID, *, lock: bool = False
) -> int:
    left = await places_left(conn, kind, [counterpart_id], lock="FOR UPDATE" if lock else "")
    return left[counterpart_id]


async def places_left(
    conn: asyncpg.Connection, kind: str, counterpart_ids: list[uuid.UUID], *, lock: str = ""
) -> dict[uuid.UUID, int]:
    """Each counterpart's places no match holds (none for one that is gone). ``lock``: the rows' lock
    (``FOR UPDATE`` for a decision, ``FOR SHARE`` for the matcher), taken in id order before the
    count, which is a statement of its own: a locking statement's snapshot is taken before it waits,
    so only a later one sees the decision it waited for."""
    table, capacity = _CAPACITY[kind]
    places = {r["id"]: r["places"] for r in await conn.fetch(
        f"SELECT id, {capacity} AS places FROM {table} WHERE id = ANY($1::uuid[]) ORDER BY id {lock}",
        counterpart_ids)}
    used = {r["counterpart_id"]: r["n"] for r in await conn.fetch(
        f"""SELECT counterpart_id, count(*) AS n FROM matches
            WHERE counterpart_id = ANY($1::uuid[]) AND status = ANY({HELD_SQL}) GROUP BY counterpart_id""",
        counterpart_ids)}
    return {i: int(places.get(i) or 0) - used.get(i, 0) for i in counterpart_ids}


async def withdraw_where_full(conn: asyncpg.Connection, kind: str, counterpart_ids: list[uuid.UUID]) -> int:
    """Withdraw as stale the open suggestions of those counterparts of ``kind`` that have no place
    left, for the matcher before its suggestions commit (review 10b, F8). It read the places when
    its batch began; an approval that filled a counterpart since withdrew the suggestions it could
    see, not these, which were not committed yet. The counterparts' rows are locked (shared) as a
    decision locks them: a decision still running is waited for, and one starting now waits for
    this transaction and then sees these suggestions itself."""
    left = await places_left(conn, kind, counterpart_ids, lock="FOR SHARE")
    if not (full := [i for i, n in left.items() if n <= 0]):
        return 0
    return len(await withdraw_suggested(conn, "stale", "counterpart_id = ANY($1::uuid[])", full))


def _event(event_type: str, row: asyncpg.Record, **extra: object) -> events.Event:
    return events.new_event(
        event_type,
        match_id=row["id"],
        kind=row["kind"],
        newcomer_id=row["newcomer_id"],
        counterpart_id=row["counterpart_id"],
        **extra,
    )


def match_event(event_type: str, row: asyncpg.Record, **extra: object) -> events.Event:
    """The event of a match's step, for steps that write their own (ids and codes only)."""
    return _event(event_type, row, **extra)


async def _transition(
    conn: asyncpg.Connection, row: asyncpg.Record, wanted: str, **columns: object
) -> asyncpg.Record:
    try:
        matches.check_transition(row["status"], wanted)
    except matches.TransitionError as exc:
        raise Conflict(str(exc)) from None
    if wanted not in matches.FLAGGABLE:  # e.g. a flagged introduction declined: nothing left to act on
        columns = {**dict.fromkeys(_FLAG_COLUMNS), **columns}
    sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(columns, start=3))
    return await conn.fetchrow(
        f"UPDATE matches SET status = $2{', ' + sets if sets else ''} WHERE id = $1 RETURNING {MATCH_COLUMNS}",
        row["id"],
        wanted,
        *columns.values(),
    )


async def approve(
    conn: asyncpg.Connection, match_id: uuid.UUID, coordinator_id: uuid.UUID, note: str | None
) -> asyncpg.Record:
    """Approve a suggestion (call inside a transaction); raises Conflict when it cannot be."""
    row = await get_match(conn, match_id)
    if row["status"] != matches.SUGGESTED:
        raise Decided(f"this match is already {row['status']}")
    # Lock order: counterpart first, then the match, in every decision.
    left = await remaining_capacity(conn, row["kind"], row["counterpart_id"], lock=True)
    # Then both people: a pause committing meanwhile waits for this decision, or this decision sees it;
    # the matcher withdraws a paused person's suggestions only later (review 10c, F1). The newcomer's
    # row exclusively (not against the foreign keys' checks): two approvals of one newcomer's
    # suggestions each withdraw the other's as stale, so they go one after the other (review 10c, F7).
    people = await conn.fetchrow(_PEOPLE[row["kind"]], row["counterpart_id"], row["newcomer_id"])
    row = await get_match(conn, match_id, lock=True)
    if row["status"] != matches.SUGGESTED:
        raise Decided(f"this match is already {row['status']}")
    if people is None or people["newcomer"] != "verified" or people["owner"] != "verified":
        raise Unavailable("a side has paused matching or is no longer registered: nobody is introduced to them")
    # A suggestion the matcher made from what it read before another of the newcomer's was approved
    # (a round, a top-up): approving it too would give them two mentors (review 10c, F8).
    if await conn.fetchval(f"SELECT EXISTS (SELECT 1 FROM matches WHERE newcomer_id = $1 AND kind = $2 "
                           f"AND status = ANY({HELD_SQL}))", row["newcomer_id"], row["kind"]):
        await withdraw_suggested(conn, "stale", "id = $1", match_id)
        raise Stale("the newcomer already has an approved match of this kind: this suggestion is withdrawn")
    if row["kind"] == "language_course":
        started = await conn.fetchval(f"SELECT starts_on FROM courses WHERE id IN ({STARTED_COURSES}) AND id = $1",
                                      row["counterpart_id"])
        if started is not None:
            raise CourseStarted(f"the course has started (on {started.isoformat()}): nobody new is sent to it; "
                                "the provider can give it a new start date")
    if left <= 0:
        # Open suggestions of a full counterpart only ever answer this: they go now, so the queue stops
        # offering them first (review 10b, F8); the matcher suggests them again when a place frees.
        await withdraw_suggested(conn, "stale", "counterpart_id = $1", row["counterpart_id"])
        raise Full("no capacity left: the counterpart's places are all taken; its open suggestions are withdrawn")
    approved = await _transition(
        conn, row, matches.APPROVED, decided_at=datetime.now().astimezone(), decided_by=coordinator_id,
        note=note,
    )
    await write_events(conn, [_event(events.MATCH_APPROVED, approved)])
    # Stale now: the newcomer's other open suggestions of this kind, and the counterpart's if it is full.
    await withdraw_suggested(
        conn, "stale", "id <> $1 AND kind = $2 AND (newcomer_id = $3 OR ($5 AND counterpart_id = $4))",
        approved["id"], approved["kind"], approved["newcomer_id"], approved["counterpart_id"], left - 1 <= 0,
    )
    return approved


# A decision PostgreSQL chose as a deadlock's victim (a decision and the matcher, or erasure, withdrawing
# each other's rows in opposite order) is rolled back whole; taken again it sees what the other did.
DEADLOCK_ATTEMPTS: Final = 3


async def in_retried_transaction(conn: asyncpg.Connection, step: Callable[[], Awaitable[T]]) -> T:
    """``step`` in a transaction of its own, taken again when it ended in a deadlock (review 10c, F7):
    a coordinator's decision is answered, not a 500."""
    for _ in range(DEADLOCK_ATTEMPTS - 1):
        with contextlib.suppress(asyncpg.exceptions.DeadlockDetectedError):
            return await _in_transaction(conn, step)
    return await _in_transaction(conn, step)  # the last attempt's deadlock is raised


async def _in_transaction(conn: asyncpg.Connection, step: Callable[[], Awaitable[T]]) -> T:
    async with conn.transaction():
        try:
            return await step()
        except WithdrawnNow as withdrawn:  # its withdrawal stays: committed, then raised
            refused = withdrawn
    raise refused


async def withdraw_suggested(conn: asyncpg.Connection, reason: str, where: str, *args: object) -> list[asyncpg.Record]:
    """Withdraw the open suggestions that match `where` (an SQL condition on matches, its
    placeholders $1.. bound to `args`) with `reason`, and write a `match.withdrawn` event for each
    in the caller's transaction. Only suggestions: approved and later ones hold a place and end by
    their own steps. The caller takes any lock its decision needs first (the counterpart's row,
    the matcher's write lock); the UPDATE locks the rows it withdraws."""
    rows = await conn.fetch(
        f"""UPDATE matches SET status = 'withdrawn', reason = ${len(args) + 1}, end_reason = ${len(args) + 1}
            WHERE status = 'suggested' AND ({where}) RETURNING {MATCH_COLUMNS}""",
        *args, reason,
    )
    await write_events(conn, [_event(events.MATCH_WITHDRAWN, r, reason=reason) for r in rows])
    return list(rows)


async def reject(
    conn: asyncpg.Connection, match_id: uuid.UUID, coordinator_id: uuid.UUID, code: str, note: str | None
) -> asyncpg.Record:
    """Reject a suggestion with a code of REJECT_REASONS and the coordinator's note behind it."""
    row = await get_match(conn, match_id, lock=True)
    if row["status"] != matches.SUGGESTED:
        raise Decided(f"this match is already {row['status']}")
    rejected = await _transition(
        conn, row, matches.REJECTED, decided_at=datetime.now().astimezone(), decided_by=coordinator_id,
        reason=matches.rejection_reason(code, note), end_reason=code,
    )
    await write_events(conn, [_event(events.MATCH_REJECTED, rejected)])
    return rejected


async def transition(
    conn: asyncpg.Connection,
    match_id: uuid.UUID,
    wanted: str,
    event_type: str,
    *,
    event_data: dict[str, object] | None = None,
    **columns: object,
) -> asyncpg.Record:
    """Any other step of the life of a match, with its event (plus `event_data` in its payload)."""
    row = await get_match(conn, match_id, lock=True)
    changed = await _transition(conn, row, wanted, **columns)
    await write_events(conn, [_event(event_type, changed, **(event_data or {}))])
    return changed


_OWNER = {
    "mentor": "SELECT id FROM participants WHERE id = $1",
    "language_course": "SELECT provider_id FROM courses WHERE id = $1",
    "employer": "SELECT employer_id FROM positions WHERE id = $1",
}


# A suggestion's two people, locked in approve's order (the newcomer, then the counterpart's owner) in one
# statement: $1 the counterpart, $2 the newcomer. No row when either is gone.
_PEOPLE: Final = {kind: f"""SELECT n.status AS newcomer, o.status AS owner FROM participants n, participants o
                            WHERE o.id = ({owner}) AND n.id = $2 FOR NO KEY UPDATE OF n FOR SHARE OF o"""
                  for kind, owner in _OWNER.items()}


async def counterpart_owner(conn: asyncpg.Connection, kind: str, counterpart_id: uuid.UUID) -> uuid.UUID | None:
    """The participant behind a counterpart: the mentor, the course's provider, the position's employer."""
    owner: uuid.UUID | None = await conn.fetchval(_OWNER[kind], counterpart_id)
    return owner


async def never_introduced(conn: asyncpg.Connection, match_id: uuid.UUID) -> bool:
    """The match exists and was never introduced (only suggested or approved while it lasted)."""
    return bool(await conn.fetchval(
        "SELECT EXISTS (SELECT 1 FROM matches WHERE id = $1 AND introduced_at IS NULL)", match_id
    ))
