"""A provider's courses and an employer's positions, as their owner changes them on the manage page:
places left, fewer or more places, a new start date, other details (a course's schedule, format,
place and childcare; a position's title, field and German level), closing one, reopening it, adding one.

Every change writes `participant.updated` for the owner in the same transaction; the matcher then
re-reads the owner's courses or positions (new room, a closed one). Closing keeps the row: matches
point at it and running ones (approved, introduced, active) continue; only open suggestions are
withdrawn, here and at once, so no coordinator can approve one after the close. Changed details
likewise withdraw the open suggestions they no longer fit, and running matches continue; the open
suggestions they still fit are withdrawn too, for the matcher to suggest with a fresh score.
Closing, reopening and changing one are in the audit log, with the owner as the actor, so the
coordinator who sees a suggestion withdrawn reads what its owner did and when.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import asyncpg

from lotse.intake import audit
from lotse.shared import events, matches, matches_db, offer_fit
from lotse.shared.outbox import write_event


@dataclass(frozen=True, slots=True)
class Offers:
    """Where a kind of owner keeps its offers, and what a match of them is called."""

    table: str
    owner: str
    places: str  # the column that counts places: seats, openings
    group: str  # the registration payload's list: courses, positions
    match_kind: str
    order: str


OF_KIND: Final = {
    "language_provider": Offers("courses", "provider_id", "seats", "courses", "language_course", "starts_on, title"),
    "employer": Offers("positions", "employer_id", "openings", "positions", "employer", "title"),
}
# The columns of a course or position matches_db.offer_state reads (a position has no start nor late
# entry): one list for the answer and check-in pages (lifecycle.offer_state) and the manage page (own_matches).
STATE_COLUMNS: Final = {
    "courses": "closed_at, starts_on, late_entry_weeks",
    "positions": "closed_at, NULL::date AS starts_on, NULL::int AS late_entry_weeks",
}
# The withdrawal reason the matcher already gives when a counterpart has no room or is gone.
WITHDRAWN_REASON: Final = "counterpart_unavailable"
# Closed by its owner: the coordinator who sees a suggestion vanish reads who closed what.
CLOSED_REASON: Final = {"language_provider": "course_closed", "employer": "position_closed"}
# A new start or details of an offer a suggestion still fits: its score and explanation were made
# with the old ones ("starts in 40 days" of a course now three days away), so it is withdrawn and
# the matcher, on the owner's participant.updated, suggests the pair anew (review 8c, finding 1).
CHANGED_REASON: Final = "offer_changed"
# What an owner may change besides places and a course's start; the level is what a course is,
# so a different level is a new course.
DETAILS: Final = {"courses": ("schedule", "format", "district", "childcare", "late_entry_weeks"),
                  "positions": ("title", "occupation_field", "min_german_level")}


class NotFound(Exception):
    """No open course or position of this owner with that id (closed, or someone else's)."""


@dataclass(frozen=True, slots=True)
class TooFewPlaces(Exception):
    taken: int


def _taken(offers: Offers) -> str:
    held = ", ".join(f"'{status}'" for status in matches.HOLDS_CAPACITY)
    return f"(SELECT count(*) FROM matches m WHERE m.counterpart_id = o.id AND m.status IN ({held}))"


async def listing(conn: asyncpg.Connection, kind: str, owner_id: uuid.UUID) -> list[asyncpg.Record]:
    """The owner's courses or positions, open ones first, each with `taken` (places held by
    approved, introduced and active matches) and `places_left`."""
    offers = OF_KIND[kind]
    rows: list[asyncpg.Record] = await conn.fetch(
        f"""SELECT o.*, t.taken, o.{offers.places} - t.taken AS places_left
            FROM {offers.table} o CROSS JOIN LATERAL (SELECT {_taken(offers)} AS taken) t WHERE o.{offers.owner} = $1
            ORDER BY o.closed_at IS NOT NULL, {offers.order}""",
        owner_id,
    )
    return rows


async def _lock(conn: asyncpg.Connection, offers: Offers, owner_id: uuid.UUID, offer_id: uuid.UUID) -> int:
    """Lock the open offer (before its matches: the lock order of a coordinator's approval) and
    return how many places running matches hold."""
    found = await conn.fetchval(
        f"SELECT id FROM {offers.table} o WHERE id = $1 AND {offers.owner} = $2 AND closed_at IS NULL FOR UPDATE",
        offer_id, owner_id,
    )
    if found is None:
        raise NotFound(str(offer_id))
    taken: int = await conn.fetchval(f"SELECT {_taken(offers)} FROM {offers.table} o WHERE id = $1", offer_id)
    return taken


async def _withdraw_open(conn: asyncpg.Connection, offer_id: uuid.UUID, reason: str = WITHDRAWN_REASON) -> None:
    await matches_db.withdraw_suggested(conn, reason, "counterpart_id = $1", offer_id)


async def _changed(conn: asyncpg.Connection, kind: str, owner_id: uuid.UUID) -> None:
    await write_event(conn, events.new_event(events.PARTICIPANT_UPDATED, participant_id=owner_id, kind=kind))


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


async def _audit(
    conn: asyncpg.Connection, offers: Offers, owner_id: uuid.UUID, offer_id: uuid.UUID, verb: str,
    before: Mapping[str, object] | None = None, after: Mapping[str, object] | None = None,
) -> None:
    """course.close, position.change, …; the detail is its title (an organisation's, not personal)."""
    noun = offers.table.removesuffix("s")
    title = await conn.fetchval(f"SELECT title FROM {offers.table} WHERE id = $1", offer_id)
    await audit.record_by_participant(
        conn, owner_id, f"{noun}.{verb}", noun, offer_id, detail=title,
        before={k: _plain(v) for k, v in before.items()} if before is not None else None,
        after={k: _plain(v) for k, v in after.items()} if after is not None else None,
    )


async def change(
    conn: asyncpg.Connection, kind: str, owner_id: uuid.UUID, offer_id: uuid.UUID, cleaned: Mapping[str, Any]
) -> None:
    """New places, a course's start date and details (DETAILS), validated; places never below those
    taken. Open suggestions the changed one no longer fits are withdrawn; after a new start or
    details, those it still fits too (CHANGED_REASON), to be scored anew. Call inside a transaction."""
    offers = OF_KIND[kind]
    taken = await _lock(conn, offers, owner_id, offer_id)
    places = int(cleaned[offers.places])
    if places < taken:
        raise TooFewPlaces(taken)
    columns: dict[str, object] = {offers.places: places}
    if "starts_on" in cleaned and offers.table == "courses":
        columns["starts_on"] = cleaned["starts_on"]
    columns |= {name: cleaned[name] for name in DETAILS[offers.table] if name in cleaned}
    stored = await conn.fetchrow(f"SELECT {', '.join(columns)} FROM {offers.table} WHERE id = $1", offer_id)
    sets = ", ".join(f"{name} = ${i}" for i, name in enumerate(columns, start=2))
    await conn.execute(f"UPDATE {offers.table} SET {sets} WHERE id = $1", offer_id, *columns.values())
    changed = [name for name, value in columns.items() if stored[name] != value]
    if changed:
        await _audit(conn, offers, owner_id, offer_id, "change",
                     before={name: stored[name] for name in changed}, after={name: columns[name] for name in changed})
    if places == taken:  # full now: what is still suggested could never be approved
        await _withdraw_open(conn, offer_id)
    else:
        await offer_fit.withdraw_unfit(conn, owner_id, offer_id=offer_id, reason=WITHDRAWN_REASON)
        if offers.table == "courses" and await conn.fetchval(
                f"SELECT {matches_db.course_started_sql()} FROM courses WHERE id = $1", offer_id):
            # A begun course whose late entry was shortened or removed takes nobody new any more.
            await _withdraw_open(conn, offer_id, matches.WITHDRAWN_COURSE_STARTED)
        # Those that still fit, to be scored anew; places and late entry change no score, so they stay.
        if set(changed) - {offers.places, "late_entry_weeks"}:
            await _withdraw_open(conn, offer_id, CHANGED_REASON)
    await _changed(conn, kind, owner_id)


async def close(conn: asyncpg.Connection, kind: str, owner_id: uuid.UUID, offer_id: uuid.UUID) -> None:
    """No new suggestions for this course or position; running matches continue."""
    offers = OF_KIND[kind]
    await _lock(conn, offers, owner_id, offer_id)
    await conn.execute(f"UPDATE {offers.table} SET closed_at = now() WHERE id = $1", offer_id)
    await _audit(conn, offers, owner_id, offer_id, "close")
    await _withdraw_open(conn, offer_id, CLOSED_REASON[kind])
    await _changed(conn, kind, owner_id)


async def reopen(
    conn: asyncpg.Connection, kind: str, owner_id: uuid.UUID, offer_id: uuid.UUID, starts_on: date | None = None
) -> None:
    """A closed course or position open again (a course with `starts_on`, validated, when given);
    `participant.updated` makes the matcher suggest it again. Call inside a transaction."""
    offers = OF_KIND[kind]
    found = await conn.fetchval(
        f"""SELECT id FROM {offers.table} WHERE id = $1 AND {offers.owner} = $2 AND closed_at IS NOT NULL
            FOR UPDATE""", offer_id, owner_id,
    )
    if found is None:
        raise NotFound(str(offer_id))
    if starts_on is not None and offers.table == "courses":
        await conn.execute("UPDATE courses SET closed_at = NULL, starts_on = $2 WHERE id = $1", offer_id, starts_on)
        await _audit(conn, offers, owner_id, offer_id, "reopen", after={"starts_on": starts_on})
    else:
        await conn.execute(f"UPDATE {offers.table} SET closed_at = NULL WHERE id = $1", offer_id)
        await _audit(conn, offers, owner_id, offer_id, "reopen")
    await _changed(conn, kind, owner_id)


async def add(conn: asyncpg.Connection, kind: str, owner_id: uuid.UUID, row: Mapping[str, Any]) -> uuid.UUID:
    """One course or position, validated as a registration's."""
    offers = OF_KIND[kind]
    offer_id = uuid.uuid4()
    columns = {"id": offer_id, offers.owner: owner_id, **row}
    names = ", ".join(columns)
    values = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    await conn.execute(f"INSERT INTO {offers.table} ({names}) VALUES ({values})", *columns.values())
    await _changed(conn, kind, owner_id)
    return offer_id
