"""`lotse intake` listens at once; its database and broker are waited for meanwhile.

Started while PostgreSQL or RabbitMQ does not answer yet (a cluster starting, a broker restarting),
intake waits for them up to 60 s (runtime.infrastructure). It used to listen only afterwards, so
the probes met a closed port: Kubernetes' liveness probe on /healthz failed and restarted the pod,
and /readyz never said the contract's 503 (review 10a, finding 3).

Now the port is bound first and served by a second instance of the app without dependencies
(app.waiting_app): /healthz answers 200, /readyz 503 with how the wait stands (health.readyz, from
:class:`Startup`), everything else the contract's 503 with Retry-After (:func:`while_starting`). The
app itself starts as it always did (its startup connects, declares, starts the relay and the jobs;
application state is set only there, before aiohttp freezes the app), then takes over the same
listening sockets, and the waiting app lets go of its copies of them (main.serve): one accept queue
throughout, so no connection is refused or dropped at the hand-over.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Final

from aiohttp import web

from lotse.intake.errors import Handler, unavailable

# What needs no dependency: the probes, and the static files the 503 page itself uses.
_WITHOUT_DEPENDENCIES: Final = ("/healthz", "/readyz")
_STATIC: Final = "/static/"


@dataclass(eq=False)
class Startup:
    """runtime.infrastructure's account of the wait, by /readyz's check names: "ok", or why not."""

    checks: dict[str, str] = field(default_factory=dict)


startup_key: Final = web.AppKey("startup", Startup)


@web.middleware
async def while_starting(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The waiting app's answer to everything that needs the database or the broker: the contract's
    503 (errors.api_errors says it in the error shape under /api/, web.error_pages draws the page
    elsewhere; both keep Retry-After), never a 500 from a handler that finds no pool."""
    if request.path in _WITHOUT_DEPENDENCIES or request.path.startswith(_STATIC):
        return await handler(request)
    raise unavailable()


def listening_sockets(host: str, port: int, backlog: int = 128) -> list[socket.socket]:
    """Bound and listening as asyncio's create_server would for ``host`` (which may resolve to an
    IPv4 and an IPv6 address), to be served by one app after the other."""
    sockets: list[socket.socket] = []
    try:
        for family, kind, proto, _, address in socket.getaddrinfo(
                host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind(address)
            sock.listen(backlog)
            sock.setblocking(False)
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    return sockets
