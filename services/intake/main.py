"""`lotse intake`: serve until SIGTERM, then finish in-flight requests and exit 0 (1 when a
background task died and stopped it)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

from aiohttp import web

from lotse.intake.app import init_app, waiting_app
from lotse.intake.startup import Startup, listening_sockets
from lotse.intake.typedefs import on_task_failure_key
from lotse.shared import heap, supervise
from lotse.shared.config import Settings
from lotse.shared.runtime import stop_on_signals

log = logging.getLogger(__name__)

#: How long in-flight requests may take to finish after SIGTERM (the pods' grace period covers it).
SHUTDOWN_TIMEOUT_S = 10.0


def run(settings: Settings) -> int:
    log.info("intake starting", extra={"host": settings.http_host, "port": settings.http_port})
    asyncio.run(serve(settings))
    log.info("intake stopped")
    return supervise.exit_code()  # 1 when a background task died and stopped it


async def serve(settings: Settings, *, stop: asyncio.Event | None = None) -> None:
    """Serve at once, until ``stop`` (SIGTERM or SIGINT). While the app's startup waits for the
    database and the broker, the waiting app answers on the same sockets (lotse.intake.startup).
    A wait that ends without them (a refusal; 60 s without an answer) or a start-up step that
    fails is raised here, as it was when intake listened only afterwards: `lotse` says a
    DependencyError in one line and exits 1. A signal during the wait ends it, and serve returns."""
    stop = stop or stop_on_signals()
    stopping = asyncio.create_task(stop.wait(), name="intake-stop")
    startup = Startup()
    sockets = listening_sockets(settings.http_host, settings.http_port)
    async with contextlib.AsyncExitStack() as stack, contextlib.AsyncExitStack() as while_waiting:
        stack.callback(stopping.cancel)
        for sock in sockets:
            stack.callback(sock.close)
        app = init_app(settings, startup)
        app[on_task_failure_key] = stop.set  # a background task that dies stops intake (lotse.shared.supervise)
        runner = _runner(app)
        stack.push_async_callback(runner.cleanup)  # also after a startup that failed or was given up
        waiting = _runner(waiting_app(settings, startup))
        while_waiting.push_async_callback(waiting.cleanup)
        await waiting.setup()  # no dependencies: at once
        await _listen(waiting, [sock.dup() for sock in sockets])  # its own descriptors, closed when it stops
        setting_up = asyncio.create_task(runner.setup(), name="intake-startup")
        await asyncio.wait({setting_up, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not setting_up.done():  # stopped while waiting for the dependencies: nothing runs yet
            setting_up.cancel()
            await asyncio.wait({setting_up})
            return
        setting_up.result()  # raises what the startup raised
        await _listen(runner, sockets)
        await while_waiting.aclose()  # the app answers on the sockets now; the waiting app's copies go
        # Settled only now: the waiting app, gone, must not be frozen into the heap for good.
        heap.settle()
        log.info("intake ready")
        await stopping


def _runner(app: web.Application) -> web.AppRunner:
    # As run_app had them: no access log (one line per request costs ~40 % throughput; errors
    # are logged), its keep-alive, and the time for in-flight requests at shutdown.
    return web.AppRunner(app, access_log=None, keepalive_timeout=75.0,
                         shutdown_timeout=SHUTDOWN_TIMEOUT_S)


async def _listen(runner: web.AppRunner, sockets: list[socket.socket]) -> None:
    for sock in sockets:
        await web.SockSite(runner, sock).start()

