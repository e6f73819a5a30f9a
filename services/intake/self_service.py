"""What a participant can do with the "manage my registration" link: edit, pause, resume,
give or withdraw consent to share contact details, and erase everything.

Every change to what the matcher reads writes `participant.updated` in the same transaction, so
the matcher re-scores (or withdraws open suggestions of a paused participant). A consent does not:
no score or rule reads it, and a re-score would withdraw open suggestions for nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Final

import asyncpg

from lotse.intake import contact_shared, participants_db, pause
from lotse.shared import events, name_search, reference
from lotse.shared.outbox import write_event

COLUMNS: Final = ("name", "preferred_locale", "district", "about")
NOT_EDITABLE_HERE: Final = ("email", "consent", "courses", "positions")


class NotFound(Exception):
    pass


async def load(conn: asyncpg.Connection, participant_id: uuid.UUID, *, lock: bool = False) -> asyncpg.Record:
    """The person's row (not an erased one); ``lock``: held until the transaction ends, for a step
    that decides on what it read (a second click waits and reads the first one's result)."""
    row = await conn.fetchrow(
        f"""SELECT p.*, (SELECT given FROM consents c WHERE c.participant_id = p.id AND c.purpose = 'share_contact'
                         ORDER BY recorded_at DESC, id DESC LIMIT 1) AS shares_contact
            FROM participants p WHERE p.id = $1 AND p.status <> 'erased'{' FOR UPDATE OF p' if lock else ''}""",
        participant_id,
    )
    if row is None:
        raise NotFound(str(participant_id))
    return row


async def consents(conn: asyncpg.Connection, participant_id: uuid.UUID) -> list[asyncpg.Record]:
    """The person's current answer for each consent purpose, with when and to which text version.

    A "no" is a withdrawal only after a "yes" (`ever_given`); otherwise the box was left unticked
    when they registered: the first answer's time and text version (`first_at`, `first_version`)."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT DISTINCT ON (purpose) purpose, given, text_version, recorded_at,
                  bool_or(given) OVER history AS ever_given, first_value(recorded_at) OVER history AS first_at,
                  first_value(text_version) OVER history AS first_version
           FROM consents WHERE participant_id = $1
           WINDOW history AS (PARTITION BY purpose ORDER BY recorded_at, id
                              ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
           ORDER BY purpose, recorded_at DESC, id DESC""",
        participant_id,
    )
    return rows


async def preferred_locale(conn: asyncpg.Connection, participant_id: uuid.UUID) -> str | None:
    """The language the person chose; kept after erasure, so even "this no longer exists" speaks it."""
    locale: str | None = await conn.fetchval("SELECT preferred_locale FROM participants WHERE id = $1",
                                             participant_id)
    return locale


async def _changed(conn: asyncpg.Connection, row: asyncpg.Record) -> None:
    await write_event(conn, events.new_event(events.PARTICIPANT_UPDATED, participant_id=row["id"], kind=row["kind"]))


async def update(conn: asyncpg.Connection, participant_id: uuid.UUID, cleaned: Mapping[str, Any]) -> None:
    """Apply a validated edit (`validation.validate_update`); call inside a transaction."""
    row = await load(conn, participant_id)
    columns = {name: cleaned[name] for name in COLUMNS if name in cleaned}
    if "languages" in cleaned:
        columns["languages"] = [{"code": code, "level": level} for code, level in cleaned["languages"]]
    profile = dict(row["profile"])
    profile.update({k: v for k, v in cleaned.items() if k not in (*COLUMNS, "languages", *NOT_EDITABLE_HERE)})
    columns["profile"] = profile
    # The search finds an organisation by its new name too, and a person by their new Latin spelling.
    if "name" in columns or "organisation" in cleaned or "name_latin" in cleaned:
        columns["name_search"] = name_search.search_text(columns.get("name", row["name"]),
                                                         profile.get("organisation"), profile.get("name_latin"))
    assignments = ", ".join(f"{name} = ${i}" for i, name in enumerate(columns, start=2))
    await conn.execute(
        f"UPDATE participants SET {assignments}, updated_at = now() WHERE id = $1", participant_id, *columns.values()
    )
    await _changed(conn, row)


async def want_mentor_again(conn: asyncpg.Connection, participant_id: uuid.UUID) -> bool:
    """A newcomer whose mentorship was completed asks for a mentor again ("I would like a mentor
    again" on their page): wants_mentor, which the completion turned off (lifecycle.mentorship_done),
    is on again, and participant.updated lets the matcher look, as after any edit. False when there
    was nothing to change (not a newcomer, or they ask for a mentor already)."""
    row = await load(conn, participant_id)
    if row["kind"] != "newcomer" or row["profile"].get("wants_mentor"):
        return False
    await conn.execute(
        """UPDATE participants SET profile = profile || '{"wants_mentor": true}'::jsonb, updated_at = now()
           WHERE id = $1""",
        participant_id,
    )
    await _changed(conn, row)
    return True


async def set_paused(conn: asyncpg.Connection, row: asyncpg.Record, paused: bool,
                     until: date | None = None, *, by_centre: bool = False) -> str:
    """Pause (until the day `until`, when given: pause.parse_until) or resume. Pausing again while
    paused sets the new end date only: the matcher has nothing new to look at. `by_centre`: a
    coordinator sets this pause or end date (participants.paused_by_centre, which the manage page
    and the pause_ending email word as "the welcome centre paused").

    ``row``: the person's row as ``load(conn, id, lock=True)`` read it in this transaction (the
    caller keeps it for its audit entry): of two clicks at once, the second sees the first's."""
    participant_id = row["id"]
    # A pause that ends within the reminder's days was chosen just now: no "it ends soon" email.
    reminded = datetime.now(UTC) if pause.reminded_at_start(until, reference.today()) else None
    if paused and row["status"] == "paused":
        if until != row["paused_until"]:
            await conn.execute("""UPDATE participants SET paused_until = $2, pause_reminded_at = $3,
                                         paused_by_centre = $4, updated_at = now()
                                  WHERE id = $1""", participant_id, until, reminded, by_centre)
        return "paused"
    wanted = {("verified", True): "paused", ("paused", False): "verified"}.get((row["status"], paused))
    if wanted is None:
        return str(row["status"])  # nothing to do (not yet verified, or already so)
    # A resume, by hand or by a coordinator, ends the pause and its date.
    await conn.execute("""UPDATE participants SET status = $2, paused_until = $3, pause_reminded_at = $4,
                                                  paused_by_centre = $5, updated_at = now() WHERE id = $1""",
                       participant_id, wanted, until if paused else None, reminded if paused else None,
                       paused and by_centre)
    await _changed(conn, row)
    return wanted


async def set_share_contact(conn: asyncpg.Connection, participant_id: uuid.UUID, given: bool) -> None:
    """Giving and withdrawing are equally easy; each is recorded with time and text version.

    A yes that was missing lets the sides of an active match have each other's address now
    (contact_shared); withdrawing sends nothing: whoever has an address keeps it anyway."""
    # Locked, so two clicks at once read one after the other: only the first yes is new.
    row = await load(conn, participant_id, lock=True)
    await participants_db.record_consents(conn, participant_id, {"share_contact": given})
    if given and not row["shares_contact"]:
        await contact_shared.consent_given(conn, row)
    # No participant.updated: whom the matcher suggests does not depend on this consent, and its
    # re-score would withdraw every open suggestion as "profile changed" (review 8e, finding 6).
