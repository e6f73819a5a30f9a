"""Every exchange and queue of Lotse, named in one place and declared by every service.

Each service declares the whole topology at start-up (declarations are idempotent), so an
event is routable as soon as any service has run once, whichever started first: the outbox
relay publishes with ``mandatory=True`` and treats an unroutable message as not published.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractQueue,
    AbstractRobustConnection,
    FieldValue,
)
from aiormq.exceptions import ChannelClosed

from lotse.shared.events import EXCHANGE

log = logging.getLogger(__name__)

DEAD_LETTER_EXCHANGE = "lotse.dead"


@dataclass(frozen=True, slots=True)
class QueueSpec:
    """A work queue with its dead-letter queue and delayed-retry queues."""

    name: str
    bindings: tuple[str, ...]
    #: Bindings of earlier versions, removed at start-up so the queue stops receiving them.
    retired_bindings: tuple[str, ...] = ()
    # Quorum queues dead-letter a message redelivered this many times (a consumer that
    # crashes on it every time), so a poison message cannot loop forever.
    delivery_limit: int = 10
    retry_delays_s: tuple[int, ...] = (1, 5, 30, 120)

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.name}.dead"

    def retry_queue(self, delay_s: int) -> str:
        return f"{self.name}.retry.{delay_s}s"


# Bound to exactly the events the matcher acts on: every registration, erasure and suggestion
# would otherwise cost it a delivery, a transaction and an ack for nothing.
MATCHER_QUEUE = QueueSpec(
    name="matcher.events",
    bindings=(
        "participant.verified", "participant.updated", "match.approved", "match.rejected",
        "match.withdrawn", "match.responded", "match.ended", "matching.round_requested",
    ),
    retired_bindings=("participant.*", "match.*"),
)
NOTIFIER_QUEUE = QueueSpec(
    name="notifier.events",
    bindings=("notification.requested", "participant.*", "match.*", "matching.round_completed"),
)
QUEUES = (MATCHER_QUEUE, NOTIFIER_QUEUE)


async def declare_events_exchange(channel: AbstractChannel) -> AbstractExchange:
    return await channel.declare_exchange(EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)


async def _declare_quorum_or_classic(
    connection: AbstractRobustConnection, channel: AbstractChannel, spec: QueueSpec
) -> tuple[AbstractChannel, AbstractQueue]:
    arguments: dict[str, FieldValue] = {
        "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
        "x-dead-letter-routing-key": spec.name,
    }
    quorum: dict[str, FieldValue] = {"x-queue-type": "quorum", "x-delivery-limit": spec.delivery_limit}
    try:
        queue = await channel.declare_queue(spec.name, durable=True, arguments={**arguments, **quorum})
    except ChannelClosed as exc:
        # An older broker without quorum queues, or a classic queue of that name already
        # exists: the broker closed the channel, so continue on a fresh one.
        log.warning("quorum queue refused, using a classic queue", extra={"queue": spec.name, "reason": str(exc)})
        channel = await connection.channel()
        queue = await channel.declare_queue(spec.name, durable=True, arguments=arguments)
    return channel, queue


async def declare_queue(connection: AbstractRobustConnection, spec: QueueSpec) -> None:
    """Declare one work queue with its bindings, dead-letter queue and retry queues."""
    channel: AbstractChannel = await connection.channel()
    try:
        events = await declare_events_exchange(channel)
        dead = await channel.declare_exchange(DEAD_LETTER_EXCHANGE, aio_pika.ExchangeType.DIRECT, durable=True)
        channel, queue = await _declare_quorum_or_classic(connection, channel, spec)
        for routing_key in spec.bindings:
            await queue.bind(events, routing_key)
        for routing_key in spec.retired_bindings:
            await queue.unbind(events, routing_key)  # a binding that does not exist is no error
        dlq = await channel.declare_queue(spec.dead_letter_queue, durable=True)
        await dlq.bind(dead, spec.name)
        for delay in spec.retry_delays_s:
            # Expired messages go back to the work queue through the default exchange.
            await channel.declare_queue(
                spec.retry_queue(delay),
                durable=True,
                arguments={
                    "x-message-ttl": delay * 1000,
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": spec.name,
                },
            )
    finally:
        await channel.close()


async def declare_topology(connection: AbstractRobustConnection) -> None:
    for spec in QUEUES:
        await declare_queue(connection, spec)
