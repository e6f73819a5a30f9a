"""The outbox relays' in-process wake: who is woken when a connection goes back to its pool."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from lotse.shared.outbox import LocalWake, OutboxRelay

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Session:
    pid: int

    def get_server_pid(self) -> int:
        return self.pid


class Relay:
    def __init__(self) -> None:
        self.woken = 0

    def wake(self) -> None:
        self.woken += 1


def relay() -> Any:
    return cast(OutboxRelay, Relay())


def test_releasing_a_connection_that_wrote_wakes_every_relay_of_the_process_once() -> None:
    wake, first, second = LocalWake(), relay(), relay()
    with wake.serving(first), wake.serving(second):
        wake.wrote(cast(Any, Session(7)))
        wake.wrote(cast(Any, Session(7)))  # two statements, one transaction
        wake.released(cast(Any, Session(7)))
        wake.released(cast(Any, Session(7)))  # its next use wrote nothing
    assert (first.woken, second.woken) == (1, 1)


def test_releasing_a_connection_that_wrote_nothing_wakes_no_one() -> None:
    wake, only = LocalWake(), relay()
    with wake.serving(only):
        wake.wrote(cast(Any, Session(7)))
        wake.released(cast(Any, Session(8)))
    assert only.woken == 0


def test_a_relay_that_stopped_is_not_woken() -> None:
    wake, stopped = LocalWake(), relay()
    with wake.serving(stopped):
        pass
    wake.wrote(cast(Any, Session(7)))
    wake.released(cast(Any, Session(7)))
    assert stopped.woken == 0


def test_sessions_ask_the_trigger_not_to_notify() -> None:
    # Migration 0026's trigger returns before its pg_notify for exactly the setting and value these
    # sessions carry: a name or value differing on either side would notify on every commit again.
    trigger = (ROOT / "shared" / "migrations" / "0026_outbox_wake_in_process.sql").read_text(encoding="utf-8")
    skips = re.findall(r"IF current_setting\('([\w.]+)', true\) = '(\w+)' THEN\s+RETURN NULL;", trigger)
    assert skips == list(LocalWake.session_settings.items())
    assert dict(LocalWake.session_settings) == {"lotse.outbox_wake": "process"}


def test_every_statement_that_writes_outbox_rows_wakes_the_relays() -> None:
    # Without LOCAL_WAKE.wrote, such a commit would wait for a relay's poll: its session sends
    # no NOTIFY. write_events does it; a statement that inserts outbox rows itself must too.
    writers = [path for folder in ("services", "shared") for path in (ROOT / folder).rglob("*.py")
               if re.search(r"INTO\s+outbox\b", path.read_text(encoding="utf-8"), re.IGNORECASE)]
    assert len(writers) >= 2  # shared/outbox.py and intake's one-statement registration
    for path in writers:
        assert "LOCAL_WAKE.wrote(" in path.read_text(encoding="utf-8"), path
