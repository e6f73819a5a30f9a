"""A work queue deleted under its consumer is declared again at once (review 10b, F5).

When a queue is deleted (by hand, by a policy, by a broker node's loss) RabbitMQ cancels its
consumers. aio-pika's robust channel then waits for the queue to exist again and consumes as soon
as it does, but nothing made it exist: the service said nothing, /metrics stayed green, and every
event published meanwhile reached the other services' queues only and was lost for this one. The
guard says so, counts it, and declares the queue with its bindings, dead-letter and retry queues
(the same declaration a start makes); the robust channel's next recovery attempt, within its
reconnect interval, finds the queue and consumes again.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

import aiormq
from aio_pika.abc import AbstractRobustChannel, AbstractRobustConnection

from lotse.shared import metrics
from lotse.shared.topology import QueueSpec, declare_queue

log = logging.getLogger(__name__)

#: Seconds between attempts to declare the queue again while the broker refuses.
RETRY_S: Final = 1.0


class QueueGuard:
    """Watches one consumer's channel for the broker's cancel of ``tag`` and declares ``spec`` again."""

    def __init__(self, connection: AbstractRobustConnection, channel: AbstractRobustChannel, spec: QueueSpec,
                 tag: str) -> None:
        self._connection = connection
        self._channel = channel
        self._spec = spec
        self._tag = tag
        self._declaring: asyncio.Task[None] | None = None

    async def watch(self) -> None:
        """Hear the broker on the channel now and on every channel that replaces it after a reconnect."""
        await self._hear_cancels()
        self._channel.reopen_callbacks.add(self._on_reopen)

    async def stop(self) -> None:
        self._channel.reopen_callbacks.discard(self._on_reopen)
        if self._declaring is not None:
            self._declaring.cancel()
            await asyncio.gather(self._declaring, return_exceptions=True)

    async def _on_reopen(self, _channel: object) -> None:
        await self._hear_cancels()

    async def _hear_cancels(self) -> None:
        underlay = await self._channel.get_underlay_channel()
        underlay.on_consumer_cancel_callbacks.add(self._on_cancel)

    def _on_cancel(self, frame: aiormq.spec.Basic.Cancel) -> None:
        if frame.consumer_tag != self._tag or (self._declaring is not None and not self._declaring.done()):
            return
        log.warning("queue deleted under its consumer: declaring it again", extra={"queue": self._spec.name})
        metrics.QUEUE_DELETED.labels(queue=self._spec.name).inc()
        self._declaring = asyncio.create_task(self._declare_again(), name=f"declare-{self._spec.name}")

    async def _declare_again(self) -> None:
        while True:
            try:
                await declare_queue(self._connection, self._spec)
            except (TimeoutError, aiormq.AMQPError, ConnectionError) as exc:
                log.warning("queue not declared yet, trying again", extra={"queue": self._spec.name,
                                                                           "reason": str(exc)})
                await asyncio.sleep(RETRY_S)
                continue
            log.warning("queue declared again; consuming resumes within the reconnect interval",
                        extra={"queue": self._spec.name})
            return
