"""`lotse` as an operator meets it: help, refused values, the password prompt (review 8g).

Each test runs the real command in a process of its own; none needs a database (the one named
is a closed port, so a command that got past its configuration fails at once instead of waiting).
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from lotse.shared.cli import build_parser

NO_DATABASE = "postgresql://lotse:S3cretPass@127.0.0.1:9/lotse"
SECRET = "0123456789abcdef0123"


def _env(**variables: str) -> dict[str, str]:
    """The test's environment without any LOTSE_ variable of the runner, plus ``variables``."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("LOTSE_")},
            "LOTSE_DATABASE_URL": NO_DATABASE, **variables}


def _lotse(*args: str, cwd: Path | None = None, **variables: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lotse.shared.cli", *args], env=_env(**variables), cwd=cwd,
                          input="", text=True, capture_output=True, timeout=30, check=False)


def test_every_subcommand_says_what_it_does_in_its_own_help() -> None:
    [commands] = [a for a in build_parser()._actions if a.dest == "command"]
    names = list(commands.choices or {})
    assert {"migrate", "intake", "matcher", "notifier", "create-coordinator", "dev", "seed-demo"} <= set(names)
    for name in names:
        shown = _lotse(name, "--help")
        assert shown.returncode == 0, name
        description = shown.stdout.split("\n\n")[1]  # after the usage line(s)
        assert description[0].isupper() and description.rstrip().endswith("."), (name, shown.stdout)
    assert "Apply database migrations" in _lotse("migrate", "--help").stdout


def test_create_coordinator_help_names_the_role_and_its_default() -> None:
    shown = _lotse("create-coordinator", "--help")
    assert shown.returncode == 0
    text = " ".join(shown.stdout.split())
    assert "--role {coordinator,admin}" in text and "admin (the default" in text
    assert "asked twice at a terminal" in text


def test_a_placeholder_secret_stops_a_service_with_one_line_that_does_not_show_it() -> None:
    stopped = _lotse("intake", LOTSE_SECRET_KEY="REPLACE-with-openssl-rand-hex-32")
    assert stopped.returncode == 2
    [line] = stopped.stderr.splitlines()
    assert line.startswith("lotse intake: configuration error: LOTSE_SECRET_KEY is a placeholder")
    assert "REPLACE-with" not in line


def test_a_typo_in_a_url_stops_start_up_without_printing_its_password() -> None:
    stopped = _lotse("migrate", LOTSE_DATABASE_URL="postgresql//lotse:S3cretPass@db:5432/lotse")
    assert stopped.returncode == 2
    assert stopped.stderr == ("lotse migrate: configuration error: LOTSE_DATABASE_URL='postgresql//lotse:***@db:5432/"
                              "lotse' is invalid: expected a URL starting with postgresql or postgres://\n")


def test_a_mail_viewer_port_that_is_no_number_is_a_configuration_error_of_lotse_dev(tmp_path: Path) -> None:
    # Refused before anything is started: no infrastructure, no migration, no children.
    stopped = _lotse("dev", cwd=tmp_path, LOTSE_DEV_MAIL_VIEWER_PORT="abc")
    assert stopped.returncode == 2
    assert stopped.stderr == ("lotse dev: configuration error: LOTSE_DEV_MAIL_VIEWER_PORT='abc' is invalid: "
                              "expected a port number 1-65535\n")
    assert not (tmp_path / ".state").exists()


def _at_terminal(args: list[str], answers: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run ``args`` with a terminal of its own; type each answer after the prompt before it."""
    pid, terminal = pty.fork()
    if pid == 0:  # the child: the pty is its controlling terminal, as an operator's shell is
        os.execve(sys.executable, [sys.executable, "-m", "lotse.shared.cli", *args], env)
    seen, deadline = b"", time.monotonic() + 30
    pending = list(answers)
    while time.monotonic() < deadline:
        ready, _, _ = select.select([terminal], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(terminal, 4096)
            except OSError:  # the child closed the terminal: it ended
                break
            if not chunk:
                break
            seen += chunk
        if pending and seen.count(b"Password") > len(answers) - len(pending):
            os.write(terminal, pending.pop(0).encode() + b"\n")
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    os.close(terminal)
    return os.waitstatus_to_exitcode(status), seen.decode(errors="replace")


def test_at_a_terminal_the_password_is_asked_twice_and_not_echoed() -> None:
    code, shown = _at_terminal(["create-coordinator", "ops.lead@welcome.example"],
                               ["first-long-password-1", "second-long-password-2"],
                               _env(LOTSE_SECRET_KEY=SECRET, LOTSE_LOG_LEVEL="ERROR"))
    assert "Password: " in shown and "Password again: " in shown, shown
    assert "first-long-password-1" not in shown and "second-long-password-2" not in shown
    assert "the two passwords differ; nothing was created" in shown
    assert code == 2
