"""Time-driven steps of a match: one reminder, then a flag for the coordinators; the check-in;
open suggestions of courses that have started withdrawn. And of a pause with an end date: the
reminder a few days before, and the resumption on the day.

Runs in every intake instance, but a transaction-level advisory lock lets only one of them do
a pass at a time; rows are taken with SKIP LOCKED and marked in the same transaction as the
`notification.requested` events, so a reminder is requested exactly once.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from typing import Final

import asyncpg

from lotse.intake import pause
from lotse.shared import events, matches, matches_db
from lotse.shared.consents import both_share_contact
from lotse.shared.outbox import write_events
from lotse.shared.singleton_job import every, in_batches, run_locked

log = logging.getLogger(__name__)

REMIND_AFTER: Final = timedelta(days=7)
FLAG_AFTER_REMINDER: Final = timedelta(days=7)
CHECKIN_AFTER: Final = timedelta(days=21)
#: A running mentor match is asked "still going, or finished?" this long after its first check-in
#: was sent, and again as long after each such question while it runs: a mentor who stops without a
#: word would otherwise hold the place for ever (review 8d, finding 1; docs/decisions.md).
CHECKIN_AGAIN_EVERY: Final = timedelta(days=91)
LOCK_KEY: Final = 0x4C6F7473_0002  # "Lots" + job number: one key per singleton job
BATCH: Final = 200


async def _silent_sides(conn: asyncpg.Connection, match: asyncpg.Record) -> list[uuid.UUID]:
    """Who has not answered the introduction (matches.silent_sides): the newcomer, and the person
    behind the counterpart unless they are gone."""
    rows = await conn.fetch("SELECT side FROM match_responses WHERE match_id = $1", match["id"])
    silent = []
    for side in matches.silent_sides({r["side"] for r in rows}):
        if side == "newcomer":
            silent.append(match["newcomer_id"])
        elif (owner := await matches_db.counterpart_owner(conn, match["kind"], match["counterpart_id"])) is not None:
            silent.append(owner)
    return silent


def _request(notification: str, participant_id: uuid.UUID, match_id: uuid.UUID) -> events.Event:
    return events.new_event(
        events.NOTIFICATION_REQUESTED, notification=notification, participant_id=participant_id, match_id=match_id
    )


async def remind(conn: asyncpg.Connection, match: asyncpg.Record) -> None:
    """Request the reminder (the introduction again) for each side that has not answered."""
    await write_events(conn, [_request("reminder", pid, match["id"]) for pid in await _silent_sides(conn, match)])


async def send_reminders(conn: asyncpg.Connection) -> int:
    due = await conn.fetch(
        """SELECT id, kind, newcomer_id, counterpart_id FROM matches
           WHERE status = 'introduced' AND reminded_at IS NULL
             AND coalesce(introduced_at, decided_at) < now() - $1::interval
           ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED""",
        REMIND_AFTER,
        BATCH,
    )
    for match in due:
        await remind(conn, match)
        await conn.execute("UPDATE matches SET reminded_at = now() WHERE id = $1", match["id"])
    return len(due)


async def flag_unanswered(conn: asyncpg.Connection) -> int:
    flagged = await conn.fetch(
        """UPDATE matches SET flagged_at = now(), flag_code = $2, flag_reason = NULL
           WHERE status = 'introduced' AND flagged_at IS NULL AND reminded_at < now() - $1::interval
           RETURNING id""",
        FLAG_AFTER_REMINDER, matches.FLAG_UNANSWERED,
    )
    return len(flagged)


#: When the two sides of a match were put in touch after it became active: a coordinator's "they
#: are in touch now" or a consent that let both addresses be passed on (lifecycle.still_to_connect).
PUT_IN_TOUCH: Final = ("match.connected", "match.contact_shared")


async def send_checkins(conn: asyncpg.Connection) -> int:
    # "How is it going" some weeks into what was agreed: for a course that starts later than both
    # said yes, some weeks after its start (asked earlier, it is about a course not yet begun). Not
    # while the welcome centre still owes the pair their introduction (the connect flag): they cannot
    # have met (review 8d, finding 7); for a pair it put in touch later, some weeks after that.
    due = await conn.fetch(
        """SELECT m.id, m.kind, m.newcomer_id, m.counterpart_id, m.active_at, touch.at AS put_in_touch_at
           FROM matches m
           LEFT JOIN courses c ON m.kind = 'language_course' AND c.id = m.counterpart_id
           LEFT JOIN LATERAL (SELECT min(a.at) AS at FROM audit_log a
                              WHERE a.subject_id = m.id AND a.subject_type = 'match'
                                AND a.action = ANY($3::text[])) touch ON true
           WHERE m.status = 'active' AND m.checkin_sent_at IS NULL AND m.flag_code IS DISTINCT FROM $4
             AND greatest(m.active_at, c.starts_on::timestamptz) < now() - $1::interval
           -- Those _in_touch_long_enough may pass over last, so they never keep a batch full.
           ORDER BY coalesce(touch.at >= now() - $1::interval, false), m.id LIMIT $2 FOR UPDATE OF m SKIP LOCKED""",
        CHECKIN_AFTER,
        BATCH,
        list(PUT_IN_TOUCH),
        matches.FLAG_CONNECT,
    )
    sent = 0
    for match in due:
        owner = await matches_db.counterpart_owner(conn, match["kind"], match["counterpart_id"])
        if not await _in_touch_long_enough(conn, match, owner):
            continue
        # Both sides of every kind are asked: the newcomer and a mentor say how it goes, an employer or
        # a course provider what became of it (checkin_answers; review 8a, finding 5). One notification
        # type for both sides: the notifier words an organisation's by its kind.
        people = [match["newcomer_id"], *([owner] if owner else [])]
        await write_events(conn, [_request("checkin", pid, match["id"]) for pid in people])
        await conn.execute("UPDATE matches SET checkin_sent_at = now() WHERE id = $1", match["id"])
        sent += 1
    return sent


async def _in_touch_long_enough(conn: asyncpg.Connection, match: asyncpg.Record, owner: uuid.UUID | None) -> bool:
    """Whether the pair has been able to reach each other for CHECKIN_AFTER: since the match became
    active if both addresses were passed on then (the "both said yes" emails), else since they were
    first put in touch (PUT_IN_TOUCH). A later consent given again by a pair that had each other's
    address from the start (a withdrawal, then a yes: match.contact_shared) does not restart it.
    `owner`: the participant behind the counterpart (matches_db.counterpart_owner), None once gone."""
    touched = match["put_in_touch_at"]
    if touched is None or touched < datetime.now(UTC) - CHECKIN_AFTER:
        return True
    return owner is not None and await both_share_contact(conn, match["newcomer_id"], owner, at=match["active_at"])


async def send_checkins_again(conn: asyncpg.Connection) -> int:
    """"Still going, or finished?" to both sides of a running mentor match CHECKIN_AGAIN_EVERY after
    its first check-in was sent, then as long after each such question. Its email (checkin_again)
    links to the check-in and to the end step's "We are done – it went well". A course or a job is
    not asked: its outcome is the first check-in's (attending, hired).

    Counted from when the first check-in went out, not from when it was due: one sent late (a pair
    the welcome centre put in touch months after both said yes: send_checkins) is followed by the
    second the usual 91 days later, not after some 70 or in the same pass."""
    due = await conn.fetch(
        """SELECT id, kind, newcomer_id, counterpart_id FROM matches
           WHERE kind = 'mentor' AND status = 'active' AND checkin_sent_at IS NOT NULL
             AND coalesce(checkin_again_sent_at, checkin_sent_at) < now() - $1::interval
           ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED""",
        CHECKIN_AGAIN_EVERY,
        BATCH,
    )
    for match in due:
        people = [match["newcomer_id"], match["counterpart_id"]]  # a mentor match's counterpart is the mentor
        await write_events(conn, [_request("checkin_again", pid, match["id"]) for pid in people])
        await conn.execute("UPDATE matches SET checkin_again_sent_at = now() WHERE id = $1", match["id"])
    return len(due)


async def withdraw_started_courses(conn: asyncpg.Connection) -> int:
    """Withdraw the open suggestions of courses whose start date has passed: the matcher proposes
    no started course, and approving one would send a newcomer to a course already running and tell
    them it "starts soon" (review 8a, finding 2). Each withdrawal's event lets the matcher look for
    another course for that newcomer."""
    rows = await matches_db.withdraw_suggested(
        conn, matches.WITHDRAWN_COURSE_STARTED,
        f"kind = 'language_course' AND counterpart_id IN ({matches_db.STARTED_COURSES})",
    )
    return len(rows)


async def _pass(conn: asyncpg.Connection) -> dict[str, int]:
    return {
        "reminders": await send_reminders(conn),
        "flagged": await flag_unanswered(conn),
        "checkins": await send_checkins(conn),
        "checkins_again": await send_checkins_again(conn),
        "withdrawn_started": await withdraw_started_courses(conn),
        # Pauses with an end date (lotse.intake.pause): resumed on the day, so a reminder never
        # goes out for a pause that already ended.
        "pauses_ended": await pause.resume_ended(conn),
        "pause_reminders": await pause.remind_ending(conn),
    }


async def run_once(pool: asyncpg.Pool) -> dict[str, int] | None:
    """One pass; None when another instance holds the lock."""
    return await run_locked(pool, LOCK_KEY, _pass)


async def run_until_done(pool: asyncpg.Pool, max_passes: int = 50) -> dict[str, int] | None:
    """Passes, each its own transaction, while one came back with a full batch of some step: a
    backlog (after an outage, or a new rule's first day) goes out now, not 200 every five minutes
    (review 9b, F10). The totals; None when another instance holds the lock."""
    return await in_batches(pool, LOCK_KEY, _pass, batch=min(BATCH, pause.BATCH), most_batches=max_passes)


async def run_periodically(pool: asyncpg.Pool, interval_s: float = 300.0) -> None:
    await every(interval_s, "match reminders, check-ins, started courses and ended pauses",
                lambda: run_until_done(pool))
