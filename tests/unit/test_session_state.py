"""Pooled connections are released without a reset query (shared/db.py), so no code may leave
session state on one: session-level advisory locks, LISTEN outside the outbox relay, session
SETs, cursors. This scans the product's SQL for the statements that would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(p for folder in ("shared", "services") for p in (ROOT / folder).rglob("*.py"))
# The one place allowed: migrations run on a connection of their own, never a pooled one.
# The CSV exports stream through asyncpg's cursor: a portal of the transaction it is opened in
# (asyncpg refuses one outside a transaction), gone at its commit or rollback, never WITH HOLD.
ALLOWED = {("shared/migrate.py", "session advisory lock"), ("services/intake/dashboard/reports.py", "cursor")}
FORBIDDEN = {
    "session advisory lock": re.compile(r"pg_(try_)?advisory_lock(_shared)?\s*\("),
    "LISTEN statement": re.compile(r"['\"]\s*LISTEN\b", re.IGNORECASE),
    "session SET": re.compile(r"['\"]\s*SET\s+(?!LOCAL\b)(SESSION\s+)?\w+\s*(=|TO\b)", re.IGNORECASE),
    "set_config for the session": re.compile(r"set_config\([^)]*false\s*\)", re.IGNORECASE),
    "cursor": re.compile(r"\bDECLARE\s+\w+\s+(BINARY\s+)?(NO\s+)?(SCROLL\s+)?CURSOR\b|\.cursor\(", re.IGNORECASE),
}


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_session_state_left_on_pooled_connections(source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    where = str(source.relative_to(ROOT))
    for what, pattern in FORBIDDEN.items():
        if (where, what) not in ALLOWED:
            assert not pattern.search(text), f"{where}: {what}"


def test_the_scan_finds_what_it_looks_for() -> None:
    assert FORBIDDEN["session advisory lock"].search('execute("SELECT pg_advisory_lock($1)", 1)')
    assert not FORBIDDEN["session advisory lock"].search('execute("SELECT pg_advisory_xact_lock($1)", 1)')
    assert FORBIDDEN["session SET"].search('execute("SET statement_timeout = 5")')
    assert not FORBIDDEN["session SET"].search('execute("SET LOCAL statement_timeout = 5")')
    assert not FORBIDDEN["session SET"].search('"UPDATE t SET status = 1"')
    assert FORBIDDEN["LISTEN statement"].search('execute("LISTEN lotse_outbox")')
