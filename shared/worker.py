"""Run a queue-consuming service until SIGTERM, then shut down in the safe order."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from lotse.shared import heap, metrics, supervise
from lotse.shared.config import Settings
from lotse.shared.consumer import Consumer
from lotse.shared.runtime import Infrastructure, infrastructure, stop_on_signals

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Components:
    consumers: Sequence[Consumer]
    background: Sequence[Awaitable[None]] = field(default_factory=tuple)
    with_relay: bool = True  # only services that write outbox rows need a relay


Setup = Callable[[Infrastructure], Components]


async def serve(settings: Settings, service: str, setup: Setup, *, stop: asyncio.Event | None = None) -> None:
    stop = stop or stop_on_signals()
    async with infrastructure(settings, service) as infra, metrics.served(settings.metrics_port):
        parts = setup(infra)
        # Named after their coroutine ("DeliveryLoop.run"): the line of one that dies says which.
        tasks = [asyncio.ensure_future(job) for job in parts.background]
        for task, job in zip(tasks, parts.background, strict=True):
            task.set_name(getattr(job, "__qualname__", task.get_name()))
        if parts.with_relay:
            tasks.append(asyncio.create_task(infra.outbox_relay().run(), name="outbox-relay"))
        for task in tasks:
            supervise.watch(task, stop.set)  # a loop that dies stops the service (exit 1)
        for consumer in parts.consumers:
            await consumer.start()
        heap.settle()
        log.info("%s ready", service)
        await stop.wait()
        log.info("%s stopping: finishing messages in hand", service)
        # Order matters: stop taking messages and finish those in hand first, so their
        # outbox rows are committed before the relay and the connections go away.
        for consumer in parts.consumers:
            await consumer.stop()
        for task in tasks:
            task.cancel()
        # A task that failed was logged by supervise.watch when it did; its exception is not raised again.
        await asyncio.gather(*tasks, return_exceptions=True)
    log.info("%s stopped", service)


def run_service(settings: Settings, service: str, setup: Setup) -> int:
    asyncio.run(serve(settings, service, setup))
    return supervise.exit_code()
