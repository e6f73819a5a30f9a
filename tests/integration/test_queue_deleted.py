"""Review 10b, F5: a work queue deleted under a running consumer is declared again by the consumer,
with its bindings, and consuming resumes; the service says so and counts it."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator

import aio_pika
import asyncpg
import pytest
from aio_pika.abc import AbstractRobustConnection

from lotse.shared import events, metrics
from lotse.shared.topology import QueueSpec, declare_events_exchange, declare_queue
from tests.conftest import eventually
from tests.integration.consumer_fixtures import EFFECTS_TABLE, Behaviour, RecordingConsumer
from tests.integration.test_consumer import effects


@pytest.fixture
async def bound_spec(amqp: AbstractRobustConnection, pool: asyncpg.Pool) -> AsyncIterator[QueueSpec]:
    """A work queue bound to the events exchange, as the services' are."""
    await pool.execute(EFFECTS_TABLE)
    name = f"test.{uuid.uuid4().hex[:12]}"
    spec = QueueSpec(name=name, bindings=(f"{name}.happened",), retry_delays_s=(1,), delivery_limit=3)
    await declare_queue(amqp, spec)
    yield spec
    channel = await amqp.channel()
    for queue in (spec.name, spec.dead_letter_queue, spec.retry_queue(1)):
        await channel.queue_delete(queue)
    await channel.close()


async def _published(amqp: AbstractRobustConnection, spec: QueueSpec) -> events.Event:
    """An event sent through the events exchange with the queue's binding, as the relay sends."""
    event = events.new_event(events.PARTICIPANT_VERIFIED, participant_id=uuid.uuid4(), kind="mentor")
    channel = await amqp.channel(publisher_confirms=True)
    try:
        exchange = await declare_events_exchange(channel)
        await exchange.publish(aio_pika.Message(event.to_json(), message_id=str(event.id),
                                                delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                               routing_key=spec.bindings[0])
    finally:
        await channel.close()
    return event


async def _exists(amqp: AbstractRobustConnection, name: str) -> bool:
    channel = await amqp.channel()
    try:
        await channel.declare_queue(name, passive=True)
    except aio_pika.exceptions.ChannelClosed:
        return False
    await channel.close()
    return True


async def test_a_queue_deleted_under_its_consumer_is_declared_again_and_consumed(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, bound_spec: QueueSpec, caplog: pytest.LogCaptureFixture
) -> None:
    consumer = RecordingConsumer(pool, amqp, bound_spec, Behaviour())
    await consumer.start()
    try:
        before = await _published(amqp, bound_spec)
        await eventually(lambda: effects(pool, before))
        deleted = metrics.QUEUE_DELETED.labels(queue=bound_spec.name)._value.get()

        caplog.set_level(logging.WARNING, logger="lotse.shared.queue_guard")
        channel = await amqp.channel()
        await channel.queue_delete(bound_spec.name)
        await channel.close()

        await eventually(lambda: _exists(amqp, bound_spec.name))
        after = await _published(amqp, bound_spec)  # routed only if the binding is back too
        assert await eventually(lambda: effects(pool, after)) == 1  # and handled: the consumer is back on it
        assert metrics.QUEUE_DELETED.labels(queue=bound_spec.name)._value.get() == deleted + 1
        said = [r.getMessage() for r in caplog.records if r.name == "lotse.shared.queue_guard"]
        assert said[0] == "queue deleted under its consumer: declaring it again", said
        assert "queue declared again; consuming resumes within the reconnect interval" in said
    finally:
        await consumer.stop()


async def test_a_consumer_stopped_on_purpose_does_not_bring_its_queue_back(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, bound_spec: QueueSpec
) -> None:
    """Only the broker's cancel is a deletion: a service shutting down cancels its own consumer."""
    consumer = RecordingConsumer(pool, amqp, bound_spec, Behaviour())
    await consumer.start()
    await consumer.stop()
    channel = await amqp.channel()
    await channel.queue_delete(bound_spec.name)
    await channel.close()
    assert not await _exists(amqp, bound_spec.name)
    await declare_queue(amqp, bound_spec)  # for the fixture's clean-up
