"""The one consumer base every queue worker of Lotse uses.

Ack policy, for every queue: a message is acknowledged only after the handler's transaction
committed. Failures are sorted into three kinds:

* malformed or :class:`PermanentError` -> published to the dead-letter queue with the reason
  in the ``x-lotse-dead-reason`` header, then acked (never requeued, so never a loop);
* anything else is transient -> republished to a delayed-retry queue (TTL, then back to the
  work queue) with ``x-lotse-attempt`` counting up, then acked; after ``MAX_ATTEMPTS`` it is
  dead-lettered instead;
* a crash before the ack -> the broker redelivers; the processed-messages table makes the
  second delivery a no-op, and the quorum queue's delivery limit dead-letters a message that
  kills its consumer every time.

Messages that arrive together are handled together: one transaction records and handles all of
them, and one ack (``multiple``) settles them, instead of a transaction and an ack each. If
anything in that transaction fails, it is rolled back and each message is handled again on its
own, so a failure is sorted exactly as above and never touches the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from abc import ABC, abstractmethod
from datetime import UTC, datetime
from typing import ClassVar, Final

import aio_pika
import asyncpg
from aio_pika.abc import (
    AbstractChannel,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
    HeadersType,
)

from lotse.shared import metrics
from lotse.shared.events import EVENT_TYPES, Event, MalformedEvent, parse_event
from lotse.shared.logs import redact
from lotse.shared.queue_guard import QueueGuard
from lotse.shared.topology import DEAD_LETTER_EXCHANGE, QueueSpec

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-lotse-attempt"
DEAD_REASON_HEADER = "x-lotse-dead-reason"
DEAD_AT_HEADER: Final = "x-lotse-dead-at"
CONSUMER_HEADER: Final = "x-lotse-consumer"
#: Records messages ($2 ids, $3 types) as processed by consumer $1; returns the ids not seen before.
#: A consumer that handles its events in the same statement embeds it (see record_and_handle_at_once).
RECORD_MESSAGES: Final = """INSERT INTO processed_messages (consumer, message_id, type)
    SELECT $1, message_id, type FROM unnest($2::uuid[], $3::text[]) AS m (message_id, type)
    ON CONFLICT DO NOTHING RETURNING message_id"""


def persistent_copy(message: AbstractIncomingMessage, headers: HeadersType) -> aio_pika.Message:
    """``message`` to publish again (a delayed retry, a dead letter, a replay): its body and
    properties as they were, persistent, with ``headers`` as its headers."""
    return aio_pika.Message(
        message.body,
        headers=headers,
        content_type=message.content_type,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=message.message_id,
        type=message.type,
        timestamp=message.timestamp,
    )


class PermanentError(Exception):
    """Retrying cannot help (e.g. the event refers to something that can never exist)."""


class Consumer(ABC):
    #: processed_messages.consumer; also the logger field that names the worker.
    name: ClassVar[str]
    queue_spec: ClassVar[QueueSpec]
    #: Event types the handler acts on. Others that reach the queue (a wildcard binding) are
    #: acked at once: no transaction, no processed-messages row.
    HANDLES: ClassVar[frozenset[str]] = EVENT_TYPES
    #: Unacked messages the broker hands us at once; also the most handled in one transaction.
    PREFETCH: ClassVar[int] = 100
    #: Deliveries of one message (first try + delayed retries) before it is dead-lettered.
    MAX_ATTEMPTS: ClassVar[int] = 5
    #: Seconds allowed for a retry or dead-letter publish to be confirmed.
    PUBLISH_TIMEOUT_S: ClassVar[float] = 5.0

    def __init__(self, pool: asyncpg.Pool, connection: AbstractRobustConnection | None) -> None:
        """``connection``: None only where a test calls the handlers without a broker."""
        self.pool = pool
        self._connection = connection
        self._channel: AbstractChannel | None = None
        self._queue: AbstractQueue | None = None
        self._consumer_tag: str | None = None
        self._guard: QueueGuard | None = None
        self._arrived: list[AbstractIncomingMessage] = []
        self._draining: asyncio.Task[None] | None = None

    @abstractmethod
    async def handle(self, conn: asyncpg.Connection, event: Event) -> None:
        """Apply the event's effect; runs inside the transaction that records the message."""

    async def handle_all(self, conn: asyncpg.Connection, batch: list[Event]) -> None:
        """Apply a batch's events in order, in one transaction; override to write them together."""
        for event in batch:
            await self.handle(conn, event)

    async def after_commit(self, event: Event) -> None:  # noqa: B027 - optional hook
        """Runs after the transaction committed (e.g. to wake a sender loop)."""

    async def start(self) -> None:
        if self._connection is None:
            raise RuntimeError(f"consumer {self.name} has no broker connection to start on")
        self._channel = await self._connection.channel(publisher_confirms=True)
        await self._channel.set_qos(prefetch_count=self.PREFETCH)
        self._queue = await self._channel.get_queue(self.queue_spec.name, ensure=True)
        self._consumer_tag = await self._queue.consume(self._on_message)
        self._guard = QueueGuard(self._connection, self._channel, self.queue_spec, self._consumer_tag)
        await self._guard.watch()
        log.info("consumer started", extra={"consumer": self.name, "queue": self.queue_spec.name})

    async def stop(self) -> None:
        """Stop taking messages, let the ones in hand finish, then close the channel."""
        if self._guard is not None:
            await self._guard.stop()
        if self._queue is not None and self._consumer_tag is not None:
            with contextlib.suppress(Exception):
                await self._queue.cancel(self._consumer_tag)
        if self._draining is not None:
            await asyncio.gather(self._draining, return_exceptions=True)
        if self._channel is not None:
            with contextlib.suppress(Exception):
                await self._channel.close()
        log.info("consumer stopped", extra={"consumer": self.name})

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        # No await before the append: messages stay in delivery order, which the multiple ack needs.
        self._arrived.append(message)
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain(), name=f"{self.name}-drain")

    async def _drain(self) -> None:
        """One batch at a time, each everything that arrived meanwhile: so when a batch is
        acked, every earlier delivery on the channel is settled already."""
        while self._arrived:
            batch, self._arrived = self._arrived, []
            try:
                await self._consume_batch(batch)
            except Exception:  # never leave the rest of the queue waiting on a dead task
                log.exception("batch failed unexpectedly", extra={"consumer": self.name})

    async def _consume_batch(self, batch: list[AbstractIncomingMessage]) -> None:
        if len(batch) == 1:
            await self._consume(batch[0])
            return
        started = time.perf_counter()
        handled: list[tuple[AbstractIncomingMessage, Event]] = []
        for message in batch:
            try:
                event = parse_event(message.body)
            except Exception:  # sorted, dead-lettered and acked by _consume
                await self._consume(message)
                continue
            if event.type in self.HANDLES:
                handled.append((message, event))
            else:
                metrics.EVENTS.labels(self.name, event.type, "ignored").inc()
        try:
            first_times = await self._process_batch([event for _, event in handled])
        except Exception as exc:
            log.info("batch rolled back; its messages are handled one by one",
                     extra={"consumer": self.name, "messages": len(handled), "error": f"{type(exc).__name__}"})
            for message in batch:
                if not message.processed:
                    await self._consume(message)
            return
        unsettled = [m for m in batch if not m.processed]
        if unsettled:
            await _ack(unsettled[-1], multiple=True)  # settles every earlier delivery too
        elapsed = time.perf_counter() - started
        for (_, event), first_time in zip(handled, first_times, strict=True):
            metrics.EVENTS.labels(self.name, event.type, "processed" if first_time else "duplicate").inc()
            metrics.EVENT_LATENCY.labels(self.name, event.type).observe(elapsed)
            if first_time:
                await self.after_commit(event)
        log.info("messages processed", extra={"consumer": self.name, "messages": len(batch),
                                              "handled": sum(first_times), "ms": round(elapsed * 1000, 1)})

    async def record_and_handle_at_once(self, conn: asyncpg.Connection, batch: list[Event]) -> set[uuid.UUID] | None:
        """Record and handle ``batch`` in one statement, if this consumer can for these events;
        returns the ids recorded now (first times). None: they need `_process_batch`'s transaction.

        One statement is atomic on its own: it saves the transaction's BEGIN and COMMIT and the
        separate record, three of a small batch's four round trips to the database.
        """
        return None

    async def _process_batch(self, batch: list[Event]) -> list[bool]:
        """Record and handle events in one transaction; for each, whether it was new."""
        if not batch:
            return []
        async with self.pool.acquire() as conn:
            new = await self.record_and_handle_at_once(conn, batch)
            if new is not None:
                return _first_times(batch, new)
            async with conn.transaction():
                new = {row["message_id"] for row in await conn.fetch(
                    RECORD_MESSAGES, self.name, [e.id for e in batch], [e.type for e in batch])}
                first_times = _first_times(batch, new)
                await self.handle_all(conn, [e for e, first in zip(batch, first_times, strict=True) if first])
        return first_times

    async def _consume(self, message: AbstractIncomingMessage) -> None:
        started = time.perf_counter()
        attempt = _attempt(message)
        try:
            event = parse_event(message.body)
        except MalformedEvent as exc:
            await self._dead_letter(message, f"malformed: {exc}", attempt)
            metrics.EVENTS.labels(self.name, "malformed", "dead_lettered").inc()
            return
        except Exception as exc:  # a body no parser copes with must not leave the message unacked
            await self._dead_letter(message, f"malformed: {type(exc).__name__}", attempt)
            metrics.EVENTS.labels(self.name, "malformed", "dead_lettered").inc()
            return
        if event.type not in self.HANDLES:
            await _ack(message)
            metrics.EVENTS.labels(self.name, event.type, "ignored").inc()
            return
        fields = {"consumer": self.name, "event_id": str(event.id), "type": event.type}
        try:
            [first_time] = await self._process_batch([event])
        except (PermanentError, MalformedEvent) as exc:
            await self._dead_letter(message, f"permanent: {exc}", attempt)
            metrics.EVENTS.labels(self.name, event.type, "dead_lettered").inc()
            return
        except Exception as exc:
            # Redacted before it is cut: a cut address would no longer look like one.
            reason = redact(f"{type(exc).__name__}: {exc}")[:500]
            if attempt >= self.MAX_ATTEMPTS:
                await self._dead_letter(message, f"gave up after {attempt} attempts: {reason}", attempt)
                metrics.EVENTS.labels(self.name, event.type, "dead_lettered").inc()
            else:
                log.warning("message failed, will retry", extra={**fields, "attempt": attempt, "error": reason})
                await self._retry_later(message, attempt)
                metrics.EVENTS.labels(self.name, event.type, "retried").inc()
            return
        await _ack(message)
        elapsed = time.perf_counter() - started
        metrics.EVENTS.labels(self.name, event.type, "processed" if first_time else "duplicate").inc()
        metrics.EVENT_LATENCY.labels(self.name, event.type).observe(elapsed)
        if first_time:
            await self.after_commit(event)
        log.info(
            "message processed" if first_time else "duplicate message skipped",
            extra={**fields, "ms": round(elapsed * 1000, 1)},
        )

    def _copy(self, message: AbstractIncomingMessage, headers: HeadersType) -> aio_pika.Message:
        return persistent_copy(message, {**(message.headers or {}), **headers})

    async def _retry_later(self, message: AbstractIncomingMessage, attempt: int) -> None:
        delays = self.queue_spec.retry_delays_s
        delay = delays[min(attempt - 1, len(delays) - 1)]
        assert self._channel is not None
        try:
            await self._channel.default_exchange.publish(
                self._copy(message, {ATTEMPT_HEADER: attempt + 1}),
                routing_key=self.queue_spec.retry_queue(delay),
                timeout=self.PUBLISH_TIMEOUT_S,
            )
        except Exception as exc:
            # Could not park it: hand it back to the broker; redelivery tries again.
            log.warning("retry publish failed", extra={"consumer": self.name, "error": str(exc)})
            with contextlib.suppress(Exception):
                await message.nack(requeue=True)
            return
        await _ack(message)

    async def _dead_letter(self, message: AbstractIncomingMessage, reason: str, attempt: int) -> None:
        # Exception text can carry values (asyncpg: 'Key (email)=(…) already exists'); the header
        # stays in the broker, out of erasure's reach, so it gets what the log lines get.
        reason = redact(reason)
        log.error(
            "message dead-lettered",
            extra={"consumer": self.name, "message_id": message.message_id, "reason": reason},
        )
        assert self._channel is not None
        try:
            exchange = await self._channel.get_exchange(DEAD_LETTER_EXCHANGE, ensure=False)
            await exchange.publish(
                self._copy(
                    message,
                    {
                        DEAD_REASON_HEADER: reason[:1000],
                        ATTEMPT_HEADER: attempt,
                        DEAD_AT_HEADER: datetime.now(UTC).isoformat(),
                        CONSUMER_HEADER: self.name,
                    },
                ),
                routing_key=self.queue_spec.name,
                timeout=self.PUBLISH_TIMEOUT_S,
            )
        except Exception as exc:
            # The queue's own dead-letter exchange still takes it, without our reason header.
            log.warning("dead-letter publish failed", extra={"consumer": self.name, "error": str(exc)})
            with contextlib.suppress(Exception):
                await message.reject(requeue=False)
            return
        await _ack(message)


def _first_times(batch: list[Event], new: set[uuid.UUID]) -> list[bool]:
    """For each event, whether this batch recorded it; the same message twice in one batch counts once."""
    first_times = []
    for event in batch:
        first_times.append(event.id in new)
        new.discard(event.id)
    return first_times


def _attempt(message: AbstractIncomingMessage) -> int:
    raw = (message.headers or {}).get(ATTEMPT_HEADER, 1)
    try:
        return max(1, int(raw))  # type: ignore[arg-type]  # a broken header is caught below
    except (TypeError, ValueError):
        return 1


async def _ack(message: AbstractIncomingMessage, *, multiple: bool = False) -> None:
    try:
        await message.ack(multiple=multiple)
    except Exception as exc:
        # The channel died after we committed (aio-pika #501): the broker will redeliver, and
        # the processed-messages row turns that redelivery into a no-op.
        log.warning("ack failed; redelivery will be skipped as duplicate", extra={"error": str(exc)})
