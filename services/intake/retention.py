"""Retention: personal data is kept only as long as it serves the person.

- unverified registrations: deleted after ``LOTSE_VERIFICATION_TTL_DAYS`` (the link has expired
  by then), with their consents, courses, positions and email log; one repeated while unconfirmed
  (a registration version) counts from its newest version, and a version is deleted after as long;
- ended matches: the free text around them (coordinators' notes and reasons, decline reasons,
  check-in comments) is cleared ``LOTSE_RETENTION_ENDED_MATCH_DAYS`` after the end; the
  anonymous row stays for the statistics;
- email log: finished notifications older than ``LOTSE_RETENTION_EMAIL_LOG_DAYS`` are deleted;
- e-mail address changes: a request (both addresses) is deleted once its link has expired.

Bookkeeping that is not about a person but grows with every event is pruned after the personal data,
in batches of ``BATCH`` rows, each its own short transaction under the same lock (a first pass over a
year's backlog never holds one multi-million-row DELETE open):

- outbox rows published more than ``BOOKKEEPING_DAYS`` ago (unpublished ones always stay);
- processed_messages older than ``BOOKKEEPING_DAYS``. They only need to outlive any second delivery of
  the same message: redeliveries and delayed retries come within minutes (1 s … 120 s), and a dead
  letter was never recorded by the consumer that dead-lettered it (its transaction rolled back), so
  replaying one later is unaffected. Only a dead letter that was itself a duplicate of a processed
  message, replayed more than ``BOOKKEEPING_DAYS`` later, would be handled a second time (the
  notifier still sends no second email: its email log dedupes by event id and is kept longer).
  The notifier's record of a ``notification.requested`` stays while an email log row names its
  event: it tells a repeated match_active email from the first (shared_later, the dashboard);
- coordinator sessions that can no longer be used (expired, or a browser idle too long), except
  each coordinator's most recently seen one, which the team page shows as "last seen";
- withdrawn suggestions (never approved or rejected: an approval made them stale, a side paused,
  changed or left) ``WITHDRAWN_DAYS`` after their withdrawal, unless something names them (an audit
  entry, an email, an answer, a check-in, a later match asked for again). Nothing needs them by then:
  the matcher learns only from decided rows, never excludes a pair for a withdrawn one, and reads
  one only in the batch that handles its withdrawal; the statistics count them only in their
  per-status figure (docs/decisions.md). They were most of a year's growth, ~2 KB each with the
  explanation and features.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import asyncpg

from lotse.intake import email_change, inactive
from lotse.intake.accounts import COOKIE_IDLE_TIMEOUT
from lotse.shared import events, matches
from lotse.shared.config import Settings
from lotse.shared.singleton_job import every, in_batches, run_locked

LOCK_KEY: Final = 0x4C6F7473_0005

#: Published outbox rows and processed-message records are kept this long: far longer than any
#: redelivery or delayed retry (minutes), and long enough to look an event up when asked about it.
BOOKKEEPING_DAYS: Final = 30
#: Rows one bookkeeping DELETE removes at most, and how many such batches one pass does at most
#: (the rest waits for the next hourly pass).
BATCH: Final = 5000
MOST_BATCHES: Final = 200
#: Withdrawn suggestions are deleted this long after their withdrawal (matches.withdrawn_at; rows
#: withdrawn before migration 0044 count from their creation): a quarter in which the participant's
#: page and the round's page still show them, and longer than any event naming them is kept.
WITHDRAWN_DAYS: Final = 90

FINAL_STATES = [state for state, onward in matches.TRANSITIONS.items() if not onward]


@dataclass(frozen=True, slots=True)
class Periods:
    unverified_days: int
    ended_match_days: int
    email_log_days: int
    inactive_days: int = 0  # people who left: lotse.intake.inactive (0 = off)

    @classmethod
    def from_settings(cls, settings: Settings) -> Periods:
        return cls(settings.verification_ttl_days, settings.retention_ended_match_days,
                   settings.retention_email_log_days, settings.retention_inactive_days)


async def delete_unverified(conn: asyncpg.Connection, days: int) -> int:
    """Unconfirmed registrations ``days`` after the last email that asked to confirm them: the
    first registration's, or a version's of one repeated since (registration_versions; its email
    promises the same days). A version is deleted after as long; the count is of participants."""
    await conn.execute(
        "DELETE FROM registration_versions WHERE created_at < now() - make_interval(days => $1)", days
    )
    gone = await conn.fetch(
        """DELETE FROM participants p WHERE status = 'pending_verification'
             AND created_at < now() - make_interval(days => $1)
             AND NOT EXISTS (SELECT FROM registration_versions v WHERE v.participant_id = p.id)
           RETURNING id""",
        days,
    )
    ids = [r["id"] for r in gone]
    if ids:  # consents, courses and positions cascade; the email log names them by id only
        await conn.execute("DELETE FROM notifications WHERE participant_id = ANY($1::uuid[])", ids)
    return len(ids)


async def clear_ended_matches(conn: asyncpg.Connection, days: int) -> int:
    ended = await conn.fetch(
        """UPDATE matches SET note = NULL, reason = NULL, flag_reason = NULL
           WHERE status = ANY($1::text[]) AND coalesce(ended_at, decided_at, created_at)
                 < now() - make_interval(days => $2)
             AND (note IS NOT NULL OR reason IS NOT NULL OR flag_reason IS NOT NULL
                  OR EXISTS (SELECT 1 FROM match_responses r WHERE r.match_id = matches.id AND r.reason IS NOT NULL)
                  OR EXISTS (SELECT 1 FROM checkins c WHERE c.match_id = matches.id AND c.comment IS NOT NULL))
           RETURNING id""",
        FINAL_STATES, days,
    )
    ids = [r["id"] for r in ended]
    if ids:
        await conn.execute("UPDATE match_responses SET reason = NULL WHERE match_id = ANY($1::uuid[])", ids)
        await conn.execute("UPDATE checkins SET comment = NULL WHERE match_id = ANY($1::uuid[])", ids)
    return len(ids)


async def delete_email_log(conn: asyncpg.Connection, days: int) -> int:
    result = await conn.execute(
        """DELETE FROM notifications WHERE status IN ('sent', 'failed', 'skipped')
             AND coalesce(sent_at, created_at) < now() - make_interval(days => $1)""",
        days,
    )
    return int(result.split()[-1])


async def apply(conn: asyncpg.Connection, periods: Periods) -> dict[str, int]:
    """One pass (inside the caller's transaction and lock)."""
    return {
        "unverified_deleted": await delete_unverified(conn, periods.unverified_days),
        "ended_matches_cleared": await clear_ended_matches(conn, periods.ended_match_days),
        "emails_forgotten": await delete_email_log(conn, periods.email_log_days),
        "email_changes_forgotten": await email_change.forget_expired(conn),
        "erasure_receipts_forgotten": await inactive.forget_receipts(conn),
    }


_PRUNE_OUTBOX: Final = """DELETE FROM outbox WHERE seq IN (
    SELECT seq FROM outbox WHERE published_at < now() - make_interval(days => $1) LIMIT $2)"""
_PRUNE_PROCESSED: Final = """DELETE FROM processed_messages WHERE (consumer, message_id) IN (
    SELECT consumer, message_id FROM processed_messages pm
    WHERE processed_at < now() - make_interval(days => $1)
      AND NOT (consumer = 'notifier' AND type = $3
               AND EXISTS (SELECT FROM notifications n WHERE n.event_id = pm.message_id))
    LIMIT $2)"""
_PRUNE_SESSIONS: Final = """DELETE FROM auth_sessions WHERE token_hash IN (
    SELECT token_hash FROM auth_sessions s
    WHERE (expires_at <= now() OR (kind = 'cookie' AND last_seen_at <= now() - $1::interval))
      AND EXISTS (SELECT FROM auth_sessions newer WHERE newer.coordinator_id = s.coordinator_id
                  AND (newer.last_seen_at, newer.token_hash) > (s.last_seen_at, s.token_hash))
    LIMIT $2)"""
# created_at first: withdrawn_at is never earlier, so matches_status_created narrows the scan.
_PRUNE_WITHDRAWN: Final = f"""DELETE FROM matches WHERE id IN (
    SELECT m.id FROM matches m
    WHERE m.status = '{matches.WITHDRAWN}' AND m.created_at < now() - make_interval(days => $1)
      AND coalesce(m.withdrawn_at, m.created_at) < now() - make_interval(days => $1)
      AND NOT EXISTS (SELECT FROM audit_log a WHERE a.subject_id = m.id)
      AND NOT EXISTS (SELECT FROM notifications n WHERE n.match_id = m.id)
      AND NOT EXISTS (SELECT FROM match_responses r WHERE r.match_id = m.id)
      AND NOT EXISTS (SELECT FROM checkins c WHERE c.match_id = m.id)
      AND NOT EXISTS (SELECT FROM matches later WHERE later.requested_again_of = m.id)
    LIMIT $2)"""


#: What prune counts (prune_batch's keys).
PRUNED: Final = ("outbox_pruned", "processed_messages_pruned", "sessions_pruned", "withdrawn_suggestions_deleted")


async def prune_batch(conn: asyncpg.Connection, days: int, batch: int,
                      withdrawn_days: int = WITHDRAWN_DAYS) -> dict[str, int]:
    """At most ``batch`` rows of each kind of bookkeeping and of withdrawn suggestions (inside the
    caller's transaction and lock)."""
    def count(result: str) -> int:
        return int(result.split()[-1])
    return {
        "outbox_pruned": count(await conn.execute(_PRUNE_OUTBOX, days, batch)),
        "processed_messages_pruned": count(await conn.execute(_PRUNE_PROCESSED, days, batch,
                                                              events.NOTIFICATION_REQUESTED)),
        "sessions_pruned": count(await conn.execute(_PRUNE_SESSIONS, COOKIE_IDLE_TIMEOUT, batch)),
        "withdrawn_suggestions_deleted": count(await conn.execute(_PRUNE_WITHDRAWN, withdrawn_days, batch)),
    }


async def prune(pool: asyncpg.Pool, days: int = BOOKKEEPING_DAYS, batch: int = BATCH,
                most_batches: int = MOST_BATCHES, withdrawn_days: int = WITHDRAWN_DAYS) -> dict[str, int]:
    """Batches until one finds fewer than ``batch`` rows of every kind (or another instance took the lock)."""
    return await _pruned(pool, days, batch, most_batches, withdrawn_days) or dict.fromkeys(PRUNED, 0)


async def _pruned(pool: asyncpg.Pool, days: int = BOOKKEEPING_DAYS, batch: int = BATCH,
                  most_batches: int = MOST_BATCHES, withdrawn_days: int = WITHDRAWN_DAYS) -> dict[str, int] | None:
    """:func:`prune`'s counts, None when another instance held the lock as it began."""
    return await in_batches(pool, LOCK_KEY, lambda conn: prune_batch(conn, days, batch, withdrawn_days),
                            batch=batch, most_batches=most_batches)


async def run_once(pool: asyncpg.Pool, periods: Periods) -> dict[str, int] | None:
    """The pass's counts; None when another instance held the lock as one of its steps began (two
    intakes, or a pass by hand while intake's runs): the other pass does that step."""
    done = await run_locked(pool, LOCK_KEY, lambda conn: apply(conn, periods))
    if done is None:
        return None
    pruned = await _pruned(pool)
    if pruned is None:
        return None
    inactive_done = await inactive.run(pool, LOCK_KEY, periods.inactive_days)
    return None if inactive_done is None else {**done, **pruned, **inactive_done}


async def run_periodically(pool: asyncpg.Pool, periods: Periods, interval_s: float = 3600.0) -> None:
    await every(interval_s, "retention", lambda: run_once(pool, periods))
