"""A storage limit for people who left (review 9b, F8): a verified (or paused) participant of any
kind with nothing open or running and no activity for ``LOTSE_RETENTION_INACTIVE_DAYS`` is told
``NOTICE_DAYS`` ahead (the ``inactive_erasure_notice`` email, with their manage link) and then, if
nothing happened meanwhile, erased through :func:`privacy.erase`, as the manage page's and the
API's erasure are (the usual confirmation email follows). 0 days: off.

Activity is read from what the data already records, not a new column written wherever a person
acts (docs/decisions.md, "Storage limit for people who left"): the verification, every change to
the participant row (``updated_at``: profile edits, pauses and resumes, address changes, a
coordinator's edit), the person's own audit entries (manage-page actions, among them "Keep my
registration", :func:`keep`, and their data download), a coordinator's "Keep the registration"
for someone who phoned (:func:`keep_by_centre`), and of every match they are a side of
(directly, or through their courses or positions, as privacy.py resolves it) its decisions,
introduction, start and end and their own answers and check-ins. A suggestion the matcher made and
withdrew by itself is no one's act and does not count.

Runs from the hourly retention pass, in batches each its own transaction under the retention lock.
The notice is marked (``inactive_noticed_at``, ``inactive_erase_on``, migration 0042) in the same
transaction as its ``notification.requested`` event: requested once per quiet spell. Activity after
the notice makes it void; a later quiet spell gets a new one. A notice counts only while the
setting is on and it is current (:func:`_current`, review 9d D6): turned off (0) or made longer, the
manage page and the dashboard no longer announce the day, and a notice whose day passed more than
``GRACE_DAYS`` ago erases nobody: a new notice is sent, with a new day.

Also here, the erasure receipts' safety net (review 9b, F9): a receipt whose confirmation was never
made or sent (its event dead-lettered) is deleted after ``RECEIPT_DAYS``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Final, NamedTuple

import asyncpg

from lotse.intake import audit, privacy
from lotse.intake.accounts import Coordinator
from lotse.shared import events, matches, reference
from lotse.shared.outbox import write_events
from lotse.shared.singleton_job import in_batches

NOTIFICATION: Final = "inactive_erasure_notice"
#: The audit action of a coordinator's "Keep the registration" for someone who phoned (review 9c,
#: F12); like the person's own ``participant.keep_own`` it is activity that voids the notice.
KEEP_BY_CENTRE: Final = "participant.keep"
#: Days between the notice and the erasure (the email names the day).
NOTICE_DAYS: Final = 30
#: A notice still counts this many days after the day it named (a pass missed meanwhile still
#: erases); older, it has lapsed (the setting was off or longer meanwhile) and a new one is sent.
GRACE_DAYS: Final = 7
#: Erasure receipts older than this are deleted whether the confirmation went out or not.
RECEIPT_DAYS: Final = 7
#: People noticed or erased per transaction, and transactions per pass (the rest waits an hour).
BATCH: Final = 50
MOST_BATCHES: Final = 20

_BUSY: Final = [matches.SUGGESTED, *matches.HOLDS_CAPACITY]

# Every match the person ``p`` is a side of: as newcomer, as mentor, through a course or a position
# (privacy._counterparts_sql's sides), each branch an index scan (no OR, review 9b F6).
_OWN_MATCHES: Final = """(
    SELECT m.id, m.status, m.decided_at, m.introduced_at, m.active_at, m.ended_at FROM matches m
        WHERE m.newcomer_id = p.id
    UNION ALL SELECT m.id, m.status, m.decided_at, m.introduced_at, m.active_at, m.ended_at FROM matches m
        WHERE m.counterpart_id = p.id
    UNION ALL SELECT m.id, m.status, m.decided_at, m.introduced_at, m.active_at, m.ended_at
        FROM courses o JOIN matches m ON m.counterpart_id = o.id WHERE o.provider_id = p.id
    UNION ALL SELECT m.id, m.status, m.decided_at, m.introduced_at, m.active_at, m.ended_at
        FROM positions o JOIN matches m ON m.counterpart_id = o.id WHERE o.employer_id = p.id)"""

# Per participant ``p``: busy (anything open or running) and the last time anything happened.
_QUIET: Final = f"""
    SELECT p.id, p.inactive_noticed_at, p.inactive_erase_on,
           greatest(p.verified_at, p.updated_at, own.last_match,
                    (SELECT max(a.at) FROM audit_log a
                     WHERE a.actor_id = p.id AND a.actor_role = '{audit.PARTICIPANT}'),
                    (SELECT max(a.at) FROM audit_log a
                     WHERE a.subject_id = p.id AND a.action = '{KEEP_BY_CENTRE}')) AS last_active
    FROM participants p
    CROSS JOIN LATERAL (
        SELECT coalesce(bool_or(om.status = ANY($1::text[])), false) AS busy,
               max(greatest(om.decided_at, om.introduced_at, om.active_at, om.ended_at,
                            (SELECT max(r.responded_at) FROM match_responses r
                             WHERE r.match_id = om.id AND r.participant_id = p.id),
                            (SELECT max(c.answered_at) FROM checkins c
                             WHERE c.match_id = om.id AND c.participant_id = p.id))) AS last_match
        FROM {_OWN_MATCHES} om) own
    WHERE p.status IN ('verified', 'paused') AND p.email IS NOT NULL AND NOT own.busy"""


def _current(days: str) -> str:
    """SQL over a _QUIET row ``q``: its notice is the current one for a limit of ``days`` (SQL) days
    (review 9d, D6). Sent after the last activity and after the quiet the setting asks before a
    notice (so not one of a shorter limit, since made longer), and naming a day no more than
    GRACE_DAYS past (not one left from before the setting was off for a while)."""
    return f"""(q.inactive_noticed_at >= q.last_active + make_interval(days => greatest({days} - {NOTICE_DAYS}, 0))
                AND q.inactive_erase_on >= {reference.TODAY_SQL} - {GRACE_DAYS})"""


# $2: days of the limit (quiet for NOTICE_DAYS fewer gets the notice); $3: how many. A notice no
# longer current (lapsed, or of a shorter limit) is sent again, as after activity.
_TO_NOTICE: Final = f"""
    SELECT id FROM ({_QUIET} AND p.updated_at < now() - make_interval(days => greatest($2 - {NOTICE_DAYS}, 0))) q
    WHERE q.last_active < now() - make_interval(days => greatest($2 - {NOTICE_DAYS}, 0))
      AND (q.inactive_noticed_at IS NULL OR NOT coalesce({_current("$2")}, false))
    ORDER BY id LIMIT $3"""
_DUE: Final = f"""
    FROM ({_QUIET} AND p.inactive_erase_on <= {reference.TODAY_SQL}
                AND p.updated_at < now() - make_interval(days => $2)) q
    WHERE q.last_active < now() - make_interval(days => $2) AND {_current("$2")}"""
_TO_ERASE: Final = f"SELECT id {_DUE} ORDER BY id LIMIT $3"
# The same asked again of one person ($3), with the notice's day (never NULL while it is due).
_STILL_DUE: Final = f"SELECT q.inactive_noticed_at::date {_DUE} AND id = $3"


def _standing(participant: str, days: str, busy: str = "$1::text[]") -> str:
    """SQL: the day and the last activity of the standing notice of the participant ``participant``
    (SQL), no row when none stands: its _QUIET row with a notice current for ``days`` (SQL) days.
    ``busy``: the busy states' array, for a query with parameters of its own (standing_on)."""
    return f"""SELECT q.inactive_erase_on, q.last_active
               FROM ({_QUIET.replace("$1::text[]", busy)} AND p.id = {participant}) q
               WHERE q.inactive_erase_on IS NOT NULL AND {_current(days)}"""


def standing_on(row: str, days: int) -> str:
    """SQL: the day the standing notice of the participants row ``row`` (a table name or alias)
    names, NULL when none stands: :func:`standing`'s rule (_standing, the current notice for a limit
    of ``days``) for the dashboard's list and its CSV, which take their own parameters, so the busy
    states and the days are written in. Asked only of a row with a notice's day, the few the pass
    noticed."""
    if days <= 0:  # the limit is off: nothing is announced (review 9d, D6)
        return "NULL::date"
    busy = "ARRAY[" + ", ".join(f"'{state}'" for state in _BUSY) + "]::text[]"
    return f"""(CASE WHEN {row}.inactive_erase_on IS NOT NULL THEN
        (SELECT s.inactive_erase_on FROM ({_standing(f"{row}.id", str(int(days)), busy)}) s) END)"""


async def notice_batch(conn: asyncpg.Connection, days: int, batch: int = BATCH) -> int:
    """Request the notice for up to ``batch`` people quiet for ``days - NOTICE_DAYS`` days, marked in
    this transaction with the event."""
    due = [r["id"] for r in await conn.fetch(_TO_NOTICE, _BUSY, days, batch)]
    if not due:
        return 0
    await conn.execute(
        f"""UPDATE participants SET inactive_noticed_at = now(),
                   inactive_erase_on = {reference.TODAY_SQL} + $2::int
            WHERE id = ANY($1::uuid[])""",
        due, NOTICE_DAYS)
    await write_events(conn, [events.new_event(events.NOTIFICATION_REQUESTED, notification=NOTIFICATION,
                                               participant_id=pid) for pid in due])
    return len(due)


async def erase_batch(conn: asyncpg.Connection, days: int, batch: int = BATCH) -> int:
    """Erase up to ``batch`` people whose notice's day has come with nothing happened since."""
    erased = 0
    for pid in [r["id"] for r in await conn.fetch(_TO_ERASE, _BUSY, days, batch)]:
        # Locked first, then asked again: a "Keep my registration" (keep) committed meanwhile counts.
        await conn.execute("SELECT FROM participants WHERE id = $1 FOR UPDATE", pid)
        noticed = await conn.fetchval(_STILL_DUE, _BUSY, days, pid)
        if noticed is None:
            continue
        await privacy.erase(conn, pid, privacy.ERASED_INACTIVE)
        # noticed_on: the audit page says which notice it followed (review 9c, F8).
        await audit.record_system(conn, "participant.erase", "participant", pid,
                                  after={"status": "erased", "why": NOTIFICATION, "noticed_on": noticed.isoformat()})
        erased += 1
    return erased


async def run(pool: asyncpg.Pool, lock_key: int, days: int) -> dict[str, int] | None:
    """Both steps, in batches until one comes back short. None when another instance held the lock
    as a step began: that instance's pass does the step, and these counts would not say it."""
    totals = {"inactive_noticed": 0, "inactive_erased": 0}
    if days <= 0:
        return totals

    async def erase(conn: asyncpg.Connection) -> dict[str, int]:
        return {"inactive_erased": await erase_batch(conn, days)}

    async def notice(conn: asyncpg.Connection) -> dict[str, int]:
        return {"inactive_noticed": await notice_batch(conn, days)}

    for step in (erase, notice):
        done = await in_batches(pool, lock_key, step, batch=BATCH, most_batches=MOST_BATCHES)
        if done is None:
            return None
        totals.update(done)
    return totals


_STANDING: Final = _standing("$2", "$3")


class Notice(NamedTuple):
    """A standing notice: the day it names and the last activity before it."""

    erase_on: date
    last_active: datetime


async def standing(conn: asyncpg.Connection, participant_id: uuid.UUID, days: int) -> Notice | None:
    """The notice while it stands (the current one for a limit of ``days``, nothing happened since
    it was sent), else None; none while the limit is off (0), though the marks stay written."""
    if days <= 0:
        return None
    row = await conn.fetchrow(_STANDING, _BUSY, participant_id, days)
    return None if row is None else Notice(row["inactive_erase_on"], row["last_active"])


async def pending(conn: asyncpg.Connection, participant_id: uuid.UUID, days: int) -> date | None:
    """The day a notice named, while it stands (:func:`standing`): the manage page's notice."""
    notice = await standing(conn, participant_id, days)
    return None if notice is None else notice.erase_on


async def keep(conn: asyncpg.Connection, participant_id: uuid.UUID) -> None:
    """"Keep my registration": the person's own audit entry is the activity that voids the notice.
    The row is locked first, so an erasure pass asking at the same moment waits and sees it."""
    await conn.execute("SELECT FROM participants WHERE id = $1 FOR UPDATE", participant_id)
    await audit.record_by_participant(conn, participant_id, "participant.keep_own", "participant", participant_id)


async def keep_by_centre(conn: asyncpg.Connection, participant_id: uuid.UUID, coordinator: Coordinator,
                         days: int) -> bool:
    """A coordinator's "Keep the registration" for someone who phoned (review 9c, F12): audited as
    theirs (KEEP_BY_CENTRE, read as activity by _QUIET), row locked first as in :func:`keep`.
    False when no notice stands (nothing to keep from, nothing written)."""
    await conn.execute("SELECT FROM participants WHERE id = $1 FOR UPDATE", participant_id)
    notice = await standing(conn, participant_id, days)
    if notice is None:
        return False
    await audit.record(conn, coordinator, KEEP_BY_CENTRE, "participant", participant_id,
                       before={"erase_on": notice.erase_on.isoformat()})
    return True


async def forget_receipts(conn: asyncpg.Connection) -> int:
    """Erasure receipts whose confirmation was never made or sent (e.g. its event dead-lettered):
    the notifier deletes a receipt when its email ends; this is the safety net decisions.md promises."""
    result = await conn.execute(
        "DELETE FROM erasure_receipts WHERE created_at < now() - make_interval(days => $1)", RECEIPT_DAYS)
    return int(result.split()[-1])
