"""`lotse dev` starts the workers below intake's CPU priority (docs/decisions.md)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from lotse.shared import dev
from lotse.shared.dev import spawn


def test_spawned_process_runs_the_given_steps_below_our_priority(tmp_path: Path) -> None:
    log = tmp_path / "sleeper.log"
    process = spawn([sys.executable, "-c", "import time; print('up', flush=True); time.sleep(30)"],
                    dict(os.environ), log, niceness=10)
    try:
        assert os.getpriority(os.PRIO_PROCESS, process.pid) == os.getpriority(os.PRIO_PROCESS, 0) + 10
    finally:
        process.kill()
        process.wait()


def test_output_goes_to_the_log_and_no_niceness_leaves_the_priority(tmp_path: Path) -> None:
    log = tmp_path / "echo.log"
    process = spawn([sys.executable, "-c", "print('hello from the child')"], dict(os.environ), log)
    assert os.getpriority(os.PRIO_PROCESS, process.pid) == os.getpriority(os.PRIO_PROCESS, 0)
    assert process.wait(30) == 0
    assert log.read_text() == "hello from the child\n"


def test_lotse_dev_starts_the_workers_below_intake(tmp_path: Path) -> None:
    """Through the spawn `lotse dev` itself uses, for each service (each just prints its help)."""
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    started = {name: dev._spawn([name, "--help"], dict(os.environ), tmp_path, name) for name in dev.SERVICES}
    try:
        # Read before reaping: a child that has exited keeps its priority until it is waited for.
        priority = {name: os.getpriority(os.PRIO_PROCESS, p.pid) for name, p in started.items()}
    finally:
        for process in started.values():
            process.wait(30)
    assert priority["intake"] == ours
    assert priority["matcher"] > ours and priority["notifier"] > ours
    assert "usage" in (tmp_path / "notifier.log").read_text()
