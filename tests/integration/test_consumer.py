"""The consumer base against real RabbitMQ and PostgreSQL: idempotency, retries, dead letters."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import aio_pika
import asyncpg
import pytest
from aio_pika.abc import AbstractRobustConnection

from lotse.shared import events
from lotse.shared.config import Settings
from lotse.shared.consumer import DEAD_REASON_HEADER
from lotse.shared.topology import QueueSpec, declare_events_exchange, declare_queue
from tests.conftest import eventually, queue_depth
from tests.integration.consumer_fixtures import (
    EFFECTS_TABLE,
    Behaviour,
    RecordingConsumer,
    make_queue_spec,
)


@pytest.fixture
async def spec(amqp: AbstractRobustConnection, pool: asyncpg.Pool) -> AsyncIterator[QueueSpec]:
    await pool.execute(EFFECTS_TABLE)
    spec = make_queue_spec()
    await declare_queue(amqp, spec)
    yield spec
    channel = await amqp.channel()
    for name in (spec.name, spec.dead_letter_queue, *map(spec.retry_queue, spec.retry_delays_s)):
        await channel.queue_delete(name)
    await channel.close()


async def publish(amqp: AbstractRobustConnection, spec: QueueSpec, body: bytes, message_id: str) -> None:
    channel = await amqp.channel()
    try:
        await channel.default_exchange.publish(
            aio_pika.Message(body, message_id=message_id, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=spec.name,
        )
    finally:
        await channel.close()


def an_event() -> events.Event:
    return events.new_event(events.PARTICIPANT_VERIFIED, participant_id=uuid.uuid4(), kind="mentor")


async def effects(pool: asyncpg.Pool, event: events.Event) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM test_effects WHERE message_id = $1", event.id))


async def dead_letters(amqp: AbstractRobustConnection, spec: QueueSpec) -> list[aio_pika.abc.AbstractIncomingMessage]:
    channel = await amqp.channel()
    queue = await channel.get_queue(spec.dead_letter_queue)
    found = []
    while (message := await queue.get(fail=False, no_ack=True)) is not None:
        found.append(message)
    await channel.close()
    return found


# What the `running` fixture gives: start a consumer with a behaviour (stopped after the test).
StartConsumer = Callable[[Behaviour], Awaitable[RecordingConsumer]]


@pytest.fixture
async def running(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, spec: QueueSpec
) -> AsyncIterator[StartConsumer]:
    started: list[RecordingConsumer] = []

    async def start(behaviour: Behaviour) -> RecordingConsumer:
        consumer = RecordingConsumer(pool, amqp, spec, behaviour)
        await consumer.start()
        started.append(consumer)
        return consumer

    yield start
    for consumer in started:
        await consumer.stop()


async def test_message_delivered_twice_has_one_effect(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, spec: QueueSpec, running: StartConsumer
) -> None:
    await running(Behaviour())
    event = an_event()
    await publish(amqp, spec, event.to_json(), str(event.id))
    await publish(amqp, spec, event.to_json(), str(event.id))
    await eventually(lambda: effects(pool, event))
    # Both deliveries acked, and the second did nothing.

    await eventually(lambda: _depth_is(amqp, spec.name, 0))
    assert await effects(pool, event) == 1
    assert await pool.fetchval("SELECT count(*) FROM processed_messages WHERE message_id = $1", event.id) == 1


async def test_malformed_message_is_dead_lettered_and_consumer_keeps_going(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, spec: QueueSpec, running: StartConsumer
) -> None:
    await running(Behaviour())
    await publish(amqp, spec, b"{not json", "poison-1")
    await publish(amqp, spec, b'{"type": "no.such.type", "version": 1}', "poison-2")
    good = an_event()
    await publish(amqp, spec, good.to_json(), str(good.id))
    await eventually(lambda: effects(pool, good))
    watch = DeadLetterWatch(amqp, spec)
    dead = await eventually(lambda: watch.at_least(2))
    reasons = sorted(str(m.headers[DEAD_REASON_HEADER]) for m in dead)
    assert reasons[0].startswith("malformed: body is not JSON")
    assert "unknown event type" in reasons[1]


class DeadLetterWatch:
    """Collects what reaches a dead-letter queue, for ``eventually``."""

    def __init__(self, amqp: AbstractRobustConnection, spec: QueueSpec) -> None:
        self._amqp, self._spec = amqp, spec
        self.seen: list[aio_pika.abc.AbstractIncomingMessage] = []

    async def at_least(self, n: int) -> list[aio_pika.abc.AbstractIncomingMessage] | None:
        self.seen += await dead_letters(self._amqp, self._spec)
        return self.seen if len(self.seen) >= n else None


async def test_transient_failures_are_retried_with_delay_then_succeed(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, spec: QueueSpec, running: StartConsumer
) -> None:
    behaviour = Behaviour(fail_times=2)
    await running(behaviour)
    event = an_event()
    await publish(amqp, spec, event.to_json(), str(event.id))
    await eventually(lambda: effects(pool, event), timeout=20)
    assert behaviour.calls[str(event.id)] == 3
    assert await dead_letters(amqp, spec) == []


async def test_retries_are_capped_then_dead_lettered(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, spec: QueueSpec, running: StartConsumer
) -> None:
    behaviour = Behaviour(fail_times=100)
    consumer = await running(behaviour)
    event = an_event()
    await publish(amqp, spec, event.to_json(), str(event.id))
    watch = DeadLetterWatch(amqp, spec)
    dead = await eventually(lambda: watch.at_least(1), timeout=20)
    assert behaviour.calls[str(event.id)] == consumer.MAX_ATTEMPTS
    assert str(dead[0].headers[DEAD_REASON_HEADER]).startswith("gave up after 3 attempts")
    assert await effects(pool, event) == 0


async def test_permanent_failure_goes_straight_to_dead_letters(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, spec: QueueSpec, running: StartConsumer
) -> None:
    behaviour = Behaviour(permanent=True)
    await running(behaviour)
    event = an_event()
    await publish(amqp, spec, event.to_json(), str(event.id))
    watch = DeadLetterWatch(amqp, spec)
    dead = await eventually(lambda: watch.at_least(1))
    assert behaviour.calls[str(event.id)] == 1
    assert "permanent: this can never work" in str(dead[0].headers[DEAD_REASON_HEADER])


# asyncpg's text for a unique violation names the value (review 9a F13).
VALUE_IN_ERROR = ('duplicate key value violates unique constraint "t_e_key"\n'
                  "DETAIL:  Key (e)=(secret.person@example.org) already exists.")


@pytest.mark.parametrize("behaviour", [Behaviour(fail_times=100, says=VALUE_IN_ERROR),
                                       Behaviour(permanent=True, says=VALUE_IN_ERROR)], ids=["retried", "permanent"])
async def test_a_dead_letter_reason_keeps_no_email_address(
    amqp: AbstractRobustConnection, spec: QueueSpec, running: StartConsumer, behaviour: Behaviour
) -> None:
    await running(behaviour)
    event = an_event()
    await publish(amqp, spec, event.to_json(), str(event.id))
    watch = DeadLetterWatch(amqp, spec)
    dead = await eventually(lambda: watch.at_least(1), timeout=20)
    reason = str(dead[0].headers[DEAD_REASON_HEADER])
    assert "Key (e)=([email]) already exists" in reason
    assert "secret.person" not in reason and "example.org" not in reason


async def test_consumer_killed_mid_message_loses_nothing(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, spec: QueueSpec, running: StartConsumer, settings: Settings
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.integration.consumer_fixtures",
        spec.name, settings.database_url, settings.amqp_url,
        stdout=asyncio.subprocess.PIPE,
        cwd=os.getcwd(),
    )
    try:
        assert process.stdout is not None
        assert (await asyncio.wait_for(process.stdout.readline(), 30)).strip() == b"READY"
        event = an_event()
        await publish(amqp, spec, event.to_json(), str(event.id))
        # The victim wrote its effect but has not committed: kill it right there.
        assert (await asyncio.wait_for(process.stdout.readline(), 30)).strip() == b"HOLDING"
        process.send_signal(signal.SIGKILL)
        await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert await effects(pool, event) == 0  # rolled back with the dead process
    await running(Behaviour())
    await eventually(lambda: effects(pool, event))
    assert await effects(pool, event) == 1


async def test_event_the_consumer_does_not_handle_is_acked_without_a_transaction(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, spec: QueueSpec, running: StartConsumer,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(RecordingConsumer, "HANDLES", frozenset({events.PARTICIPANT_UPDATED}))
    await running(Behaviour())
    ignored, handled = an_event(), events.new_event(events.PARTICIPANT_UPDATED, participant_id=uuid.uuid4(),
                                                     kind="mentor")
    await publish(amqp, spec, ignored.to_json(), str(ignored.id))
    await publish(amqp, spec, handled.to_json(), str(handled.id))
    await eventually(lambda: effects(pool, handled))

    await eventually(lambda: _depth_is(amqp, spec.name, 0))
    assert await effects(pool, ignored) == 0
    assert await pool.fetchval("SELECT count(*) FROM processed_messages WHERE message_id = $1", ignored.id) == 0
    assert await dead_letters(amqp, spec) == []


async def test_retired_bindings_are_removed_when_the_topology_is_declared(amqp: AbstractRobustConnection) -> None:
    exchange_channel = await amqp.channel()
    exchange = await declare_events_exchange(exchange_channel)
    old = QueueSpec(name=f"test.{uuid.uuid4().hex[:12]}", bindings=("participant.*",), retry_delays_s=(1,))
    new = QueueSpec(name=old.name, bindings=("participant.verified",), retired_bindings=("participant.*",),
                    retry_delays_s=(1,))
    try:
        await declare_queue(amqp, old)
        await declare_queue(amqp, new)
        await declare_queue(amqp, new)  # again: unbinding what is no longer bound is no error
        for event_type in (events.PARTICIPANT_REGISTERED, events.PARTICIPANT_VERIFIED):
            body = events.new_event(event_type, participant_id=uuid.uuid4(), kind="mentor").to_json()
            await exchange.publish(aio_pika.Message(body), routing_key=event_type)
        queue = await exchange_channel.get_queue(old.name)
        await eventually(lambda: _depth_is(amqp, old.name, 1))
        message = await queue.get(no_ack=True)
        assert message.routing_key == events.PARTICIPANT_VERIFIED
    finally:
        for name in (old.name, old.dead_letter_queue, old.retry_queue(1)):
            await exchange_channel.queue_delete(name)
        await exchange_channel.close()


async def _depth_is(amqp: AbstractRobustConnection, name: str, depth: int) -> bool:
    return await queue_depth(amqp, name) == depth


async def _publish_burst(amqp: AbstractRobustConnection, spec: QueueSpec, burst: list[events.Event]) -> None:
    channel = await amqp.channel(publisher_confirms=True)
    try:
        await asyncio.gather(*(channel.default_exchange.publish(
            aio_pika.Message(e.to_json(), message_id=str(e.id), delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=spec.name) for e in burst))
    finally:
        await channel.close()


async def test_a_burst_is_handled_in_few_transactions_each_message_once(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, spec: QueueSpec
) -> None:
    burst = [an_event() for _ in range(300)]
    burst.insert(150, burst[10])  # a second delivery of one message, inside the burst
    await _publish_burst(amqp, spec, burst)  # waiting before the consumer starts: they arrive together
    behaviour = Behaviour()
    consumer = RecordingConsumer(pool, amqp, spec, behaviour)
    await consumer.start()
    try:
        async def queue_empty() -> bool:
            return await queue_depth(amqp, spec.name) == 0 and len(behaviour.calls) == 300

        await eventually(queue_empty)
        assert await pool.fetchval("SELECT count(*) FROM test_effects") == 300
        assert set(behaviour.calls.values()) == {1}
        assert len(behaviour.transactions) <= 300 // 10  # batched, not one transaction per message
    finally:
        await consumer.stop()
    assert await queue_depth(amqp, spec.name) == 0  # nothing left unacked to come back


async def test_one_failing_message_in_a_batch_leaves_the_others_handled_once(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, spec: QueueSpec
) -> None:
    burst = [an_event() for _ in range(200)]
    poison = {str(burst[7].id), str(burst[123].id)}
    await _publish_burst(amqp, spec, burst)
    consumer = RecordingConsumer(pool, amqp, spec, Behaviour(poison=frozenset(poison)))
    await consumer.start()
    try:
        dead: list[aio_pika.abc.AbstractIncomingMessage] = []

        async def settled() -> bool:
            dead.extend(await dead_letters(amqp, spec))
            done = await pool.fetchval("SELECT count(DISTINCT message_id) FROM test_effects")
            return len(dead) == 2 and done == len(burst) - 2

        await eventually(settled)
        assert {m.message_id for m in dead} == poison
        effects_by_message = await pool.fetch("SELECT message_id, count(*) AS n FROM test_effects GROUP BY 1")
        assert {str(r["message_id"]) for r in effects_by_message} == {str(e.id) for e in burst} - poison
        assert {r["n"] for r in effects_by_message} == {1}
    finally:
        await consumer.stop()


async def test_a_burst_of_events_the_consumer_does_not_handle_is_settled_by_the_batch_ack(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, spec: QueueSpec, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(RecordingConsumer, "HANDLES", frozenset({events.PARTICIPANT_UPDATED}))
    ignored = [an_event() for _ in range(50)]
    await _publish_burst(amqp, spec, ignored)  # before the consumer starts: they arrive as one batch
    behaviour = Behaviour()
    consumer = RecordingConsumer(pool, amqp, spec, behaviour)
    await consumer.start()
    try:
        await eventually(lambda: _depth_is(amqp, spec.name, 0))
        await asyncio.sleep(0.3)
    finally:
        await consumer.stop()  # closes the channel: anything left unacked would come back now
    await asyncio.sleep(0.3)
    assert await queue_depth(amqp, spec.name) == 0
    assert behaviour.calls == {}
    assert await pool.fetchval("SELECT count(*) FROM processed_messages WHERE message_id = ANY($1::uuid[])",
                               [e.id for e in ignored]) == 0
