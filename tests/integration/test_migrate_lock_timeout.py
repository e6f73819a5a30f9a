"""`lotse migrate` gives way to a transaction holding a table it alters (review 9d, D8).

An ALTER TABLE waiting for its lock queues every later reader of that table behind it; with a
lock_timeout per attempt the migration steps aside, readers go on, and it tries again.
"""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
from collections.abc import AsyncIterator

import asyncpg
import pytest

from lotse.shared import migrate as migrations
from lotse.shared.migrate import migrate
from tests.conftest import TEST_DATABASE_URL
from tests.unit.test_cli_operator import _env

PROBE = "9999_lock_probe"
PROBE_SQL = "ALTER TABLE migrate_lock_probe ADD COLUMN note text"


@pytest.fixture
async def probe_table(migrated: str) -> AsyncIterator[None]:
    conn = await asyncpg.connect(migrated)
    try:
        await conn.execute("CREATE TABLE migrate_lock_probe (id int); INSERT INTO migrate_lock_probe VALUES (1)")
        yield
    finally:
        await conn.execute("DROP TABLE IF EXISTS migrate_lock_probe")
        await conn.execute("DELETE FROM schema_migrations WHERE version = $1", PROBE)
        await conn.close()


async def _old_matcher_batch() -> asyncpg.Connection:
    """A session in an open transaction that has read the table, as an old release's batch is."""
    holder = await asyncpg.connect(TEST_DATABASE_URL, server_settings={"application_name": "old-matcher"})
    await holder.execute("BEGIN")
    await holder.fetchval("SELECT count(*) FROM migrate_lock_probe")
    return holder


async def _until(check: asyncpg.Connection, sql: str) -> None:
    for _ in range(300):
        if await check.fetchval(sql):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never true: {sql}")


async def test_migrate_gives_way_to_readers_and_applies_once_the_holder_ends(
        probe_table: None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    real = migrations.available_migrations()
    monkeypatch.setattr(migrations, "available_migrations", lambda: [*real, (PROBE, PROBE_SQL)])
    monkeypatch.setattr(migrations, "LOCK_TIMEOUT_MS", 300)
    monkeypatch.setattr(migrations, "RETRY_PAUSE_S", 0.2)
    monkeypatch.setattr(migrations, "LOCK_ATTEMPTS", 1000)  # the holder ends first
    caplog.set_level(logging.INFO, logger=migrations.__name__)
    holder = await _old_matcher_batch()
    check = await asyncpg.connect(TEST_DATABASE_URL)
    reader = await asyncpg.connect(TEST_DATABASE_URL)
    running = asyncio.create_task(migrate(TEST_DATABASE_URL))
    try:
        # The migration asks for the table's exclusive lock and waits behind the holder.
        await _until(check, """SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted
                                 AND mode = 'AccessExclusiveLock'
                                 AND relation = 'migrate_lock_probe'::regclass)""")
        # A reader now: without a lock_timeout it would queue behind the migration until the holder
        # ended; here it reads while the holder's transaction is still open.
        assert await asyncio.wait_for(reader.fetchval("SELECT count(*) FROM migrate_lock_probe"), 30) == 1
        assert holder.is_in_transaction() and not running.done()
        for _ in range(300):  # the log line naming the holder, written when an attempt gives way
            if any(r.getMessage().startswith("migration gave way") for r in caplog.records):
                break
            await asyncio.sleep(0.05)
        gave_way = [r for r in caplog.records if r.getMessage().startswith("migration gave way")]
        assert gave_way and gave_way[0].version == PROBE  # type: ignore[attr-defined]
        held_by = gave_way[0].held_by  # type: ignore[attr-defined]
        assert f"pid {holder.get_server_pid()} (old-matcher, idle in transaction" in held_by
        assert "migrate_lock_probe" in held_by
    finally:
        await holder.execute("ROLLBACK")
        await holder.close()
    try:
        assert await asyncio.wait_for(running, 30) == [PROBE]
        assert await check.fetchval("""SELECT count(*) FROM information_schema.columns
                                        WHERE table_name = 'migrate_lock_probe' AND column_name = 'note'""") == 1
        assert await check.fetchval("SELECT count(*) FROM schema_migrations WHERE version = $1", PROBE) == 1
    finally:
        await check.close()
        await reader.close()


# The command in a child process, with the probe migration and small limits set before it runs.
_CHILD = f"""
import sys
from lotse.shared import migrate as m
real = m.available_migrations()
m.available_migrations = lambda: [*real, ({PROBE!r}, {PROBE_SQL!r})]
m.LOCK_TIMEOUT_MS, m.RETRY_PAUSE_S, m.LOCK_ATTEMPTS = 100, 0.05, 3
from lotse.shared.cli import main
raise SystemExit(main(["migrate"]))
"""


async def test_a_holder_that_never_ends_fails_migrate_with_one_line_after_the_attempts(probe_table: None) -> None:
    holder = await _old_matcher_batch()
    pid = holder.get_server_pid()
    try:
        ran = await asyncio.to_thread(
            subprocess.run, [sys.executable, "-c", _CHILD], env=_env(LOTSE_DATABASE_URL=TEST_DATABASE_URL),
            text=True, capture_output=True, timeout=60, check=False)
        assert holder.is_in_transaction()
    finally:
        await holder.execute("ROLLBACK")
        await holder.close()
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert ran.stdout == ""
    *logged, last = ran.stderr.splitlines()
    gave_way = [json.loads(line) for line in logged if "migration gave way" in line]
    assert [g["attempt"] for g in gave_way] == [1, 2, 3]
    assert all(f"pid {pid} (old-matcher" in g["held_by"] for g in gave_way)
    assert last.startswith(f"lotse migrate: migration {PROBE} not applied: ")
    assert "3 attempts of 100 ms" in last
    conn = await asyncpg.connect(TEST_DATABASE_URL)
    try:  # rolled back: neither recorded nor half applied
        assert await conn.fetchval("SELECT count(*) FROM schema_migrations WHERE version = $1", PROBE) == 0
        assert await conn.fetchval("""SELECT count(*) FROM information_schema.columns
                                      WHERE table_name = 'migrate_lock_probe' AND column_name = 'note'""") == 0
    finally:
        await conn.close()
