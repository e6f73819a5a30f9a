"""`lotse dev` on a fresh machine: start PostgreSQL and RabbitMQ when they do not answer.

Only local addresses are started, and only with the checkout's ``deploy/infra.sh`` (an editable
install maps ``lotse.shared`` onto ``<checkout>/shared``; a wheel install has no ``deploy/``).
Anything else is named in one line with how to start it, and ``lotse dev`` stops.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

from lotse.shared.config import Settings

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
DEFAULT_PORTS = {"postgresql": 5432, "postgres": 5432, "amqp": 5672, "amqps": 5671}
# The checkout's script, if this package is the checkout's shared/ (editable install).
INFRA_SCRIPT = Path(__file__).resolve().parent.parent / "deploy" / "infra.sh"


@dataclass(frozen=True)
class Endpoint:
    what: str  # "PostgreSQL"
    variable: str  # the setting it comes from, for the message
    host: str
    port: int

    @property
    def local(self) -> bool:
        return self.host in LOCAL_HOSTS

    def __str__(self) -> str:
        return f"{self.what} at {self.host}:{self.port} ({self.variable})"


def endpoint(what: str, variable: str, url: str) -> Endpoint:
    parts = urlsplit(url)
    return Endpoint(what, variable, parts.hostname or "localhost", parts.port or DEFAULT_PORTS[parts.scheme])


def answers(host: str, port: int, timeout_s: float = 1.0) -> bool:
    """A TCP connect is enough: it tells "nothing listens" from "listens"; migrate tells the rest."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def _run_script(script: Path) -> int:
    return subprocess.run(["bash", str(script), "up"], check=False).returncode


def ensure_infra(
    settings: Settings,
    probe: Callable[[str, int], bool] = answers,
    run: Callable[[Path], int] = _run_script,
    script: Path = INFRA_SCRIPT,
    is_root: bool | None = None,
) -> int:
    """0 when database and broker answer (after starting them if needed), else the exit code."""
    wanted = [endpoint("PostgreSQL", "LOTSE_DATABASE_URL", settings.database_url),
              endpoint("RabbitMQ", "LOTSE_AMQP_URL", settings.amqp_url)]
    down = [e for e in wanted if not probe(e.host, e.port)]
    if not down:
        return 0
    remote, local = [e for e in down if not e.local], [e for e in down if e.local]
    for e in remote:
        _say(f"{e} does not answer; start it there, or point {e.variable} at one that runs.")
    if local and not script.is_file():
        _say(f"{_join(local)} not answer, and this installation has no deploy/infra.sh to start "
             "them; run `deploy/infra.sh up` from a Lotse checkout (or `docker compose up -d postgres rabbitmq`).")
    if remote or not script.is_file():
        return 1
    if is_root is None:
        is_root = os.geteuid() == 0
    how = "" if is_root else "; not root, so it calls sudo for apt-get and to start them"
    names = " and ".join(e.what for e in down)
    _say(f"{_join(down)} not answer: starting {names} with "
         f"`bash {script} up` (installs the Debian packages if missing{how})", stream=sys.stdout)
    code = run(script)
    if code != 0:
        _say(f"`bash {script} up` failed (exit {code}); see its output above"
             + ("" if is_root else ", or run it as root") + ".")
        return 1
    # infra.sh starts them on the default ports; a local URL with another port still finds nothing.
    still = [e for e in down if not probe(e.host, e.port)]
    for e in still:
        _say(f"{e} still does not answer after deploy/infra.sh up (it starts PostgreSQL on 5432 and "
             f"RabbitMQ on 5672); check {e.variable}.")
    return 1 if still else 0


def _say(line: str, stream: TextIO | None = None) -> None:
    print(f"lotse dev: {line}", file=stream or sys.stderr, flush=True)


def _join(down: list[Endpoint]) -> str:
    return " and ".join(str(e) for e in down) + (" do" if len(down) > 1 else " does")
