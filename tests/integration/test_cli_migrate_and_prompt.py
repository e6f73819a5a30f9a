"""`lotse migrate` and `lotse create-coordinator` against the tests' database, as an operator runs them."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import asyncpg

from lotse.shared.migrate import available_migrations
from tests.conftest import TEST_DATABASE_URL
from tests.unit.test_cli_operator import _at_terminal, _env


async def test_migrate_needs_no_secret_and_says_where_the_schema_is(migrated: str) -> None:
    # Outside dev mode, no LOTSE_SECRET_KEY (whoever migrates need not know the links' key); a
    # misspelt variable is named with the setting it resembles.
    env = _env(LOTSE_DATABASE_URL=TEST_DATABASE_URL, LOTSE_SMTP_PASS="x")
    ran = await asyncio.to_thread(
        subprocess.run, [sys.executable, "-m", "lotse.shared.cli", "migrate"], env=env, text=True,
        capture_output=True, timeout=60, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    newest = available_migrations()[-1][0]
    assert ran.stdout.splitlines() == ["applied 0 migration(s)", f"schema at {newest}"]
    assert ran.stderr.count("did you mean LOTSE_SMTP_PASSWORD?") == 1
    assert "LOTSE_PUBLIC_URL" not in ran.stderr  # migrate sends no link: not warned about


async def test_at_a_terminal_the_same_password_twice_creates_the_admin(pool: asyncpg.Pool) -> None:
    password = "terminal-typed-password-1"
    env = _env(LOTSE_DATABASE_URL=TEST_DATABASE_URL, LOTSE_SECRET_KEY="0123456789abcdef0123",
               LOTSE_LOG_LEVEL="ERROR")
    code, shown = await asyncio.to_thread(
        _at_terminal, ["create-coordinator", "ops.lead@welcome.example"], [password, password], env)
    assert code == 0, shown
    assert "coordinator ops.lead@welcome.example created (admin)" in shown
    assert password not in shown
    assert await pool.fetchval("SELECT role FROM coordinators WHERE email = $1", "ops.lead@welcome.example") == "admin"
