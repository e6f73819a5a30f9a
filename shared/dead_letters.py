"""`lotse dead-letters`: count, read and replay the messages in the services' dead-letter queues.

Works on any broker (no management or shovel plugin), with the same LOTSE_AMQP_URL as the services.

* Reading takes messages with ``basic.get`` unacknowledged and hands them all back with one
  ``nack(requeue=True, multiple=True)``: RabbitMQ puts a requeued message back at its place, so
  the queue's order and count are what they were.
* Replaying publishes a copy to the service's work queue, waits for the broker's confirm (and
  ``mandatory``: an unroutable copy is an error), and only then acks the dead letter. A crash in
  between leaves the dead letter in place and its copy in the work queue: replayed twice at most,
  which the consumers' processed-messages record turns into one effect (at-least-once, as every
  delivery). Messages passed over (``--id``) are handed back in place the same way as reading.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue, AbstractRobustConnection

from lotse.shared.consumer import ATTEMPT_HEADER, CONSUMER_HEADER, DEAD_AT_HEADER, DEAD_REASON_HEADER, persistent_copy
from lotse.shared.dependencies import BROKER, DependencyError, naming
from lotse.shared.topology import QUEUES, QueueSpec, declare_topology

#: Counts how often a message was replayed, so one that keeps coming back is visible.
REPLAYS_HEADER: Final = "x-lotse-replays"
#: Shown for each message, in this order; the consumer sets them when it dead-letters.
SHOWN_HEADERS: Final = (DEAD_REASON_HEADER, CONSUMER_HEADER, DEAD_AT_HEADER, ATTEMPT_HEADER)
#: Dropped from a replayed copy: a fresh start gets the whole retry budget (1 s … 120 s) again
#: instead of being dead-lettered after one more transient failure.
_DEAD_HEADERS: Final = (*SHOWN_HEADERS, "x-death", "x-first-death-exchange", "x-first-death-queue",
                        "x-first-death-reason", "x-last-death-exchange", "x-last-death-queue",
                        "x-last-death-reason")
PUBLISH_TIMEOUT_S: Final = 10.0


class UnknownQueue(ValueError):
    """The name is none of the service queues (or their dead-letter queues)."""


def find_queue(name: str) -> QueueSpec:
    """The service queue named ``matcher.events``, ``matcher`` or ``matcher.events.dead``."""
    for spec in QUEUES:
        if name in {spec.name, spec.dead_letter_queue, spec.name.split(".")[0]}:
            return spec
    raise UnknownQueue(f"unknown queue {name!r}; one of {', '.join(spec.name for spec in QUEUES)}")


@dataclass(frozen=True, slots=True)
class DeadLetter:
    event_type: str
    event_id: str
    headers: dict[str, str]


def describe(message: AbstractIncomingMessage) -> DeadLetter:
    """What a person needs to decide about a dead letter; a body that is not an event says so."""
    event_type, event_id = message.type or "-", message.message_id or "-"
    try:
        envelope = json.loads(message.body)
    except (ValueError, RecursionError):  # the very reason it was dead-lettered, often
        envelope = None
    if isinstance(envelope, dict):
        event_type = str(envelope.get("type") or event_type)
        event_id = str(envelope.get("id") or event_id)
    headers = message.headers or {}
    shown = {name: _text(headers.get(name)) for name in SHOWN_HEADERS}
    if shown[DEAD_REASON_HEADER] == "-" and "x-first-death-reason" in headers:
        # Dead-lettered by the broker itself (the quorum queue's delivery limit), not by a consumer.
        shown[DEAD_REASON_HEADER] = f"broker: {_text(headers['x-first-death-reason'])}"
    # How often it was replayed already: one that died again straight after a replay shows 1 or more
    # here, which the count after `replay` alone cannot tell apart from one not moved (review 8h, 9).
    shown[REPLAYS_HEADER] = _text(headers.get(REPLAYS_HEADER, 0))
    return DeadLetter(event_type, event_id, shown)


def _text(value: object) -> str:
    if value is None:
        return "-"
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


async def _dead_letter_queue(channel: AbstractChannel, spec: QueueSpec) -> tuple[AbstractQueue, int]:
    queue = await channel.declare_queue(spec.dead_letter_queue, passive=True)
    return queue, int(queue.declaration_result.message_count or 0)


async def counts(
    connection: AbstractRobustConnection, specs: tuple[QueueSpec, ...] = QUEUES
) -> list[tuple[QueueSpec, int]]:
    """Each service queue with the number of messages waiting in its dead-letter queue."""
    channel = await connection.channel()
    try:
        return [(spec, (await _dead_letter_queue(channel, spec))[1]) for spec in specs]
    finally:
        await channel.close()


async def _take(queue: AbstractQueue, most: int) -> list[AbstractIncomingMessage]:
    taken: list[AbstractIncomingMessage] = []
    while len(taken) < most and (message := await queue.get(no_ack=False, fail=False)) is not None:
        taken.append(message)
    return taken


async def _hand_back(messages: list[AbstractIncomingMessage]) -> None:
    """Requeue every unsettled one of ``messages``, each at its old place in the queue."""
    unsettled = [m for m in messages if not m.processed]
    if unsettled:
        # Deliveries on one channel are numbered in order: the last one's multiple nack covers
        # exactly the earlier unsettled ones (settled ones are no longer outstanding).
        await unsettled[-1].nack(requeue=True, multiple=True)


async def peek(connection: AbstractRobustConnection, spec: QueueSpec, limit: int) -> tuple[int, list[DeadLetter]]:
    """The queue's depth and its first ``limit`` dead letters, which stay where they are."""
    channel = await connection.channel()
    try:
        queue, depth = await _dead_letter_queue(channel, spec)
        taken = await _take(queue, min(limit, depth))
        try:
            return depth, [describe(m) for m in taken]
        finally:
            await _hand_back(taken)
    finally:
        await channel.close()


def replay_copy(message: AbstractIncomingMessage) -> aio_pika.Message:
    headers = {k: v for k, v in (message.headers or {}).items() if k not in _DEAD_HEADERS}
    replays = headers.get(REPLAYS_HEADER, 0)
    headers[REPLAYS_HEADER] = (replays if isinstance(replays, int) else 0) + 1
    return persistent_copy(message, headers)


async def _settle(message: AbstractIncomingMessage) -> None:
    """Removes a replayed dead letter; only after its copy was confirmed (a seam for the tests)."""
    await message.ack()


async def replay(
    connection: AbstractRobustConnection,
    spec: QueueSpec,
    *,
    limit: int | None = None,
    event_id: str | None = None,
    on_replayed: Callable[[DeadLetter], None] = lambda _: None,
) -> tuple[int, int]:
    """Move dead letters back to ``spec``'s work queue, oldest first: all of them, the first
    ``limit``, or those with ``event_id``. Returns (replayed, left in the dead-letter queue)."""
    channel = await connection.channel(publisher_confirms=True)
    try:
        queue, depth = await _dead_letter_queue(channel, spec)
        passed_over: list[AbstractIncomingMessage] = []
        replayed = 0
        try:
            # At most the messages there now: one dead-lettered again meanwhile waits at the end
            # of the queue and must not be replayed in a loop.
            for _ in range(depth):
                if limit is not None and replayed >= limit:
                    break
                message = await queue.get(no_ack=False, fail=False)
                if message is None:
                    break
                dead = describe(message)
                if event_id is not None and event_id not in {dead.event_id, message.message_id}:
                    passed_over.append(message)
                    continue
                await channel.default_exchange.publish(
                    replay_copy(message), routing_key=spec.name, mandatory=True, timeout=PUBLISH_TIMEOUT_S)
                await _settle(message)
                replayed += 1
                on_replayed(dead)
        finally:
            await _hand_back(passed_over)
    finally:
        await channel.close()
    # Counted on a fresh channel: the close waits until the broker has settled this channel's
    # acks and requeues, which a count on the same channel right after them may not see yet.
    return replayed, (await counts(connection, (spec,)))[0][1]


async def run(amqp_url: str, action: str, queue_name: str | None, *, limit: int | None = None,
              event_id: str | None = None) -> int:
    """The command: prints to stdout; returns the exit status."""
    try:
        spec = find_queue(queue_name) if queue_name is not None else None
    except UnknownQueue as exc:
        print(f"lotse dead-letters: {exc}", file=sys.stderr)
        return 2
    try:
        with naming(BROKER, amqp_url):  # the cause in one line (refused login, vhost), never the password
            connection = await aio_pika.connect_robust(amqp_url)
    except DependencyError as exc:
        print(f"lotse dead-letters: {exc}", file=sys.stderr)
        return 1
    try:
        # As every service does at start: the queues exist even if no service has run yet.
        await declare_topology(connection)
        if action == "list":
            print(f"{'queue':<20} {'dead letters':>12}  dead-letter queue")
            for spec, depth in await counts(connection):
                print(f"{spec.name:<20} {depth:>12}  {spec.dead_letter_queue}")
            return 0
        assert spec is not None  # the parser insists on a queue for show and replay
        if action == "show":
            depth, shown = await peek(connection, spec, 20 if limit is None else limit)
            print(f"{spec.dead_letter_queue}: {depth} message(s), the first {len(shown)} shown, none removed")
            for number, dead in enumerate(shown, 1):
                print(f"{number}. {dead.event_type} {dead.event_id}")
                for name, value in dead.headers.items():
                    print(f"   {name}: {value}")
            return 0
        replayed, left = await replay(
            connection, spec, limit=limit, event_id=event_id,
            on_replayed=lambda dead: print(f"replayed {dead.event_type} {dead.event_id}"))
        # The depth now, not "left behind": a replayed message that failed again at once is back in
        # the dead-letter queue already, with its x-lotse-replays shown by `show` (review 8h, 9).
        again = f" (a replayed message may have failed again: see `lotse dead-letters show {spec.name}`)"
        print(f"{replayed} message(s) moved from {spec.dead_letter_queue} to {spec.name}; "
              f"{spec.dead_letter_queue} now holds {left}{again if replayed and left else ''}")
        if event_id is not None and not replayed:
            print(f"no message with id {event_id} in {spec.dead_letter_queue}")
            return 1
        return 0
    finally:
        await connection.close()
