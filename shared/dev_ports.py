"""`lotse dev` checks that its ports are free before it starts anything.

A second `lotse dev` on the same ports once printed "Lotse is running" (the first instance
answered its /readyz), then stopped when its own children could not listen (review 8g).
"""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lotse.shared.config import Settings

LOOPBACK = "127.0.0.1"  # where the mail sink listens (`lotse mailsink --host`'s default)


@dataclass(frozen=True)
class Port:
    variable: str  # the setting that moves it
    host: str
    number: int


def dev_ports(settings: Settings, viewer_port: int, env: Mapping[str, str]) -> list[Port]:
    """Every port `lotse dev` listens on, with the variable that changes it."""
    ports = [Port("LOTSE_HTTP_PORT", settings.http_host, settings.http_port),
             Port("LOTSE_SMTP_PORT", LOOPBACK, settings.smtp_port),
             Port("LOTSE_DEV_MAIL_VIEWER_PORT", LOOPBACK, viewer_port)]
    if settings.metrics_port is not None and env.get("LOTSE_METRICS_PORT"):  # one port per service
        ports += [Port("LOTSE_METRICS_PORT", "0.0.0.0", settings.metrics_port + offset) for offset in range(3)]
    return ports


def free(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now. SO_REUSEADDR as aiohttp's and asyncio's
    servers set it, so a port left in TIME_WAIT by a stopped instance counts as free."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def ports_in_use(ports: Sequence[Port]) -> list[str]:
    """One line per port something else listens on, naming the variable to change."""
    return [f"port {p.number} on {p.host} ({p.variable}) is in use, perhaps by another `lotse dev`: "
            f"stop that, or set {p.variable} to a free port" for p in ports if not free(p.host, p.number)]
