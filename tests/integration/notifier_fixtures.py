"""Building blocks for the notifier's integration tests: participants, courses, positions and
matches written straight into PostgreSQL (the notifier only reads them), a real SMTP sink that
can be told to refuse, and the notifier itself running against real RabbitMQ."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import aio_pika
import asyncpg
import pytest
from aio_pika.abc import AbstractRobustConnection

from lotse.notifier import notifications_db
from lotse.notifier.compose import Composer
from lotse.notifier.consumer import NotifierConsumer
from lotse.notifier.delivery import DeliveryLoop
from lotse.shared import events
from lotse.shared.config import Settings
from lotse.shared.mailsink import MailSink, StoredMessage
from tests.conftest import eventually

PUBLIC_URL = "https://lotse.example"
EXPLANATION = [
    {"factor": "language", "contribution": 0.4, "detail": "Both speak English well."},
    {"factor": "needs", "contribution": 0.25, "detail": "Helps with childcare."},
    {"factor": "waiting", "contribution": 0.3, "detail": "Waiting for 40 days."},  # not a reason for the pair
]


@dataclasses.dataclass(frozen=True)
class Person:
    id: uuid.UUID
    email: str
    locale: str
    name: str


async def add_participant(
    pool: asyncpg.Pool, kind: str, *, name: str, locale: str, share_contact: bool = True,
    profile: dict[str, Any] | None = None,
) -> Person:
    person = Person(uuid.uuid4(), f"{kind}-{uuid.uuid4().hex[:10]}@example.org", locale, name)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            """INSERT INTO participants (id, kind, status, name, email, preferred_locale, district, profile,
                                         verified_at)
               VALUES ($1, $2, 'verified', $3, $4, $5, '16052', $6::jsonb, now())""",
            person.id, kind, name, person.email, locale, profile or {},
        )
        await conn.executemany(
            "INSERT INTO consents (participant_id, purpose, given, text_version) VALUES ($1, $2, $3, 'v1')",
            [(person.id, "data_processing", True), (person.id, "share_contact", share_contact)],
        )
    return person


async def add_course(pool: asyncpg.Pool, provider: Person, *, title: str, schedule: str, starts_on: date) -> uuid.UUID:
    course_id = uuid.uuid4()
    await pool.execute(
        """INSERT INTO courses (id, provider_id, title, level, schedule, format, district, seats, starts_on)
           VALUES ($1, $2, $3, 'A2', $4, 'in_person', '16052', 12, $5)""",
        course_id, provider.id, title, schedule, starts_on,
    )
    return course_id


async def add_position(pool: asyncpg.Pool, employer: Person, *, title: str) -> uuid.UUID:
    position_id = uuid.uuid4()
    await pool.execute(
        """INSERT INTO positions (id, employer_id, title, occupation_field, openings, min_german_level)
           VALUES ($1, $2, $3, 'nursing', 2, 'B1')""",
        position_id, employer.id, title,
    )
    return position_id


async def add_match(
    pool: asyncpg.Pool, kind: str, newcomer: Person, counterpart_id: uuid.UUID, *, status: str = "introduced",
    reason: str | None = None, flag_code: str | None = None, flag_reason: str | None = None,
    end_reason: str | None = None, ended_by_side: str | None = None,
) -> uuid.UUID:
    match_id = uuid.uuid4()
    await pool.execute(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status, explanation, reason,
                                introduced_at, flagged_at, flag_code, flag_reason, end_reason, ended_by_side)
           VALUES ($1, $2, $3, $4, 0.8, $5, $6::jsonb, $7, now(),
                   CASE WHEN coalesce($8, $9) IS NULL THEN NULL ELSE now() END, $8, $9, $10, $11)""",
        match_id, kind, newcomer.id, counterpart_id, status, EXPLANATION, reason, flag_code, flag_reason,
        end_reason, ended_by_side,
    )
    return match_id


async def add_coordinator(pool: asyncpg.Pool, *, active: bool = True, digest: bool = True) -> tuple[uuid.UUID, str]:
    """``digest``: whether they want the digest e-mail (the dashboard's "Übersicht per E-Mail")."""
    coordinator_id, email = uuid.uuid4(), f"coordinator-{uuid.uuid4().hex[:8]}@example.org"
    await pool.execute(
        "INSERT INTO coordinators (id, email, password_hash, active, digest) VALUES ($1, $2, 'x', $3, $4)",
        coordinator_id, email, active, digest,
    )
    return coordinator_id, email


def match_event(event_type: str, match_id: uuid.UUID, kind: str, newcomer: Person, counterpart_id: uuid.UUID,
                **extra: Any) -> events.Event:
    return events.new_event(event_type, match_id=match_id, kind=kind, newcomer_id=newcomer.id,
                            counterpart_id=counterpart_id, **extra)


async def outbox_events(pool: asyncpg.Pool) -> list[events.Event]:
    """What intake's outbox relay publishes: the events the test's real intake steps wrote, in order."""
    rows = await pool.fetch("SELECT id, type, occurred_at, payload FROM outbox ORDER BY seq")
    return [events.Event(r["type"], dict(r["payload"]), id=r["id"], occurred_at=r["occurred_at"]) for r in rows]


async def notify(pool: asyncpg.Pool, *extra: events.Event) -> None:
    """The outbox's events and ``extra`` to a notifier, each in a transaction of its own as its
    consumer takes them off the queue, without RabbitMQ."""
    notifier = NotifierConsumer(pool, None, on_committed=lambda: None)
    for event in [*await outbox_events(pool), *extra]:
        async with pool.acquire() as conn, conn.transaction():
            await notifier.handle(conn, event)


async def mails_to(sink: MailSink, email: str, count: int = 1) -> list[StoredMessage]:
    """The emails to ``email`` once at least ``count`` have arrived (from a notifier running apart)."""
    async def probe() -> list[StoredMessage]:
        found = to(sink, email)
        return found if len(found) >= count else []

    return await eventually(probe)


def to(sink: MailSink, email: str) -> list[StoredMessage]:
    return [m for m in sink.messages() if m.rcpt_tos == [email]]


def verify_path(mail: StoredMessage) -> str:
    """The path of the verification link in ``mail`` (/verify/<token>), to open with the intake client."""
    found = re.search(re.escape(PUBLIC_URL) + r"(/verify/[A-Za-z0-9_.\-]+)", mail.text)
    assert found, mail.text
    return found.group(1)


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[MailSink]:
    mail = MailSink(tmp_path / "mail")
    mail.start()
    yield mail
    mail.stop()


@pytest.fixture
def smtp_settings(settings: Settings, sink: MailSink) -> Settings:
    return dataclasses.replace(settings, smtp_port=sink.smtp_port, public_url=PUBLIC_URL, smtp_timeout_s=5.0)


class FastRetries(DeliveryLoop):
    """The real loop with retries that come due at once, so a test never waits for backoff."""

    BASE_DELAY_S = 0.0
    MAX_ATTEMPTS = 3
    RETRY_FOR = timedelta(0)  # gives up after MAX_ATTEMPTS, however new the notification


@pytest.fixture
async def delivery(pool: asyncpg.Pool, smtp_settings: Settings) -> AsyncIterator[FastRetries]:
    loop = FastRetries(pool, smtp_settings, Composer(smtp_settings))
    yield loop
    await loop.close()


async def requested_and_sent(pool: asyncpg.Pool, delivery: DeliveryLoop, sink: MailSink, type_: str, *, name: str,
                             locale: str) -> StoredMessage:
    """The one email of ``type_`` to a new newcomer, asked for as intake asks and sent by ``delivery``."""
    person = await add_participant(pool, "newcomer", name=name, locale=locale)
    async with pool.acquire() as conn:
        await notifications_db.request(conn, type=type_, event_id=uuid.uuid4(), participant_id=person.id)
    assert await deliver_all(delivery) == 1
    [mail] = to(sink, person.email)
    return mail


async def deliver_all(loop: DeliveryLoop, passes: int = 10) -> int:
    """Run batches until nothing is due (bounded: a bug cannot spin forever)."""
    handled = 0
    for _ in range(passes):
        done = await loop.deliver_due()
        handled += done
        if not done:
            break
    return handled


@dataclasses.dataclass
class RunningNotifier:
    consumer: NotifierConsumer
    delivery: DeliveryLoop


@pytest.fixture
async def running_notifier(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, clean_queues: None, delivery: FastRetries
) -> AsyncIterator[RunningNotifier]:
    """`lotse notifier` minus the process: the queue consumer and the delivery loop, both real."""
    consumer = NotifierConsumer(pool, amqp, on_committed=delivery.wake)
    await consumer.start()
    task = asyncio.create_task(delivery.run(), name="test-delivery-loop")
    try:
        yield RunningNotifier(consumer, delivery)
    finally:
        await consumer.stop()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def publish(amqp: AbstractRobustConnection, event: events.Event | None = None, *, body: bytes | None = None,
                  routing_key: str | None = None) -> None:
    """Publish to the events exchange as a relay would (persistent, confirmed, mandatory)."""
    channel = await amqp.channel(publisher_confirms=True)
    try:
        exchange = await channel.get_exchange(events.EXCHANGE)
        if body is None:
            assert event is not None, "publish needs an event, or a body and a routing key"
            body = event.to_json()
        if not routing_key:
            assert event is not None, "publish needs an event, or a body and a routing key"
            routing_key = event.type
        message_id = str(event.id) if event is not None else str(uuid.uuid4())
        await exchange.publish(
            aio_pika.Message(body, message_id=message_id, delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                             content_type="application/json"),
            routing_key=routing_key,
            mandatory=True,
        )
    finally:
        await channel.close()


def cut_next_connection(sink: MailSink) -> None:
    """Hang up in the middle of the next DATA.

    `MailSink.inject("drop")` reads `session.transport`, which aiosmtpd's Session lacks (it
    answers 500 instead of hanging up; reported), so the test closes the server's transport.
    """
    stored = sink.handler.handle_DATA

    async def cut(server: Any, session: Any, envelope: Any) -> str:
        sink.handler.handle_DATA = stored  # type: ignore[method-assign]  # the sink's own handler back
        server.transport.close()
        return "421 4.3.0 connection cut"

    sink.handler.handle_DATA = cut  # type: ignore[method-assign]  # a test double for one DATA
