"""Pausing with an end date ("pause until 12 January", review 8d, finding 8): what the manage page
accepts as the date, and the lifecycle jobs' two steps at its end.

`participants.paused_until` is the day matching resumes, on Thuringia's calendar
(reference.today / TODAY_SQL); NULL is "until I resume". A few days before it the person is
reminded once (`pause_ending`, in their language, with their manage link to extend); on the day
itself they are resumed as a manual resume does it (participant.updated, so the matcher looks
again), audited with the system as the actor.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from typing import Final

import asyncpg
from babel.dates import format_date

from lotse.intake import audit
from lotse.intake.validation import N_
from lotse.shared import events, reference
from lotse.shared.outbox import write_events

FIELD: Final = "paused_until"
LABEL: Final = N_("Pause until (optional)")
# A holiday, a parental leave, a semester abroad: a year covers them. Longer is more likely a typo
# in the year, and a volunteer away for longer can pause without a date, or withdraw.
HORIZON: Final = timedelta(days=365)
# The reminder goes out this many days before the pause ends: time to extend it before the
# matcher suggests the person again.
REMIND_BEFORE: Final = timedelta(days=3)
NOT_A_DAY_AFTER_TODAY: Final = N_("Please enter a day after today, or leave the field empty.")
TOO_FAR: Final = N_("Please enter a day within a year, at the latest %(max)s.")
BATCH: Final = 200
# The emails telling a person that the welcome centre paused or resumed the search for them (review
# 8h, finding 3): a pause they did not set themselves must not first reach them as "your pause ends".
PAUSED_BY_CENTRE: Final = "paused_by_centre"
RESUMED_BY_CENTRE: Final = "resumed_by_centre"
_ISO_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Refused(ValueError):
    """The date cannot be the end of a pause: `message` is a msgid, `latest` the last day allowed."""

    def __init__(self, message: str, latest: date) -> None:
        super().__init__(message)
        self.message = message
        self.latest = latest


def latest(today: date) -> date:
    return today + HORIZON


def parse_until(value: object, today: date) -> date | None:
    """The form's field: empty is no end; otherwise a day after `today`, at most a year ahead."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text) if _ISO_DATE.fullmatch(text) else None
    except ValueError:
        day = None
    if day is None or day <= today:
        raise Refused(NOT_A_DAY_AFTER_TODAY, latest(today))
    if day > latest(today):
        raise Refused(TOO_FAR, latest(today))
    return day


def shown(day: date | None, locale: str) -> str:
    """The pause's end as the reader writes a date in a sentence ("12. Januar 2027", "12 січня 2027 р.")."""
    return "" if day is None else str(format_date(day, format="long", locale=locale.split("-")[0]))


def audit_state(status: str, until: date | None) -> dict[str, str]:
    """An audit entry's before or after of a pause, by the person or a coordinator: with its end
    date when it has one (the dashboard's history shows it: history.detail)."""
    return {"status": status, **({FIELD: until.isoformat()} if status == "paused" and until else {})}


def reminded_at_start(until: date | None, today: date) -> bool:
    """A pause that ends within the reminder's days needs no reminder: it was chosen just now."""
    return until is not None and until - today <= REMIND_BEFORE


async def resume_ended(conn: asyncpg.Connection) -> int:
    """Resume everyone whose pause ends today or ended (a day the jobs did not run is made up)."""
    rows = await conn.fetch(
        f"""WITH due AS (SELECT id, paused_until FROM participants
                         WHERE status = 'paused' AND paused_until <= {reference.TODAY_SQL}
                         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
            UPDATE participants p SET status = 'verified', paused_until = NULL, pause_reminded_at = NULL,
                                      paused_by_centre = false, updated_at = now()
            FROM due WHERE p.id = due.id
            RETURNING p.id, p.kind, due.paused_until AS until""",
        BATCH,
    )
    # The same event a manual resume writes (self_service._changed): the matcher looks again.
    await write_events(conn, [events.new_event(events.PARTICIPANT_UPDATED, participant_id=r["id"], kind=r["kind"])
                              for r in rows])
    for row in rows:
        await audit.record_system(conn, "participant.resume", "participant", row["id"],
                                  before={"status": "paused", FIELD: _iso(row["until"])},
                                  after={"status": "verified"})
    return len(rows)


async def remind_ending(conn: asyncpg.Connection) -> int:
    """Request the "your pause ends on …" email once per pause, a few days before its end."""
    rows = await conn.fetch(
        f"""UPDATE participants SET pause_reminded_at = now()
            WHERE id IN (SELECT id FROM participants
                         WHERE status = 'paused' AND pause_reminded_at IS NULL
                           AND paused_until <= {reference.TODAY_SQL} + $1::int
                         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
            RETURNING id""",
        REMIND_BEFORE.days, BATCH,
    )
    await write_events(conn, [events.new_event(events.NOTIFICATION_REQUESTED, notification="pause_ending",
                                               participant_id=r["id"]) for r in rows])
    return len(rows)


async def tell_of_centre(conn: asyncpg.Connection, participant_id: uuid.UUID, before: tuple[str, date | None],
                         after: tuple[str, date | None]) -> None:
    """Request the email telling the person a coordinator paused them (or moved the pause's end) or
    resumed them: (status, paused_until) before and after the dashboard's action; nothing when it
    changed nothing. The person's own pause sends nothing: they did it themselves."""
    if after == before:
        return
    notification = PAUSED_BY_CENTRE if after[0] == "paused" else RESUMED_BY_CENTRE if before[0] == "paused" else None
    if notification is not None:
        await write_events(conn, [events.new_event(events.NOTIFICATION_REQUESTED, notification=notification,
                                                   participant_id=participant_id)])


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()

