"""Poison messages in a burst, against the real matcher and notifier consumers: each lands in its
service's dead-letter queue with a reason, every good message is processed once, nothing crashes."""

from __future__ import annotations

import json
import random
import uuid

import aio_pika
import asyncpg
from aio_pika.abc import AbstractRobustConnection

from lotse.matcher.consumer import MatcherConsumer
from lotse.notifier.consumer import NotifierConsumer
from lotse.shared import events
from lotse.shared.consumer import DEAD_REASON_HEADER
from lotse.shared.topology import MATCHER_QUEUE, NOTIFIER_QUEUE, declare_events_exchange
from tests.conftest import eventually, queue_depth

GOOD = 400

POISON: list[bytes] = [
    b"{not json",
    b"\xff\xfe\x00 not utf-8",
    b"[1, 2, 3]",
    json.dumps({"id": str(uuid.uuid4()), "type": "participant.updated", "version": 1, "occurred_at":
                "2026-11-23T10:00:00+00:00", "data": {"participant_id": "not-a-uuid", "kind": "mentor"}}).encode(),
    json.dumps({"id": str(uuid.uuid4()), "type": "participant.updated", "version": 99, "occurred_at":
                "2026-11-23T10:00:00+00:00", "data": {"participant_id": str(uuid.uuid4()), "kind": "mentor"}}).encode(),
    json.dumps({"id": str(uuid.uuid4()), "type": "participant.updated", "version": 1,
                "data": {"kind": "mentor"}}).encode(),
    b'{"deep": ' * 5000 + b"1" + b"}" * 5000,
]


async def _dead(amqp: AbstractRobustConnection, queue_name: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    channel = await amqp.channel()
    queue = await channel.get_queue(queue_name)
    found = []
    while (message := await queue.get(fail=False, no_ack=True)) is not None:
        found.append(message)
    await channel.close()
    return found


async def test_poison_in_a_burst_is_dead_lettered_while_good_messages_flow(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, clean_queues: None
) -> None:
    matcher = MatcherConsumer(pool, amqp)
    notifier = NotifierConsumer(pool, amqp, on_committed=lambda: None)
    await matcher.start()
    await notifier.start()
    try:
        good = [events.new_event(events.PARTICIPANT_UPDATED, participant_id=uuid.uuid4(), kind="mentor")
                for _ in range(GOOD)]
        burst: list[tuple[bytes, str]] = [(e.to_json(), str(e.id)) for e in good]
        for body in POISON:
            burst.insert(random.randrange(len(burst)), (body, str(uuid.uuid4())))
        channel = await amqp.channel(publisher_confirms=True)
        exchange = await declare_events_exchange(channel)
        for body, message_id in burst:
            await exchange.publish(aio_pika.Message(body, message_id=message_id,
                                                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                                   routing_key=events.PARTICIPANT_UPDATED)
        await channel.close()

        async def all_good_processed() -> bool:
            done = await pool.fetch("SELECT consumer, count(*) AS n FROM processed_messages "
                                    "WHERE message_id = ANY($1::uuid[]) GROUP BY consumer", [e.id for e in good])
            # The notifier acts on no participant.updated: it acks them without a record.
            return {r["consumer"]: r["n"] for r in done} == {"matcher": GOOD}

        await eventually(all_good_processed, timeout=60)
        for spec in (MATCHER_QUEUE, NOTIFIER_QUEUE):
            seen: list[aio_pika.abc.AbstractIncomingMessage] = []

            async def dead_lettered(
                queue_name: str = spec.dead_letter_queue, seen: list[aio_pika.abc.AbstractIncomingMessage] = seen
            ) -> bool:
                seen.extend(await _dead(amqp, queue_name))
                return len(seen) >= len(POISON)

            await eventually(dead_lettered, timeout=30)
            assert len(seen) == len(POISON), spec.name
            assert all(str(m.headers.get(DEAD_REASON_HEADER, "")) for m in seen)
            assert await queue_depth(amqp, spec.name) == 0

        # Both consumers are still alive: one more good event is processed by each.
        after = events.new_event(events.PARTICIPANT_UPDATED, participant_id=uuid.uuid4(), kind="newcomer")
        channel = await amqp.channel(publisher_confirms=True)
        exchange = await declare_events_exchange(channel)
        await exchange.publish(aio_pika.Message(after.to_json(), message_id=str(after.id)),
                               routing_key=events.PARTICIPANT_UPDATED)
        await channel.close()

        async def still_consuming() -> bool:
            processed = await pool.fetchval("SELECT count(*) FROM processed_messages WHERE message_id = $1",
                                            after.id)
            return processed == 1 and await queue_depth(amqp, NOTIFIER_QUEUE.name) == 0

        await eventually(still_consuming, timeout=30)
    finally:
        await matcher.stop()
        await notifier.stop()
