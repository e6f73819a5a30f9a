"""The transactional outbox against real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import date

import aio_pika
import asyncpg
import pytest
from aio_pika.abc import AbstractExchange, AbstractQueue, AbstractRobustConnection, PublishResultType, TimeoutType

from lotse.intake.registrations import register
from lotse.intake.validation import validate_registration
from lotse.shared import events
from lotse.shared.config import Settings
from lotse.shared.db import create_pool
from lotse.shared.outbox import LOCAL_WAKE, OutboxRelay, write_event
from lotse.shared.topology import declare_events_exchange
from tests.conftest import eventually
from tests.integration.intake_fixtures import newcomer_payload


@pytest.fixture
async def observer(amqp: AbstractRobustConnection) -> AsyncIterator[AbstractQueue]:
    """A private queue that sees every event published to lotse.events."""
    channel = await amqp.channel()
    exchange = await declare_events_exchange(channel)
    queue = await channel.declare_queue(exclusive=True, auto_delete=True)
    await queue.bind(exchange, "#")
    yield queue
    await channel.close()


@pytest.fixture
async def relay_exchange(amqp: AbstractRobustConnection) -> AsyncIterator[aio_pika.abc.AbstractExchange]:
    channel = await amqp.channel(publisher_confirms=True, on_return_raises=True)
    yield await declare_events_exchange(channel)
    await channel.close()


async def drain(queue: AbstractQueue) -> list[dict[str, object]]:
    seen = []
    while (message := await queue.get(fail=False, no_ack=True)) is not None:
        seen.append(json.loads(message.body))
    return seen


def verified(participant_id: uuid.UUID | None = None) -> events.Event:
    return events.new_event(
        events.PARTICIPANT_VERIFIED, participant_id=participant_id or uuid.uuid4(), kind="newcomer"
    )


async def test_rolled_back_event_is_never_published(
    pool: asyncpg.Pool, observer: AbstractQueue, relay_exchange: AbstractExchange
) -> None:
    event = verified()
    with contextlib.suppress(RuntimeError):
        async with pool.acquire() as conn, conn.transaction():
            await write_event(conn, event)
            raise RuntimeError("the change failed")
    relay = OutboxRelay(pool, relay_exchange)
    assert await relay.publish_pending() == (0, 0)
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0
    assert await drain(observer) == []


async def test_event_committed_while_relay_was_down_is_published_later(
    pool: asyncpg.Pool, observer: AbstractQueue, relay_exchange: AbstractExchange
) -> None:
    event = verified()
    async with pool.acquire() as conn, conn.transaction():
        await write_event(conn, event)
    # Only now does a relay start; it must find the row by polling, not by the lost NOTIFY.
    relay = OutboxRelay(pool, relay_exchange, poll_interval_s=0.1)
    task = asyncio.create_task(relay.run())
    try:
        received = await eventually(lambda: drain(observer))
        # The row is marked after the broker's confirm, which may come after the copy is delivered:
        # wait for it before stopping the relay (stopped in between, it would publish it again).
        assert await eventually(lambda: pool.fetchval(
            "SELECT published_at IS NOT NULL FROM outbox WHERE id = $1", event.id))
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert [m["id"] for m in received] == [str(event.id)]
    assert received[0]["type"] == "participant.verified"


async def test_relay_wakes_on_notify(
    pool: asyncpg.Pool, observer: AbstractQueue, relay_exchange: AbstractExchange
) -> None:
    # A poll interval far longer than the test: only LISTEN/NOTIFY can deliver in time.
    relay = OutboxRelay(pool, relay_exchange, poll_interval_s=60)
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.3)  # let the relay park on its (empty) first poll
        event = verified()
        async with pool.acquire() as conn, conn.transaction():
            await write_event(conn, event)
        received = await eventually(lambda: drain(observer), timeout=5)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert [m["id"] for m in received] == [str(event.id)]


async def intake_pool(settings: Settings) -> asyncpg.Pool:
    """A pool as runtime.infrastructure makes an intake's: its sessions wake their relays in-process."""
    return await create_pool(
        settings.database_url, min_size=1, max_size=2, application_name="lotse-intake",
        session_settings=LOCAL_WAKE.session_settings, on_release=LOCAL_WAKE.released)


async def test_a_services_commit_wakes_its_relay_in_process_without_a_notification(
    settings: Settings, observer: AbstractQueue, relay_exchange: AbstractExchange, pool: asyncpg.Pool
) -> None:
    # A service's pool (as runtime.infrastructure makes it): its commits notify nobody, so they
    # do not queue behind every other notifying commit, and its own relay still wakes at once.
    service_pool = await intake_pool(settings)
    heard: list[str] = []
    listener = await pool.acquire()
    relay = OutboxRelay(service_pool, relay_exchange, poll_interval_s=60, writer="lotse-intake")
    task = asyncio.create_task(relay.run())
    try:
        for channel in ("lotse_outbox", "lotse_outbox:lotse-intake"):
            await listener.add_listener(channel, lambda _c, _p, on, _payload: heard.append(on))
        await asyncio.sleep(0.3)  # let the relay park on its (empty) first poll
        event = verified()
        async with service_pool.acquire() as conn, conn.transaction():
            await write_event(conn, event)
        received = await eventually(lambda: drain(observer), timeout=5)
        await asyncio.sleep(0.3)  # a notification, were there one, would have come by now
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await listener.reset()
        await pool.release(listener)
        await service_pool.close()
    assert [m["id"] for m in received] == [str(event.id)]
    assert heard == []


async def test_a_registration_wakes_its_services_relay_in_process(
    settings: Settings, observer: AbstractQueue, relay_exchange: AbstractExchange, pool: asyncpg.Pool
) -> None:
    # A registration writes its outbox row inside its one INSERT statement, not through
    # write_events; its intake's relay must still wake at once (its poll would take a minute).
    service_pool = await intake_pool(settings)
    relay = OutboxRelay(service_pool, relay_exchange, poll_interval_s=60, writer="lotse-intake")
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.3)  # let the relay park on its (empty) first poll
        registration = validate_registration("newcomer", newcomer_payload(), today=date.today())
        registered = await register(service_pool, "newcomer", registration)
        received = await eventually(lambda: drain(observer), timeout=5)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await service_pool.close()
    assert [(m["type"], m["data"]) for m in received] == [
        ("participant.registered", {"participant_id": str(registered.participant_id), "kind": "newcomer"})]


async def test_unroutable_event_stays_pending(pool: asyncpg.Pool, amqp: AbstractRobustConnection) -> None:
    channel = await amqp.channel(publisher_confirms=True, on_return_raises=True)
    try:
        # An exchange with no queue bound: the broker returns the mandatory message.
        lonely = await channel.declare_exchange(
            f"lotse.test.{uuid.uuid4()}", aio_pika.ExchangeType.TOPIC, auto_delete=True
        )
        async with pool.acquire() as conn, conn.transaction():
            await write_event(conn, verified())
        published, failed = await OutboxRelay(pool, lonely).publish_pending()
    finally:
        await channel.close()
    assert (published, failed) == (0, 1)
    row = await pool.fetchrow("SELECT published_at, attempts, last_error FROM outbox")
    assert row["published_at"] is None and row["attempts"] == 1 and row["last_error"]


async def test_two_relays_publish_each_event_once(
    pool: asyncpg.Pool, observer: AbstractQueue, amqp: AbstractRobustConnection
) -> None:
    sent = [verified() for _ in range(300)]
    async with pool.acquire() as conn, conn.transaction():
        for event in sent:
            await write_event(conn, event)
    channels = [await amqp.channel(publisher_confirms=True, on_return_raises=True) for _ in range(2)]
    relays = [OutboxRelay(pool, await declare_events_exchange(c), poll_interval_s=0.1) for c in channels]
    relays[0].BATCH_SIZE = relays[1].BATCH_SIZE = 20  # many small batches: the claims interleave
    tasks = [asyncio.create_task(r.run()) for r in relays]
    received: list[dict[str, object]] = []

    async def all_received() -> bool:
        received.extend(await drain(observer))
        return len(received) >= len(sent)

    try:
        await eventually(all_received)
        await asyncio.sleep(0.3)  # a duplicate would arrive now
        received.extend(await drain(observer))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for channel in channels:
            await channel.close()
    ids = [m["id"] for m in received]
    assert len(ids) == len(set(ids)) == len(sent)
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0


@contextlib.asynccontextmanager
async def matcher_relay_and_writers(
    pool: asyncpg.Pool, settings: Settings, exchange: AbstractExchange, *names: str
) -> AsyncIterator[dict[str, asyncpg.Pool]]:
    """A matcher's relay that only NOTIFY can wake in time, and a one-connection pool per writer name."""
    relay = OutboxRelay(pool, exchange, poll_interval_s=60, writer="lotse-matcher")
    task = asyncio.create_task(relay.run())
    writers = {name: await create_pool(settings.database_url, min_size=1, max_size=1, application_name=name)
               for name in names}
    try:
        await asyncio.sleep(0.3)  # let the relay park on its (empty) first poll
        yield writers
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        for writer in writers.values():
            await writer.close()


async def test_a_commit_wakes_only_the_relays_of_the_service_that_wrote_it(
    pool: asyncpg.Pool, settings: Settings, observer: AbstractQueue, relay_exchange: AbstractExchange
) -> None:
    names = ("lotse-intake", "lotse-matcher", "psql")
    async with matcher_relay_and_writers(pool, settings, relay_exchange, *names) as writers:
        by_writer = {}
        for name, writer in writers.items():
            by_writer[name] = verified()
            async with writer.acquire() as conn, conn.transaction():
                await write_event(conn, by_writer[name])
        received = await eventually(lambda: drain(observer), timeout=5)
        await asyncio.sleep(0.5)
        received += await drain(observer)
    # Its own service's commit and a tool's woke it, and then it took every pending row; alone,
    # the intake's row would have waited for intake's relays or this one's next poll.
    assert {m["id"] for m in received} == {str(e.id) for e in by_writer.values()}
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL") == 0


async def test_a_commit_of_another_service_does_not_wake_the_relay(
    pool: asyncpg.Pool, settings: Settings, observer: AbstractQueue, relay_exchange: AbstractExchange
) -> None:
    async with matcher_relay_and_writers(pool, settings, relay_exchange, "lotse-intake") as writers:
        async with writers["lotse-intake"].acquire() as conn, conn.transaction():
            await write_event(conn, verified())
        await asyncio.sleep(1.0)
        assert await drain(observer) == []  # left to intake's relays (or this one's next poll)


async def test_its_own_services_commit_alone_wakes_the_relay(
    pool: asyncpg.Pool, settings: Settings, observer: AbstractQueue, relay_exchange: AbstractExchange
) -> None:
    # No tool's commit on the common channel to wake it: only the service's own channel can.
    async with matcher_relay_and_writers(pool, settings, relay_exchange, "lotse-matcher") as writers:
        event = verified()
        async with writers["lotse-matcher"].acquire() as conn, conn.transaction():
            await write_event(conn, event)
        received = await eventually(lambda: drain(observer), timeout=5)
    assert [m["id"] for m in received] == [str(event.id)]


async def test_a_commit_notifies_only_its_services_channel(pool: asyncpg.Pool, settings: Settings) -> None:
    # Another service's process is not woken at all, not even to ignore the notification; a
    # session that is no service's, or whose channel name would be too long, uses the common one.
    long_name = "lotse-" + "x" * 60
    names = ("lotse-intake", "lotse-matcher", "psql", long_name)
    heard: list[tuple[str, str]] = []
    listener = await pool.acquire()
    channels = ("lotse_outbox:lotse-matcher", "lotse_outbox")
    try:
        for channel in channels:
            await listener.add_listener(channel, lambda _c, _p, on, payload: heard.append((on, payload)))
        for name in names:
            writer = await create_pool(settings.database_url, min_size=1, max_size=1, application_name=name)
            try:
                async with writer.acquire() as conn, conn.transaction():
                    await write_event(conn, verified())
            finally:
                await writer.close()

        async def three_heard() -> bool:
            return len(heard) >= 3

        await eventually(three_heard, timeout=5)
        await asyncio.sleep(0.3)  # an intake notification, were there one, would have come by now
    finally:
        await listener.reset()
        await pool.release(listener)
    # PostgreSQL truncates application_name to 63 bytes.
    assert sorted(heard) == sorted([("lotse_outbox:lotse-matcher", ""), ("lotse_outbox", "psql"),
                                    ("lotse_outbox", long_name[:63])])
    assert await pool.fetchval("SELECT count(*) FROM outbox") == len(names)


async def test_the_message_is_the_event_as_written(
    pool: asyncpg.Pool, observer: AbstractQueue, relay_exchange: AbstractExchange
) -> None:
    # The relay passes the stored payload through as PostgreSQL prints it: text with quotes,
    # backslashes, non-Latin letters and nesting must come out as it went in.
    event = events.new_event(
        events.NOTIFICATION_REQUESTED,
        notification={"type": "digest", "note": 'Ölçü "ja" \\ нет ✓', "ids": [1, 2.5, None, True], "deep": {"a": []}},
    )
    async with pool.acquire() as conn, conn.transaction():
        await write_event(conn, event)
    assert await OutboxRelay(pool, relay_exchange).publish_pending() == (1, 0)
    message = await observer.get(timeout=5, no_ack=True)
    assert events.parse_event(message.body) == event
    assert (message.message_id, message.type, message.content_type) == (
        str(event.id), event.type, "application/json")
    assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert message.routing_key == event.type


class _Unconfirmed:
    """The broker's exchange, except that one routing key's publishes are never confirmed."""

    def __init__(self, exchange: aio_pika.abc.AbstractExchange, stuck: str) -> None:
        self._exchange, self._stuck = exchange, stuck

    async def publish(
        self, message: aio_pika.abc.AbstractMessage, routing_key: str, *, mandatory: bool = True,
        immediate: bool = False, timeout: TimeoutType = None,
    ) -> PublishResultType | None:
        if routing_key == self._stuck:
            await asyncio.Event().wait()
        return await self._exchange.publish(message, routing_key=routing_key, mandatory=mandatory,
                                            immediate=immediate, timeout=timeout)


async def test_a_publish_not_confirmed_in_time_stays_pending_and_the_rest_are_published(
    pool: asyncpg.Pool, observer: AbstractQueue, relay_exchange: AbstractExchange
) -> None:
    stuck = events.new_event(events.MATCH_APPROVED, match_id=uuid.uuid4(), kind="mentor",
                             newcomer_id=uuid.uuid4(), counterpart_id=uuid.uuid4())
    others = [verified() for _ in range(3)]
    async with pool.acquire() as conn, conn.transaction():
        for event in [others[0], stuck, *others[1:]]:
            await write_event(conn, event)
    unconfirmed = _Unconfirmed(relay_exchange, events.MATCH_APPROVED)
    relay = OutboxRelay(pool, unconfirmed, publish_timeout_s=0.5)  # type: ignore[arg-type]  # a stand-in exchange
    assert await relay.publish_pending() == (3, 1)
    pending = await pool.fetch("SELECT id, attempts, last_error FROM outbox WHERE published_at IS NULL")
    assert [(r["id"], r["attempts"]) for r in pending] == [(stuck.id, 1)]
    assert "not confirmed within 0.5 s" in pending[0]["last_error"]
    received: list[dict[str, object]] = []

    async def all_three() -> bool:
        received.extend(await drain(observer))
        return len(received) >= 3

    await eventually(all_three, timeout=5)
    assert sorted(str(m["id"]) for m in received) == sorted(str(e.id) for e in others)


async def test_the_relay_rides_out_a_connection_its_backend_lost_while_idle(
    pool: asyncpg.Pool, observer: AbstractQueue, relay_exchange: AbstractExchange, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review 10b, F3: under pg_terminate_backend asyncpg raised InternalClientError on a pooled
    connection whose backend had ended while idle; the relay caught only OSError, PostgresError and
    InterfaceError, died, and nothing was published until a restart. It is a lost connection
    (lotse.shared.db.DATABASE_AWAY): the relay backs off and looks again."""
    event = verified()
    async with pool.acquire() as conn, conn.transaction():
        await write_event(conn, event)
    relay = OutboxRelay(pool, relay_exchange, poll_interval_s=0.1)
    publish = relay.publish_pending

    async def lost_once() -> tuple[int, int]:
        monkeypatch.setattr(relay, "publish_pending", publish)
        raise asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress")

    monkeypatch.setattr(relay, "publish_pending", lost_once)
    task = asyncio.create_task(relay.run())
    try:
        received = await eventually(lambda: drain(observer), timeout=10)
        assert await eventually(lambda: pool.fetchval(
            "SELECT published_at IS NOT NULL FROM outbox WHERE id = $1", event.id))
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()  # ended by the cancel, not by the lost connection
    assert [m["id"] for m in received] == [str(event.id)]
