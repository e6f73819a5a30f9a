"""The delivery loop against real PostgreSQL and a real SMTP server told to refuse or hang up:
transient failures end delivered, permanent ones are tried once and kept with the server's
reply, the retry cap holds, and no notification goes out twice."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from prometheus_client import REGISTRY

from lotse.notifier import notifications_db
from lotse.notifier.compose import Composer
from lotse.notifier.lanes import Lanes
from lotse.shared import events
from lotse.shared.config import Settings
from lotse.shared.mailsink import MailSink
from tests.conftest import eventually
from tests.integration.notifier_fixtures import (
    FastRetries,
    Person,
    add_participant,
    cut_next_connection,
    deliver_all,
    delivery,
    sink,
    smtp_settings,
    to,
)

__all__ = ["delivery", "sink", "smtp_settings"]  # fixtures used by name


async def request(pool: asyncpg.Pool, person: Person, type_: str = "registration_confirmed") -> uuid.UUID:
    async with pool.acquire() as conn:
        await notifications_db.request(conn, type=type_, event_id=uuid.uuid4(), participant_id=person.id)
        row_id: uuid.UUID = await conn.fetchval(
            "SELECT id FROM notifications WHERE participant_id = $1 ORDER BY created_at DESC LIMIT 1", person.id
        )
    return row_id


async def row(pool: asyncpg.Pool, notification_id: uuid.UUID) -> asyncpg.Record:
    found: asyncpg.Record = await pool.fetchrow("SELECT * FROM notifications WHERE id = $1", notification_id)
    return found


@pytest.fixture
async def lan(pool: asyncpg.Pool) -> Person:
    return await add_participant(pool, "newcomer", name="Nguyễn Thị Lan", locale="vi")


async def test_a_sent_email_carries_the_contract_headers(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink, lan: Person
) -> None:
    notification_id = await request(pool, lan)
    assert await deliver_all(delivery) == 1
    [mail] = to(sink, lan.email)
    assert mail.headers["X-Lotse-Notification"] == str(notification_id)
    assert mail.headers["Content-Language"] == "vi"
    assert mail.message_id == f"<{notification_id}@localhost>"
    assert mail.html is not None and 'lang="vi"' in mail.html
    sent = await row(pool, notification_id)
    assert (sent["status"], sent["attempts"], sent["locale"], sent["last_error"]) == ("sent", 1, "vi", None)
    assert delivery.duplicate_window.count == 1


@pytest.mark.parametrize("fault", ["451 4.7.1 greylisted, try again later", "421 4.3.2 shutting down", "drop"])
async def test_a_transient_failure_is_retried_and_ends_delivered_once(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink, lan: Person, fault: str
) -> None:
    if fault == "drop":
        cut_next_connection(sink)
    else:
        sink.inject(fault)
    notification_id = await request(pool, lan)
    assert await delivery.deliver_due() == 1
    deferred = await row(pool, notification_id)
    assert deferred["status"] == "pending" and deferred["attempts"] == 1 and deferred["last_error"]
    assert sink.messages() == []

    await deliver_all(delivery)
    sent = await row(pool, notification_id)
    assert sent["status"] == "sent" and sent["attempts"] == 2
    assert len(to(sink, lan.email)) == 1


async def test_a_permanent_refusal_is_tried_once_and_keeps_the_reply(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink, lan: Person
) -> None:
    sink.inject("550 5.1.1 mailbox unavailable")
    notification_id = await request(pool, lan)
    await deliver_all(delivery)
    await pool.execute("UPDATE notifications SET next_attempt_at = now() - interval '1 hour'")
    assert await deliver_all(delivery) == 0  # a failed row is never claimed again
    failed = await row(pool, notification_id)
    assert failed["status"] == "failed" and failed["attempts"] == 1
    assert failed["last_error"].startswith("550 5.1.1 mailbox unavailable")
    assert sink.messages() == []


async def test_the_retry_cap_holds(pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink, lan: Person) -> None:
    sink.inject("451 4.3.0 still busy", count=FastRetries.MAX_ATTEMPTS + 5)
    notification_id = await request(pool, lan)
    handled = await deliver_all(delivery, passes=FastRetries.MAX_ATTEMPTS + 5)
    assert handled == FastRetries.MAX_ATTEMPTS
    failed = await row(pool, notification_id)
    assert failed["status"] == "failed" and failed["attempts"] == FastRetries.MAX_ATTEMPTS
    assert f"gave up after {FastRetries.MAX_ATTEMPTS} attempts: 451" in failed["last_error"]
    assert sink.messages() == []


async def test_a_batch_goes_out_over_one_smtp_connection(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    peers: list[Any] = []
    stored = sink.handler.handle_DATA

    async def counting(server: Any, session: Any, envelope: Any) -> str:
        peers.append(session.peer)
        return await stored(server, session, envelope)

    sink.handler.handle_DATA = counting  # type: ignore[method-assign]  # a test double that counts
    people = [await add_participant(pool, "mentor", name=f"Mentor {i}", locale="de") for i in range(5)]
    for person in people:
        await request(pool, person)
    assert await delivery.deliver_due() == 5
    assert len(peers) == 5 and len(set(peers)) == 1


async def test_a_batch_with_a_refusal_a_skip_and_a_closing_server_sends_every_other_email_once(
        pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink) -> None:
    """Each email's envelope goes out behind the content before it: a refusal, a row skipped in
    between and a server closing the connection must not cost or repeat another email."""
    people = [await add_participant(pool, "mentor", name=f"Mentor {i}", locale="de") for i in range(6)]
    ids = [await request(pool, person) for person in people]
    await pool.execute("UPDATE participants SET status = 'erased', email = NULL, erased_at = now() WHERE id = $1",
                       people[1].id)
    sink.inject("550 5.1.1 mailbox unavailable")  # the first email sent
    sink.inject("421 4.3.2 shutting down")  # the second: the server closes, the third's envelope was ahead
    await deliver_all(delivery)
    rows = [await row(pool, i) for i in ids]
    assert rows[1]["status"] == "skipped"
    assert Counter((r["status"], r["attempts"]) for r in rows) == {
        ("failed", 1): 1, ("skipped", 1): 1, ("sent", 2): 1, ("sent", 1): 3}
    refused = next(person for person, r in zip(people, rows, strict=True) if r["status"] == "failed")
    assert Counter(m.rcpt_tos[0] for m in sink.messages()) == Counter(
        p.email for p in people if p not in (people[1], refused))


async def test_nothing_pending_is_not_read_as_due_now(pool: asyncpg.Pool, lan: Person) -> None:
    async with pool.acquire() as conn:
        assert await notifications_db.next_due_in_s(conn) is None
        notification_id = await request(pool, lan)
        assert await notifications_db.next_due_in_s(conn) == 0.0
        await conn.execute("UPDATE notifications SET next_attempt_at = now() + interval '30 seconds' WHERE id = $1",
                           notification_id)
        assert 25 < (await notifications_db.next_due_in_s(conn) or 0) <= 30


async def test_an_idle_loop_looks_for_the_next_retry_once_a_second_unless_it_scheduled_one(
        pool: asyncpg.Pool, delivery: FastRetries, lan: Person, monkeypatch: pytest.MonkeyPatch) -> None:
    looks = 0
    look = notifications_db.next_due_in_s

    async def counted(conn: asyncpg.Connection) -> float | None:
        nonlocal looks
        looks += 1
        return await look(conn)

    monkeypatch.setattr(notifications_db, "next_due_in_s", counted)
    assert await delivery._idle_timeout() == 5.0  # nothing pending
    assert await delivery._idle_timeout() == 5.0
    assert looks == 1  # the second idle moment, within DUE_CHECK_S, asked nobody
    notification_id = await request(pool, lan)  # another sender's row: unseen until the next look
    assert await delivery._idle_timeout() == 5.0
    assert looks == 1
    async with pool.acquire() as conn:
        [claimed] = await notifications_db.claim_due(conn, 1)
        await delivery._retry_or_fail(conn, claimed, "451 try again later")  # due at once (FastRetries)
    assert await delivery._idle_timeout() == 0.05  # its own retry: it looked again
    assert looks == 2
    assert await delivery._idle_timeout() == 0.05  # a due time that has passed is looked at again
    assert looks == 3
    await pool.execute("UPDATE notifications SET next_attempt_at = now() + interval '3 seconds' WHERE id = $1",
                       notification_id)
    assert 2 < await delivery._idle_timeout() <= 3
    assert 2 < await delivery._idle_timeout() <= 3  # a time still ahead is trusted
    assert looks == 4


async def test_a_trickle_keeps_the_smtp_connections_and_each_email_goes_at_once(
        pool: asyncpg.Pool, smtp_settings: Settings, sink: MailSink, lan: Person) -> None:
    loops = [FastRetries(pool, smtp_settings, Composer(smtp_settings)) for _ in range(2)]
    lanes = Lanes(loops)
    running = [asyncio.create_task(loop.run()) for loop in loops]
    sessions_before = sink.handler.sessions
    try:
        for _ in range(8):
            notification_id = await request(pool, lan)
            lanes.wake()  # as the consumer does after its commit

            async def sent(notification_id: uuid.UUID = notification_id) -> bool:
                status: str = (await row(pool, notification_id))["status"]
                return status == "sent"

            await eventually(sent, timeout=3.0)  # well before an idle loop's 5 s timeout
            await asyncio.sleep(0.05)
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
    assert len(to(sink, lan.email)) == 8
    assert sink.handler.sessions - sessions_before <= len(loops)  # not a reconnect per email


async def test_a_full_batch_brings_in_a_waiting_loop_to_help(
        pool: asyncpg.Pool, smtp_settings: Settings, sink: MailSink, lan: Person) -> None:
    loops = [FastRetries(pool, smtp_settings, Composer(smtp_settings)) for _ in range(2)]
    for loop in loops:
        loop.BATCH_SIZE = 3  # type: ignore[misc]  # a class setting, overridden for this test's loops
    lanes = Lanes(loops)
    running = [asyncio.create_task(loop.run()) for loop in loops]
    try:
        await eventually(lambda: _all_waiting(loops))
        for _ in range(12):
            await request(pool, lan)
        lanes.wake()  # one commit: wakes only the first loop

        async def all_sent() -> bool:
            return len(to(sink, lan.email)) == 12

        await eventually(all_sent, timeout=4.0)  # before the second loop's own 5 s timeout
    finally:
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
    assert all(loop.duplicate_window.count > 0 for loop in loops)  # both sent: the first woke the second


async def _all_waiting(loops: list[FastRetries]) -> bool:
    return all(loop.waiting for loop in loops)


async def test_competing_senders_deliver_each_notification_exactly_once(pool: asyncpg.Pool, smtp_settings: Settings,
                                                                        sink: MailSink) -> None:
    people = [await add_participant(pool, "newcomer", name=f"Person {i}", locale="uk") for i in range(40)]
    for person in people:
        await request(pool, person)
    loops = [FastRetries(pool, smtp_settings, Composer(smtp_settings)) for _ in range(4)]
    for loop in loops:
        loop.BATCH_SIZE = 3  # type: ignore[misc]  # small batches, so the senders really interleave
    await asyncio.gather(*(deliver_all(loop, passes=40) for loop in loops))
    for loop in loops:
        await loop.close()
    sent = Counter(m.headers["X-Lotse-Notification"] for m in sink.messages())
    assert len(sent) == 40 and set(sent.values()) == {1}
    assert await pool.fetchval("SELECT count(*) FROM notifications WHERE status = 'sent'") == 40


async def test_a_claim_taken_over_by_another_sender_is_not_sent_again(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink, lan: Person
) -> None:
    notification_id = await request(pool, lan)
    async with pool.acquire() as conn:
        [claimed] = await notifications_db.claim_due(conn, 10)
        # Meanwhile the claim was released as stale and another sender claimed the row again.
        await conn.execute("UPDATE notifications SET claimed_at = now() + interval '1 second' WHERE id = $1",
                           notification_id)
        # No claimed_at: the claim's age is unknown, so it is renewed (and found lost) before anything else.
        ready = await delivery._next_ready(conn, [claimed], 0, await delivery._composer.people(conn, [claimed]), None)
        if ready is not None:
            await delivery._send(conn, ready, None)
    assert sink.messages() == []
    assert (await row(pool, notification_id))["status"] == "sending"  # the other sender's to finish


async def test_emails_accepted_as_the_database_went_away_are_recorded_when_it_is_back(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The chaos run's duplicates: a database crash between the server's acceptance and `sent` left
    the claim to go stale and the email to go out again two minutes later. Every email of the batch
    that waited to be marked is kept in memory and recorded first thing."""
    for i in range(2):
        await request(pool, await add_participant(pool, "mentor", name=f"Before {i}", locale="de"))
    monkeypatch.setattr(delivery, "MARK_WITHIN_S", 60.0)
    await deliver_all(delivery)  # two acceptances: the loop has seen how fast the server is
    ids = [await request(pool, await add_participant(pool, "mentor", name=f"Mentor {i}", locale="de"))
           for i in range(3)]
    record = notifications_db.mark_sent

    async def database_gone(*_args: Any) -> None:
        raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")

    monkeypatch.setattr(notifications_db, "mark_sent", database_gone)
    with pytest.raises(asyncpg.exceptions.ConnectionDoesNotExistError):
        await delivery.deliver_due()
    assert len(sink.messages()) == 5 and {(await row(pool, i))["status"] for i in ids} == {"sending"}
    monkeypatch.setattr(notifications_db, "mark_sent", record)  # the database is back
    await deliver_all(delivery)
    assert {(await row(pool, i))["status"] for i in ids} == {"sent"}
    async with pool.acquire() as conn:  # however long it takes, the claims can no longer go stale
        await conn.execute("UPDATE notifications SET claimed_at = now() - interval '1 hour'")
        assert await notifications_db.release_stale(conn, delivery.STALE_CLAIM) == 0
    await deliver_all(delivery)
    assert len(sink.messages()) == 5


async def test_emails_a_fast_server_accepts_together_are_recorded_in_one_statement(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit per email was a fifth of the notifier's CPU against a fast mail server."""
    people = [await add_participant(pool, "mentor", name=f"Mentor {i}", locale="de") for i in range(5)]
    for person in people:
        await request(pool, person)
    statements = await _count_mark_sent(monkeypatch)
    monkeypatch.setattr(delivery, "MARK_WITHIN_S", 60.0)  # every acceptance within the window
    await deliver_all(delivery)
    # The first is recorded alone: until a second acceptance the loop cannot tell how fast the server is.
    assert statements == [1, 4]
    assert len(sink.messages()) == 5
    assert {r["status"] for r in await pool.fetch("SELECT status FROM notifications")} == {"sent"}
    assert delivery.duplicate_window.count == 5


async def test_an_email_is_recorded_alone_once_waiting_for_the_next_would_exceed_the_window(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Against a slow mail server each email is marked as soon as it is accepted: the duplicate
    window never grows with the server's latency."""
    for i in range(3):
        await request(pool, await add_participant(pool, "mentor", name=f"Mentor {i}", locale="de"))
    statements = await _count_mark_sent(monkeypatch)
    monkeypatch.setattr(delivery, "MARK_WITHIN_S", 0.0)
    await deliver_all(delivery)
    assert statements == [1, 1, 1]
    assert len(sink.messages()) == 3


async def test_emails_are_marked_together_again_once_a_slow_mail_server_is_fast_again(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow spell must not leave the loop committing per email for good (it once did: the
    estimate of the next acceptance was only updated while emails waited unrecorded)."""
    monkeypatch.setattr(delivery, "MARK_WITHIN_S", 0.05)
    stored = sink.handler.handle_DATA

    async def slow(server: Any, session: Any, envelope: Any) -> str:
        await asyncio.sleep(0.1)
        return await stored(server, session, envelope)

    sink.handler.handle_DATA = slow  # type: ignore[method-assign]  # a mail server in a slow spell
    for i in range(3):
        await request(pool, await add_participant(pool, "mentor", name=f"Slow {i}", locale="de"))
    statements = await _count_mark_sent(monkeypatch)
    await deliver_all(delivery)
    assert statements == [1, 1, 1]
    sink.handler.handle_DATA = stored  # type: ignore[method-assign]  # fast again, from the next session
    await delivery.close()
    for i in range(4):
        await request(pool, await add_participant(pool, "mentor", name=f"Fast {i}", locale="de"))
    statements.clear()
    await deliver_all(delivery)
    assert statements == [1, 3]  # the first judged by the slow spell's pace, the rest by the new one
    assert len(sink.messages()) == 7


async def _count_mark_sent(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The real `mark_sent`, with the size of each call kept."""
    sizes: list[int] = []
    record = notifications_db.mark_sent

    async def counted(conn: asyncpg.Connection, accepted: list[tuple[uuid.UUID, str]]) -> None:
        sizes.append(len(accepted))
        await record(conn, accepted)

    monkeypatch.setattr(notifications_db, "mark_sent", counted)
    return sizes


async def test_a_stale_claim_is_handed_out_again(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink, lan: Person
) -> None:
    notification_id = await request(pool, lan)
    async with pool.acquire() as conn:
        await notifications_db.claim_due(conn, 10)  # a sender that then died
        await conn.execute("UPDATE notifications SET claimed_at = now() - interval '1 hour'")
        assert await notifications_db.release_stale(conn, delivery.STALE_CLAIM) == 1
    await deliver_all(delivery)
    assert (await row(pool, notification_id))["status"] == "sent" and len(sink.messages()) == 1


@pytest.fixture
async def no_smtputf8(pool: asyncpg.Pool, smtp_settings: Settings,
                      tmp_path: Path) -> AsyncIterator[tuple[FastRetries, MailSink]]:
    """The delivery loop and a sink that, like some providers', does not offer SMTPUTF8."""
    plain = MailSink(tmp_path / "plain", smtputf8=False)
    plain.start()
    settings = dataclasses.replace(smtp_settings, smtp_port=plain.smtp_port)
    loop = FastRetries(pool, settings, Composer(settings))
    yield loop, plain
    await loop.close()
    plain.stop()


async def test_an_umlaut_domain_is_delivered_in_idna_form_by_a_server_without_smtputf8(
    pool: asyncpg.Pool, no_smtputf8: tuple[FastRetries, MailSink], lan: Person
) -> None:
    """Finding 5: mueller@bücher.de was refused for want of SMTPUTF8, which it does not need."""
    delivery, sink = no_smtputf8
    addresses = {"ascii local part": "mueller-{}@bücher.de", "umlaut local part": "müller-{}@bücher.de",
                 "no IDNA form": "mueller-{}@" + "ü" * 60 + ".de"}
    ids = {}
    for case, address in addresses.items():
        person = await add_participant(pool, "newcomer", name="Jana Müller", locale="de")
        email = address.format(person.id.hex[:8])
        await pool.execute("UPDATE participants SET email = $2 WHERE id = $1", person.id, email)
        ids[case] = (email, await request(pool, person, "verification"))
    ids["ascii"] = (lan.email, await request(pool, lan, "verification"))  # the rest of the batch goes on
    assert await deliver_all(delivery) == 4

    mueller = ids["ascii local part"][0].replace("bücher.de", "xn--bcher-kva.de")
    [mail] = to(sink, mueller)
    assert mail.headers["To"] == mueller and "/verify/" in mail.text
    assert (await row(pool, ids["ascii local part"][1]))["status"] == "sent"
    assert len(to(sink, lan.email)) == 1
    # A local part outside ASCII still needs SMTPUTF8, which this server does not offer.
    refused = await row(pool, ids["umlaut local part"][1])
    assert refused["status"] == "failed" and "needs SMTPUTF8" in refused["last_error"]
    unwritable = await row(pool, ids["no IDNA form"][1])
    assert unwritable["status"] == "failed" and unwritable["attempts"] == 1
    assert "cannot be written in IDNA (xn--) form" in unwritable["last_error"]
    assert len(sink.messages()) == 2


async def test_nothing_is_sent_to_an_erased_participant(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink, lan: Person
) -> None:
    notification_id = await request(pool, lan)
    await pool.execute(
        "UPDATE participants SET status = 'erased', name = NULL, email = NULL, erased_at = now() WHERE id = $1",
        lan.id,
    )
    await deliver_all(delivery)
    assert sink.messages() == []
    assert (await row(pool, notification_id))["status"] == "skipped"


async def test_a_refused_erasure_confirmation_forgets_the_address_anyway(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink, lan: Person
) -> None:
    await pool.execute(
        "INSERT INTO erasure_receipts (participant_id, email, name, locale) VALUES ($1, $2, $3, 'vi')",
        lan.id, lan.email, lan.name,
    )
    sink.inject("550 5.1.1 no such user")
    notification_id = await request(pool, lan, "erasure_confirmation")
    await deliver_all(delivery)
    assert (await row(pool, notification_id))["status"] == "failed"
    assert await pool.fetchval("SELECT count(*) FROM erasure_receipts") == 0


async def test_a_notification_requested_twice_for_the_same_event_is_one_row(pool: asyncpg.Pool, lan: Person) -> None:
    event = events.new_event(events.PARTICIPANT_VERIFIED, participant_id=lan.id, kind="newcomer")
    async with pool.acquire() as conn:
        first = await notifications_db.request(conn, type="registration_confirmed", event_id=event.id,
                                               participant_id=lan.id)
        second = await notifications_db.request(conn, type="registration_confirmed", event_id=event.id,
                                                participant_id=lan.id)
    assert (first, second) == (True, False)


async def test_shutdown_finishes_the_email_in_hand_and_hands_back_the_rest(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    for i in range(3):
        await request(pool, await add_participant(pool, "mentor", name=f"Mentor {i}", locale="de"))
    entered, gate = threading.Event(), threading.Event()
    stored = sink.handler.handle_DATA

    async def held(server: Any, session: Any, envelope: Any) -> str:
        entered.set()
        await asyncio.get_running_loop().run_in_executor(None, gate.wait, 10.0)
        return await stored(server, session, envelope)

    sink.handler.handle_DATA = held  # type: ignore[method-assign]  # a test double that holds DATA
    batch = asyncio.create_task(delivery.deliver_due())

    async def in_data() -> bool:
        return entered.is_set()

    await eventually(in_data)
    batch.cancel()  # SIGTERM arrives while the server holds the first email
    gate.set()
    with pytest.raises(asyncio.CancelledError):
        await batch
    rows = await pool.fetch("SELECT status, attempts FROM notifications ORDER BY status")
    assert [(r["status"], r["attempts"]) for r in rows] == [("pending", 0), ("pending", 0), ("sent", 1)]
    assert len(sink.messages()) == 1


async def test_shutdown_while_the_next_email_is_prepared_hands_back_both(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    """The email prepared first, not yet sent, goes back with the rest instead of waiting two
    minutes to look stale."""
    first = await request(pool, await add_participant(pool, "mentor", name="Mentor", locale="de"))
    erased = await add_participant(pool, "newcomer", name="Lan", locale="vi")
    await pool.execute("INSERT INTO erasure_receipts (participant_id, email, name, locale) VALUES ($1, $2, $3, 'vi')",
                       erased.id, erased.email, erased.name)
    second = await request(pool, erased, "erasure_confirmation")
    # Earlier, not the second later: a claim within a millisecond of this would find that one not yet due.
    await pool.execute("UPDATE notifications SET next_attempt_at = next_attempt_at - interval '1 s' WHERE id = $1",
                       first)
    async with pool.acquire() as blocker, blocker.transaction():
        # Composing the erasure confirmation reads its receipt: that read waits here.
        await blocker.execute("LOCK TABLE erasure_receipts IN ACCESS EXCLUSIVE MODE")
        batch = asyncio.create_task(delivery.deliver_due())

        async def composing_the_second() -> bool:
            return bool(await pool.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND query LIKE '%erasure_receipts%'"))

        await eventually(composing_the_second)
        batch.cancel()  # SIGTERM arrives while the second email is being prepared
    with pytest.raises(asyncio.CancelledError):
        await batch
    rows = {r["id"]: (r["status"], r["attempts"]) for r in await pool.fetch("SELECT * FROM notifications")}
    assert rows == {first: ("pending", 0), second: ("pending", 0)}
    assert sink.messages() == []


async def test_every_outcome_is_counted_by_type(pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink) -> None:
    """lotse_emails{type, outcome}: what operations watch for SMTP failures (docs/operations.md); a
    deferral is counted once per refused attempt, a failure once."""
    def counted(outcome: str) -> float:
        return REGISTRY.get_sample_value("lotse_emails_total", {"type": "registration_confirmed",
                                                                "outcome": outcome}) or 0.0

    before = {outcome: counted(outcome) for outcome in ("sent", "failed", "skipped", "deferred")}
    last_accepted = REGISTRY.get_sample_value("lotse_smtp_last_accepted_timestamp_seconds") or 0.0
    people = [await add_participant(pool, "mentor", name=f"Mentor {i}", locale="de") for i in range(4)]
    for person in people:
        await request(pool, person)
    await pool.execute("UPDATE participants SET status = 'erased', email = NULL, erased_at = now() WHERE id = $1",
                       people[3].id)
    sink.inject("550 5.1.1 mailbox unavailable")  # the first email sent
    sink.inject("451 4.3.0 try again later")  # the second, sent again later
    await deliver_all(delivery)
    assert {outcome: counted(outcome) - before[outcome] for outcome in before} == {
        "sent": 2, "failed": 1, "skipped": 1, "deferred": 1}
    # The mail server's last acceptance: what stands still while it refuses or is away (review 10b, F7).
    assert (REGISTRY.get_sample_value("lotse_smtp_last_accepted_timestamp_seconds") or 0.0) > last_accepted


async def test_the_loop_rides_out_a_connection_its_backend_lost_while_idle(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink, lan: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Review 10b, F3: under pg_terminate_backend asyncpg raised InternalClientError on a pooled
    connection whose backend had ended while idle; the loop caught only OSError, PostgresError and
    InterfaceError, died, and the notifier sent nothing more. It is a lost connection
    (lotse.shared.db.DATABASE_AWAY): the loop waits a second and claims again."""
    notification_id = await request(pool, lan)
    deliver = delivery.deliver_due

    async def lost_once() -> int:
        monkeypatch.setattr(delivery, "deliver_due", deliver)
        delivery.wake()  # the next claim comes right after the loop's second
        raise asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress")

    monkeypatch.setattr(delivery, "deliver_due", lost_once)
    task = asyncio.create_task(delivery.run())
    try:
        assert await eventually(lambda: pool.fetchval(
            "SELECT status = 'sent' FROM notifications WHERE id = $1", notification_id), timeout=10)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert task.cancelled()  # ended by the cancel, not by the lost connection
    assert len(to(sink, lan.email)) == 1
