"""The notifier against real PostgreSQL and a real SMTP server: introductions in each person's
language (an employer's naming the position), contact details only with both consents, retries,
permanent failures, erasure, and the coordinators' digest."""

from __future__ import annotations

import contextlib
import dataclasses
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from lotse.notifier import digest
from lotse.notifier.compose import Composer
from lotse.notifier.consumer import NotifierConsumer
from lotse.notifier.delivery import DeliveryLoop
from lotse.shared import events
from lotse.shared.config import Settings
from lotse.shared.consumer import PermanentError
from lotse.shared.mailsink import MailSink
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import employer_payload, mentor_payload, newcomer_payload


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[MailSink]:
    mail = MailSink(tmp_path / "mail")
    mail.start()
    yield mail
    mail.stop()


@pytest.fixture
async def delivery(pool: asyncpg.Pool, settings: Settings, sink: MailSink) -> AsyncIterator[DeliveryLoop]:
    smtp = dataclasses.replace(settings, smtp_port=sink.smtp_port, public_url="https://lotse.example")
    loop = DeliveryLoop(pool, smtp, Composer(smtp))
    loop.BASE_DELAY_S = 0.01  # type: ignore[misc]  # a class setting, overridden for this loop
    yield loop
    await loop.close()


@pytest.fixture
def notifier(pool: asyncpg.Pool) -> NotifierConsumer:
    return NotifierConsumer(pool, None, on_committed=lambda: None)


async def deliver(consumer: NotifierConsumer, pool: asyncpg.Pool, event: events.Event) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await consumer.handle(conn, event)


async def _verified(intake_client: IntakeClient, pool: asyncpg.Pool, path: str, body: dict[str, object]) -> uuid.UUID:
    created = await (await intake_client.post(path, json=body)).json()
    participant_id = uuid.UUID(created["id"])
    await pool.execute("UPDATE participants SET status = 'verified', verified_at = now() WHERE id = $1",
                       participant_id)
    await pool.execute("DELETE FROM notifications")  # the registration's own verification email is not the topic
    return participant_id


async def _introduced(pool: asyncpg.Pool, newcomer: uuid.UUID, mentor: uuid.UUID) -> events.Event:
    match_id = uuid.uuid4()
    await pool.execute(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status, explanation)
           VALUES ($1, 'mentor', $2, $3, 0.8, 'introduced',
                   '[{"factor": "language", "contribution": 0.5, "detail": "x"},
                     {"factor": "needs", "contribution": 0.2, "detail": "y"},
                     {"factor": "waiting", "contribution": 0.1, "detail": "z"}]')""",
        match_id, newcomer, mentor,
    )
    return events.new_event(events.MATCH_INTRODUCED, match_id=match_id, kind="mentor", newcomer_id=newcomer,
                            counterpart_id=mentor)


# What the `pair` fixture gives: a verified newcomer's id and address, then a verified mentor's.
Pair = tuple[uuid.UUID, str, uuid.UUID, str]


@pytest.fixture
async def pair(intake_client: IntakeClient, pool: asyncpg.Pool) -> Pair:
    newcomer_body, mentor_body = newcomer_payload(), mentor_payload()
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_body)
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_body)
    return newcomer, newcomer_body["email"], mentor, mentor_body["email"]


async def test_an_introduction_reaches_both_sides_once_in_their_languages(
    pool: asyncpg.Pool, notifier: NotifierConsumer, delivery: DeliveryLoop, sink: MailSink, pair: Pair
) -> None:
    newcomer, newcomer_email, mentor, mentor_email = pair
    event = await _introduced(pool, newcomer, mentor)
    await deliver(notifier, pool, event)
    await deliver(notifier, pool, event)  # redelivered by the broker: still one row per person
    assert await pool.fetchval("SELECT count(*) FROM notifications WHERE type = 'introduction'") == 2

    assert await delivery.deliver_due() == 2
    mails = {m.rcpt_tos[0]: m for m in sink.messages()}
    assert mails[newcomer_email].headers["Content-Language"] == "vi"
    assert mails[mentor_email].headers["Content-Language"] == "de"
    # Both consented to share contact details, but the addresses come with both yeses, not before
    # (review 8d, finding 2): the introduction only says they will.
    assert mentor_email not in mails[newcomer_email].text and newcomer_email not in mails[mentor_email].text
    assert "https://lotse.example/respond/" in mails[newcomer_email].text
    assert "Thomas Berger" in mails[newcomer_email].text
    ids = {m.headers["X-Lotse-Notification"] for m in mails.values()}
    assert len(ids) == 2 and all((m.message_id or "").startswith("<") for m in mails.values())
    assert await delivery.deliver_due() == 0
    statuses = {r["status"] for r in await pool.fetch("SELECT status FROM notifications")}
    assert statuses == {"sent"}


async def test_the_employer_is_told_which_position_the_newcomer_is_introduced_for(
    pool: asyncpg.Pool, notifier: NotifierConsumer, delivery: DeliveryLoop, sink: MailSink,
    intake_client: IntakeClient,
) -> None:
    positions = [{"title": "Elektroniker/in", "occupation_field": "crafts", "openings": 3, "min_german_level": "B1"},
                 {"title": "Pflegefachkraft", "occupation_field": "nursing", "openings": 1,
                  "min_german_level": "B1"}]
    body = employer_payload(positions=positions)
    employer = await _verified(intake_client, pool, "/api/v1/employers", body)
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    position = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1 AND title = 'Pflegefachkraft'",
                                   employer)
    match_id = uuid.uuid4()
    await pool.execute(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status, explanation)
           VALUES ($1, 'employer', $2, $3, 0.8, 'introduced', '[]')""", match_id, newcomer, position)
    await deliver(notifier, pool, events.new_event(events.MATCH_INTRODUCED, match_id=match_id, kind="employer",
                                                   newcomer_id=newcomer, counterpart_id=position))
    assert await delivery.deliver_due() == 2
    [to_employer] = [m for m in sink.messages() if body["email"] in m.rcpt_tos]
    assert "für die Stelle: Pflegefachkraft" in to_employer.text
    assert "Elektroniker" not in to_employer.text
    [to_newcomer] = [m for m in sink.messages() if body["email"] not in m.rcpt_tos]
    assert "Pflegefachkraft" in to_newcomer.text and "für die Stelle" not in to_newcomer.text


async def test_contact_details_only_when_both_consented(
    pool: asyncpg.Pool, notifier: NotifierConsumer, delivery: DeliveryLoop, sink: MailSink,
    intake_client: IntakeClient
) -> None:
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    body = mentor_payload(consent={"data_processing": True, "share_contact": False})
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", body)
    await deliver(notifier, pool, await _introduced(pool, newcomer, mentor))
    await delivery.deliver_due()
    [to_newcomer] = [m for m in sink.messages() if body["email"] not in m.rcpt_tos]
    assert body["email"] not in to_newcomer.text
    assert "Welcome Center" in to_newcomer.text or "Trung tâm" in to_newcomer.text


async def test_a_transient_refusal_is_retried_and_a_permanent_one_is_not(
    pool: asyncpg.Pool, notifier: NotifierConsumer, delivery: DeliveryLoop, sink: MailSink, pair: Pair
) -> None:
    newcomer, newcomer_email, mentor, _ = pair
    sink.inject("451 4.3.0 greylisted, try later")
    await deliver(notifier, pool, events.new_event(events.PARTICIPANT_VERIFIED, participant_id=newcomer,
                                                   kind="newcomer"))
    await delivery.deliver_due()
    row = await pool.fetchrow("SELECT status, attempts, last_error FROM notifications")
    assert row["status"] == "pending" and row["attempts"] == 1 and "451" in row["last_error"]
    await pool.execute("UPDATE notifications SET next_attempt_at = now()")
    await delivery.deliver_due()
    assert await pool.fetchval("SELECT status FROM notifications") == "sent"
    assert [m.rcpt_tos for m in sink.messages()] == [[newcomer_email]]

    sink.inject("550 5.1.1 mailbox unavailable")
    await deliver(notifier, pool, events.new_event(events.PARTICIPANT_VERIFIED, participant_id=mentor,
                                                   kind="mentor"))
    await delivery.deliver_due()
    failed = await pool.fetchrow("SELECT status, attempts, last_error FROM notifications WHERE participant_id = $1",
                                 mentor)
    assert failed["status"] == "failed" and failed["attempts"] == 1 and "550" in failed["last_error"]


async def test_nothing_to_an_erased_person_except_the_confirmation(
    pool: asyncpg.Pool, notifier: NotifierConsumer, delivery: DeliveryLoop, sink: MailSink, pair: Pair,
    intake_client: IntakeClient, coordinator_headers: dict[str, str]
) -> None:
    newcomer, newcomer_email, _, _ = pair
    await deliver(notifier, pool, events.new_event(events.PARTICIPANT_VERIFIED, participant_id=newcomer,
                                                   kind="newcomer"))
    erased = await intake_client.delete(f"/api/v1/participants/{newcomer}", headers=coordinator_headers)
    assert erased.status == 204
    await deliver(notifier, pool, events.new_event(events.PARTICIPANT_ERASED, participant_id=newcomer,
                                                   kind="newcomer"))
    await delivery.deliver_due()
    rows = {r["type"]: r["status"] for r in await pool.fetch("SELECT type, status FROM notifications")}
    assert rows == {"registration_confirmed": "skipped", "erasure_confirmation": "sent"}
    [confirmation] = sink.messages()
    assert confirmation.rcpt_tos == [newcomer_email] and confirmation.headers["Content-Language"] == "vi"
    assert await pool.fetchval("SELECT count(*) FROM erasure_receipts") == 0


async def test_the_digest_is_batched_per_coordinator_and_window(
    pool: asyncpg.Pool, delivery: DeliveryLoop, sink: MailSink, pair: Pair, intake_client: IntakeClient,
    coordinator_headers: dict[str, str]
) -> None:
    newcomer, _, mentor, _ = pair
    await pool.execute(
        "INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score) VALUES ($1, 'mentor', $2, $3, 0.7)",
        uuid.uuid4(), newcomer, mentor,
    )
    async with pool.acquire() as conn:
        assert await digest.request_digests(conn, 3600, now=1_000_000.0) == 1  # one coordinator exists
        assert await digest.request_digests(conn, 3600, now=1_000_100.0) == 0  # same window
        assert await digest.request_digests(conn, 3600, now=1_004_000.0) == 1  # next window
    await delivery.deliver_due()
    digests = [m for m in sink.messages() if "digest" not in m.rcpt_tos]
    assert len(digests) == 2 and all(m.headers["Content-Language"] == "de" for m in digests)
    assert "/dashboard" in digests[0].text


ASYNCPG_INTROSPECTION = re.compile(r"typeinfo_tree|set_config\('jit'|current_setting\('jit'\)")


class _OnlyConnection:
    """A pool of one connection the test holds (to see every statement sent on it)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    @contextlib.asynccontextmanager
    async def acquire(self) -> AsyncIterator[asyncpg.Connection]:
        yield self._conn


async def test_registrations_and_requests_go_in_with_one_statement_that_a_redelivery_repeats_harmlessly(
    notifier: NotifierConsumer, pool: asyncpg.Pool
) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    for person in (first, second):
        await pool.execute("INSERT INTO participants (id, kind, name, email, preferred_locale, district) "
                           "VALUES ($1, 'newcomer', 'N', $2, 'en', '16053')", person, f"{person}@example.org")
    registered = events.new_event(events.PARTICIPANT_REGISTERED, participant_id=first, kind="newcomer")
    batch = [registered, events.new_event(events.PARTICIPANT_VERIFIED, participant_id=second, kind="newcomer"),
             registered,  # the same message twice in one batch counts once
             events.new_event(events.NOTIFICATION_REQUESTED, notification="manage_link", participant_id=second)]
    statements: list[str] = []
    async with pool.acquire() as conn:
        # asyncpg's own type lookup, on a connection that has not met a type yet, is not ours to count.
        conn.add_query_logger(lambda record: statements.append(record.query)
                              if not ASYNCPG_INTROSPECTION.search(record.query) else None)
        watched = NotifierConsumer(_OnlyConnection(conn), None, on_committed=lambda: None)
        assert await watched._process_batch(batch) == [True, True, False, True]
        assert await watched._process_batch(batch) == [False, False, False, False]  # redelivered
    assert len(statements) == 2, statements  # one statement per batch: no BEGIN, no COMMIT, no second INSERT
    assert await pool.fetchval("SELECT count(*) FROM processed_messages WHERE consumer = 'notifier'") == 3
    rows = sorted((r["participant_id"] == first, r["type"]) for r in await pool.fetch(
        "SELECT participant_id, type FROM notifications WHERE status = 'pending'"))
    assert rows == [(False, "manage_link"), (False, "registration_confirmed"), (True, "verification")]


async def test_a_batch_that_must_read_first_is_handled_in_a_transaction(
    notifier: NotifierConsumer, pool: asyncpg.Pool
) -> None:
    newcomer = uuid.uuid4()
    batch = [events.new_event(events.PARTICIPANT_REGISTERED, participant_id=newcomer, kind="newcomer"),
             events.new_event(events.PARTICIPANT_ERASED, participant_id=newcomer, kind="newcomer")]
    async with pool.acquire() as conn:
        assert await notifier.record_and_handle_at_once(conn, batch) is None
    assert await pool.fetchval("SELECT count(*) FROM processed_messages") == 0  # nothing half done


async def test_an_unknown_requested_notification_is_refused_on_the_one_statement_path_too(
    notifier: NotifierConsumer, pool: asyncpg.Pool
) -> None:
    unknown = events.new_event(events.NOTIFICATION_REQUESTED, notification="lottery_win", participant_id=uuid.uuid4())
    with pytest.raises(PermanentError, match="lottery_win"):
        await notifier._process_batch([unknown])
    assert await pool.fetchval("SELECT count(*) FROM processed_messages") == 0


async def test_a_batch_of_events_records_each_notification_once_and_an_erasure_within_it_holds(
    notifier: NotifierConsumer, pool: asyncpg.Pool
) -> None:
    staying, leaving = uuid.uuid4(), uuid.uuid4()
    for person in (staying, leaving):
        await pool.execute("INSERT INTO participants (id, kind, name, email, preferred_locale, district) "
                           "VALUES ($1, 'newcomer', 'N', $2, 'en', '16053')", person, f"{person}@example.org")
    registered = [events.new_event(events.PARTICIPANT_REGISTERED, participant_id=p, kind="newcomer")
                  for p in (staying, leaving)]
    batch = [*registered,
             events.new_event(events.PARTICIPANT_ERASED, participant_id=leaving, kind="newcomer"),
             events.new_event(events.NOTIFICATION_REQUESTED, notification="reminder", participant_id=staying)]
    async with pool.acquire() as conn, conn.transaction():
        await notifier.handle_all(conn, batch)
        await notifier.handle_all(conn, registered)  # again: the same events add nothing
    rows = {(r["participant_id"], r["type"]): r["status"] for r in await pool.fetch(
        "SELECT participant_id, type, status FROM notifications")}
    assert rows == {
        (staying, "verification"): "pending",
        (staying, "reminder"): "pending",
        (leaving, "verification"): "skipped",  # erased in the same batch, after its registration
        (leaving, "erasure_confirmation"): "pending",
    }
