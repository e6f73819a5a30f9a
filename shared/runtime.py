"""What every service process needs: database pool, broker connection, topology, signals."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass

import aio_pika
import asyncpg
from aio_pika.abc import AbstractExchange, AbstractRobustConnection

from lotse.shared.config import Settings
from lotse.shared.db import application_name, create_pool
from lotse.shared.dependencies import BROKER, DATABASE, DependencyError, naming, watch_broker
from lotse.shared.outbox import LOCAL_WAKE, OutboxRelay
from lotse.shared.topology import declare_events_exchange, declare_topology

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Infrastructure:
    settings: Settings
    pool: asyncpg.Pool
    amqp: AbstractRobustConnection
    exchange: AbstractExchange  # lotse.events on a confirming channel that raises on return

    service: str

    def outbox_relay(self) -> OutboxRelay:
        return OutboxRelay(
            self.pool,
            self.exchange,
            publish_timeout_s=self.settings.publish_timeout_s,
            poll_interval_s=self.settings.outbox_poll_interval_s,
            writer=application_name(self.service),
        )


async def _retry(what: str, variable: str, url: str, attempt_once, deadline_s: float,  # type: ignore[no-untyped-def]
                 checks: MutableMapping[str, str]):
    """Dependencies may still be starting (compose, `lotse dev`): wait for them, within reason.

    Not for a refusal that waiting cannot change (a wrong password, database or vhost): that
    raises :class:`DependencyError` at once, as does the last failure when the wait is over.
    ``checks[what]`` says how the wait stands: "ok", or why the last attempt failed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadline_s
    delay = 0.25
    while True:
        try:
            with naming(variable, url):
                connected = await attempt_once()
            checks[what] = "ok"
            return connected
        except DependencyError as exc:
            checks[what] = f"unreachable: {exc.cause}"
            if exc.permanent or loop.time() > deadline:
                raise
            log.warning("waiting for %s", what, extra={"variable": variable, "error": exc.cause})
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


@asynccontextmanager
async def infrastructure(
    settings: Settings, service: str, *, pool_max: int = 10, wait_s: float = 60.0,
    checks: MutableMapping[str, str] | None = None, lock_wait_s: float | None = None,
) -> AsyncIterator[Infrastructure]:
    """Connect, waiting up to ``wait_s`` for a database or broker that does not answer yet.
    ``lock_wait_s``: the sessions' lock_timeout (none when None).

    ``checks`` (intake's /readyz while it waits) is kept up to date under the names "database"
    and "broker": "ok" once connected, else why the last attempt failed."""
    checks = {} if checks is None else checks
    # The notifier runs no relay and writes no outbox rows; were a service without a relay to
    # write some, the other services' relays would publish them at their next poll.
    pool = await _retry("database", DATABASE, settings.database_url, lambda: create_pool(
        settings.database_url, max_size=pool_max, application_name=application_name(service),
        session_settings={**LOCAL_WAKE.session_settings, **_lock_timeout(lock_wait_s)},
        on_release=LOCAL_WAKE.released),
        wait_s, checks)
    try:
        amqp = await _retry("broker", BROKER, settings.amqp_url,
                            lambda: aio_pika.connect_robust(settings.amqp_url), wait_s, checks)
        watch_broker(amqp)
        try:
            await declare_topology(amqp)
            channel = await amqp.channel(publisher_confirms=True, on_return_raises=True)
            exchange = await declare_events_exchange(channel)
            yield Infrastructure(settings, pool, amqp, exchange, service)
        finally:
            await amqp.close()
    finally:
        await pool.close()


def _lock_timeout(seconds: float | None) -> dict[str, str]:
    return {} if seconds is None else {"lock_timeout": f"{max(1, round(seconds * 1000))}ms"}


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT, for services that then finish in-flight work."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    return stop
