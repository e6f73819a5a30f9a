"""Versioned SQL migrations: each file applied once, in its own transaction, under a lock."""

from __future__ import annotations

import logging
from importlib import resources

import asyncpg

from lotse.shared import name_search
from lotse.shared.dependencies import DATABASE, naming

log = logging.getLogger(__name__)

# Any fixed number works; it only has to be the same for every process that migrates.
_MIGRATION_LOCK = 0x4C6F747365  # "Lotse"


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
                async with conn.transaction():
                    await conn.execute(sql)
                    await conn.execute(
                        "INSERT INTO schema_migrations (version) VALUES ($1)", version
                    )
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


async def schema_version(database_url: str) -> str | None:
    """The newest migration the database has (``lotse migrate`` prints it; None before the first)."""
    with naming(DATABASE, database_url):  # a wrong password or database: one line, not a traceback
        conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchval("SELECT max(version) FROM schema_migrations")  # type: ignore[no-any-return]
    finally:
        await conn.close()
