"""Versioned SQL migrations: each file applied once, in its own transaction, under a lock."""

from __future__ import annotations

import asyncio
import logging
from importlib import resources

import asyncpg

from lotse.shared import name_search
from lotse.shared.dependencies import DATABASE, naming

log = logging.getLogger(__name__)

# Any fixed number works; it only has to be the same for every process that migrates.
_MIGRATION_LOCK = 0x4C6F747365  # "Lotse"

# An ALTER TABLE waiting for its lock holds up every later reader of that table (review 9d, D8): wait
# this long, step aside (readers go on), try again, and give up after so many attempts.
LOCK_TIMEOUT_MS = 5000
LOCK_ATTEMPTS = 10
RETRY_PAUSE_S = 2.0

# Who held table locks from before the attempt: pid, application, state, transaction age and the
# tables, never the query (it may carry personal data).
_HOLDERS = """
    SELECT a.pid, coalesce(nullif(a.application_name, ''), '?') AS app, a.state,
           extract(epoch FROM now() - a.xact_start)::int AS age_s,
           string_agg(DISTINCT c.relname, ',' ORDER BY c.relname) AS tables
      FROM pg_locks l
      JOIN pg_stat_activity a ON a.pid = l.pid
      JOIN pg_class c ON c.oid = l.relation
     WHERE l.granted AND l.locktype = 'relation'
       AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND a.pid <> pg_backend_pid() AND a.xact_start <= $1 AND c.relkind IN ('r', 'p')
     GROUP BY a.pid, a.application_name, a.state, a.xact_start
     ORDER BY a.xact_start
     LIMIT 5"""


class MigrationLockTimeout(Exception):
    """A migration did not get its table locks in any of its attempts (``lotse migrate`` exits 1)."""


def available_migrations() -> list[tuple[str, str]]:
    folder = resources.files("lotse.shared").joinpath("migrations")
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [(f.name.removesuffix(".sql"), f.read_text(encoding="utf-8")) for f in files]


async def migrate(database_url: str) -> list[str]:
    """Apply pending migrations; returns the versions applied now (empty when up to date)."""
    with naming(DATABASE, database_url):  # a wrong password or database: one line, not a traceback
        conn = await asyncpg.connect(database_url)
    try:
        # Session-level lock: a second `lotse migrate` waits here, then finds nothing to do.
        await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
        try:
            await conn.execute(
                """CREATE TABLE IF NOT EXISTS schema_migrations (
                       version text PRIMARY KEY,
                       applied_at timestamptz NOT NULL DEFAULT now())"""
            )
            done = {r["version"] for r in await conn.fetch("SELECT version FROM schema_migrations")}
            applied: list[str] = []
            for version, sql in available_migrations():
                if version in done:
                    continue
                await _apply(conn, version, sql)
                log.info("migration applied", extra={"version": version})
                applied.append(version)
            # What SQL cannot compute: the folded names of rows that have none yet.
            filled = await name_search.fill_missing(conn)
            if filled:
                log.info("names folded for search", extra={"rows": filled})
            return applied
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
    finally:
        await conn.close()


async def _apply(conn: asyncpg.Connection, version: str, sql: str) -> None:
    """One migration in its own transaction, retried while other sessions' locks keep it waiting."""
    for attempt in range(1, LOCK_ATTEMPTS + 1):
        started = await conn.fetchval("SELECT now()")  # transactions older than this may hold us up
        try:
            async with conn.transaction():
                await conn.execute("SELECT set_config('lock_timeout', $1, true)", f"{LOCK_TIMEOUT_MS}ms")
                await conn.execute(sql)
                await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)
            return
        except asyncpg.LockNotAvailableError:
            pass  # rolled back: readers queued behind our lock request go on while we wait
        holders = "; ".join(
            f"pid {r['pid']} ({r['app']}, {r['state']}, transaction {r['age_s']} s, on {r['tables']})"
            for r in await conn.fetch(_HOLDERS, started)
        ) or "none found any more"
        log.warning("migration gave way: a table lock it needs is held", extra={
            "version": version, "attempt": attempt, "attempts": LOCK_ATTEMPTS,
            "lock_timeout_ms": LOCK_TIMEOUT_MS, "held_by": holders})
        if attempt < LOCK_ATTEMPTS:
            await asyncio.sleep(RETRY_PAUSE_S)
    raise MigrationLockTimeout(
        f"migration {version} not applied: other sessions held its tables' locks through {LOCK_ATTEMPTS} "
        f"attempts of {LOCK_TIMEOUT_MS} ms (see the log lines above); end their transactions "
        "(e.g. scale the matcher to 0) and run it again")


async def schema_version(database_url: str) -> str | None:
    """The newest migration the database has (``lotse migrate`` prints it; None before the first)."""
    with naming(DATABASE, database_url):  # a wrong password or database: one line, not a traceback
        conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchval("SELECT max(version) FROM schema_migrations")  # type: ignore[no-any-return]
    finally:
        await conn.close()
