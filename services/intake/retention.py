"""Retention: personal data is kept only as long as it serves the person.

- unverified registrations: deleted after ``LOTSE_VERIFICATION_TTL_DAYS`` (the link has expired
  by then), with their consents, courses, positions and email log;
- ended matches: the free text around them (coordinators' notes and reasons, decline reasons,
  check-in comments) is cleared ``LOTSE_RETENTION_ENDED_MATCH_DAYS`` after the end; the
  anonymous row stays for the statistics;
- email log: finished notifications older than ``LOTSE_RETENTION_EMAIL_LOG_DAYS`` are deleted;
- e-mail address changes: a request (both addresses) is deleted once its link has expired.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import asyncpg

from lotse.intake import email_change
from lotse.shared import matches
from lotse.shared.config import Settings
from lotse.shared.singleton_job import every, run_locked

LOCK_KEY: Final = 0x4C6F7473_0005

FINAL_STATES = [state for state, onward in matches.TRANSITIONS.items() if not onward]


@dataclass(frozen=True, slots=True)
class Periods:
    unverified_days: int
    ended_match_days: int
    email_log_days: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Periods:
        return cls(settings.verification_ttl_days, settings.retention_ended_match_days,
                   settings.retention_email_log_days)


async def delete_unverified(conn: asyncpg.Connection, days: int) -> int:
    gone = await conn.fetch(
        """DELETE FROM participants WHERE status = 'pending_verification'
             AND created_at < now() - make_interval(days => $1)
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
    }


async def run_once(pool: asyncpg.Pool, periods: Periods) -> dict[str, int] | None:
    return await run_locked(pool, LOCK_KEY, lambda conn: apply(conn, periods))


async def run_periodically(pool: asyncpg.Pool, periods: Periods, interval_s: float = 3600.0) -> None:
    await every(interval_s, "retention", lambda: run_once(pool, periods))
