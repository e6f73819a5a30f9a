"""Events through real RabbitMQ into the running notifier, emails out of a real SMTP server:
one email per logical notification even when the broker delivers an event twice, each in the
recipient's language, contact details only with both consents, poison to the dead-letter queue."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date

import asyncpg
import pytest
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

from lotse.shared import events
from lotse.shared.consents import both_share_contact
from lotse.shared.consumer import DEAD_REASON_HEADER
from lotse.shared.mailsink import MailSink
from lotse.shared.topology import NOTIFIER_QUEUE
from tests.conftest import eventually, queue_depth
from tests.integration.notifier_fixtures import (
    PUBLIC_URL,
    Person,
    RunningNotifier,
    add_course,
    add_match,
    add_participant,
    add_position,
    mails_to,
    match_event,
    publish,
    to,
)


async def settled(pool: asyncpg.Pool, expected_rows: int) -> bool:
    """All expected notification rows exist and none is still waiting to be sent."""
    counts = await pool.fetchrow(
        "SELECT count(*) AS total, count(*) FILTER (WHERE status IN ('pending', 'sending')) AS open FROM notifications"
    )
    return bool(counts["total"] == expected_rows and counts["open"] == 0)


@pytest.fixture
async def lan(pool: asyncpg.Pool) -> Person:
    return await add_participant(pool, "newcomer", name="Nguyễn Thị Lan", locale="vi")


@pytest.fixture
async def thomas(pool: asyncpg.Pool) -> Person:
    return await add_participant(pool, "mentor", name="Thomas Berger", locale="de")


async def test_an_event_delivered_twice_makes_one_email_per_recipient(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
    lan: Person, thomas: Person,
) -> None:
    match_id = await add_match(pool, "mentor", lan, thomas.id)
    event = match_event(events.MATCH_INTRODUCED, match_id, "mentor", lan, thomas.id)
    await publish(amqp, event)
    await publish(amqp, event)  # the relay crashed before marking it published: the broker has it twice

    [to_lan] = await mails_to(sink, lan.email)
    [to_thomas] = await mails_to(sink, thomas.email)
    # Both copies handed out, then the consumer stopped, which waits for the ones in hand.
    await eventually(lambda: _drained(amqp))
    await running_notifier.consumer.stop()
    await eventually(lambda: settled(pool, 2))
    assert Counter(m.headers["X-Lotse-Notification"] for m in sink.messages()).most_common(1)[0][1] == 1
    assert len(sink.messages()) == 2

    assert to_lan.headers["Content-Language"] == "vi" and to_thomas.headers["Content-Language"] == "de"
    assert "Thomas Berger" in to_lan.text and "Nguyễn Thị Lan" in to_thomas.text
    # Both consented to share contact details: each learns the other's address once both said yes,
    # not in the introduction (review 8d, finding 2).
    assert thomas.email not in to_lan.text and lan.email not in to_thomas.text
    for mail in (to_lan, to_thomas):
        assert f"{PUBLIC_URL}/respond/" in mail.text
        assert "?answer=accept" in mail.text and "?answer=decline" in mail.text
    # Said concretely, in German: both live in Gera (the fixtures' district); no language is on record.
    assert "Nguyễn Thị Lan wohnt in der Nähe (Gera)." in to_thomas.text


async def _drained(amqp: AbstractRobustConnection) -> bool:
    return await queue_depth(amqp, NOTIFIER_QUEUE.name) == 0


async def test_contact_details_need_both_consents(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
    lan: Person,
) -> None:
    shy = await add_participant(pool, "mentor", name="Petra Vogel", locale="de", share_contact=False)
    # Her later change of mind counts: the latest consent decides.
    await pool.execute(
        """INSERT INTO consents (participant_id, purpose, given, text_version, recorded_at)
           VALUES ($1, 'share_contact', true, 'v1', now() - interval '1 day')""",
        shy.id,
    )
    match_id = await add_match(pool, "mentor", lan, shy.id)
    await publish(amqp, match_event(events.MATCH_INTRODUCED, match_id, "mentor", lan, shy.id))
    [to_lan] = await mails_to(sink, lan.email)
    [to_petra] = await mails_to(sink, shy.email)
    assert shy.email not in to_lan.text + (to_lan.html or "")
    assert lan.email not in to_petra.text + (to_petra.html or "")
    assert "Das Welcome Center bringt Sie in Kontakt." in to_petra.text


async def test_contact_is_shared_only_when_each_ones_latest_consent_is_given(pool: asyncpg.Pool, lan: Person) -> None:
    """One query for both sides (lotse.shared.consents.both_share_contact): one without any consent row, or
    whose latest is a refusal, keeps both addresses back."""
    open_ = await add_participant(pool, "mentor", name="Renate Albrecht", locale="de")
    silent = await add_participant(pool, "mentor", name="Petra Vogel", locale="de")
    await pool.execute("DELETE FROM consents WHERE participant_id = $1 AND purpose = 'share_contact'", silent.id)
    async with pool.acquire() as conn:
        assert await both_share_contact(conn, lan.id, open_.id)
        assert not await both_share_contact(conn, lan.id, silent.id)
        await conn.execute("""INSERT INTO consents (participant_id, purpose, given, text_version)
                              VALUES ($1, 'share_contact', false, 'v1')""", open_.id)
        assert not await both_share_contact(conn, lan.id, open_.id)


async def test_a_course_introduction_reaches_the_provider_and_names_course_times_and_start(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
    lan: Person,
) -> None:
    provider = await add_participant(pool, "language_provider", name="Anna Schulz", locale="de",
                                     profile={"organisation": "VHS Gera"})
    course_id = await add_course(pool, provider, title="Deutsch A2 am Abend", schedule="evening",
                                 starts_on=date(2026, 3, 2))
    match_id = await add_match(pool, "language_course", lan, course_id)
    await publish(amqp, match_event(events.MATCH_INTRODUCED, match_id, "language_course", lan, course_id))
    [to_lan] = await mails_to(sink, lan.email)
    [to_provider] = await mails_to(sink, provider.email)
    assert "Deutsch A2 am Abend" in to_lan.text and "VHS Gera" in to_lan.text
    assert "buổi tối" in to_lan.text  # "in the evening", in Vietnamese
    assert "2 tháng 3, 2026" in to_lan.text  # the start date as Vietnamese write it
    assert "Nguyễn Thị Lan" in to_provider.text


async def test_an_employer_introduction_reaches_the_employer(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
    lan: Person,
) -> None:
    employer = await add_participant(pool, "employer", name="Klaus Richter", locale="pl",
                                     profile={"organisation": "Klinikum <Gera>"})
    position_id = await add_position(pool, employer, title="Pflegefachkraft")
    match_id = await add_match(pool, "employer", lan, position_id)
    await publish(amqp, match_event(events.MATCH_INTRODUCED, match_id, "employer", lan, position_id))
    [to_lan] = await mails_to(sink, lan.email)
    [to_employer] = await mails_to(sink, employer.email)
    assert "Pflegefachkraft" in to_lan.text and "Klinikum <Gera>" in to_lan.text
    assert "Klinikum &lt;Gera&gt;" in (to_lan.html or "")
    assert to_employer.headers["Content-Language"] == "pl"


async def test_a_decline_by_the_counterpart_tells_the_newcomer_only(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
    lan: Person, thomas: Person,
) -> None:
    match_id = await add_match(pool, "mentor", lan, thomas.id, status="declined", reason="declined by counterpart",
                               end_reason="declined", ended_by_side="counterpart")
    await publish(amqp, match_event(events.MATCH_RESPONDED, match_id, "mentor", lan, thomas.id,
                                    side="counterpart", answer="decline"))
    [notice] = await mails_to(sink, lan.email)
    await eventually(lambda: settled(pool, 1))
    assert to(sink, thomas.email) == []
    assert notice.headers["X-Lotse-Notification"]
    assert "Chúng tôi" in notice.text or "chúng tôi" in notice.text  # Vietnamese, and a re-match promise


async def test_a_decline_by_the_newcomer_tells_both(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
    lan: Person, thomas: Person,
) -> None:
    match_id = await add_match(pool, "mentor", lan, thomas.id, status="declined", reason="declined by newcomer",
                               end_reason="declined", ended_by_side="newcomer")
    await publish(amqp, match_event(events.MATCH_RESPONDED, match_id, "mentor", lan, thomas.id,
                                    side="newcomer", answer="decline"))
    await mails_to(sink, lan.email)
    [to_thomas] = await mails_to(sink, thomas.email)
    assert "Ihr Platz ist wieder frei." in to_thomas.text


async def test_an_accept_sends_nothing(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
    lan: Person, thomas: Person,
) -> None:
    match_id = await add_match(pool, "mentor", lan, thomas.id)
    accept = match_event(events.MATCH_RESPONDED, match_id, "mentor", lan, thomas.id, side="newcomer",
                         answer="accept")
    await publish(amqp, accept)
    await eventually(lambda: pool.fetchval(
        "SELECT EXISTS (SELECT 1 FROM processed_messages WHERE message_id = $1)", accept.id))
    assert await pool.fetchval("SELECT count(*) FROM notifications") == 0


async def test_a_match_ended_goes_to_both_sides(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
    lan: Person, thomas: Person,
) -> None:
    match_id = await add_match(pool, "mentor", lan, thomas.id, status="completed", reason="coordinator",
                               end_reason="coordinator")
    await publish(amqp, match_event(events.MATCH_ENDED, match_id, "mentor", lan, thomas.id, outcome="completed",
                                    reason="coordinator"))
    await mails_to(sink, lan.email)
    [to_thomas] = await mails_to(sink, thomas.email)
    assert "Danke fürs Mitmachen!" in to_thomas.text


@pytest.mark.parametrize("notification", ["reminder", "checkin"])
async def test_requested_reminders_and_checkins_carry_their_links(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
    lan: Person, thomas: Person, notification: str,
) -> None:
    match_id = await add_match(pool, "mentor", lan, thomas.id, status="introduced" if notification == "reminder"
                               else "active")
    await publish(amqp, events.new_event(events.NOTIFICATION_REQUESTED, notification=notification,
                                         participant_id=thomas.id, match_id=match_id))
    [mail] = await mails_to(sink, thomas.email)
    link = "/respond/" if notification == "reminder" else "/checkin/"
    assert f"{PUBLIC_URL}{link}" in mail.text and "Nguyễn Thị Lan" in mail.text


async def test_an_erased_participant_gets_only_the_confirmation(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
    lan: Person, thomas: Person,
) -> None:
    # As intake's erasure transaction leaves it: no address in participants, a receipt to confirm to.
    await pool.execute(
        "UPDATE participants SET status = 'erased', name = NULL, email = NULL, erased_at = now() WHERE id = $1",
        lan.id,
    )
    await pool.execute(
        "INSERT INTO erasure_receipts (participant_id, email, name, locale) VALUES ($1, $2, $3, 'vi')",
        lan.id, lan.email, lan.name,
    )
    match_id = await add_match(pool, "mentor", lan, thomas.id, status="cancelled", reason="participant erased",
                               end_reason="participant_erased", ended_by_side="newcomer")
    await publish(amqp, events.new_event(events.PARTICIPANT_ERASED, participant_id=lan.id, kind="newcomer"))
    await publish(amqp, match_event(events.MATCH_ENDED, match_id, "mentor", lan, thomas.id,
                                    reason="participant_erased"))
    [confirmation] = await mails_to(sink, lan.email)
    await mails_to(sink, thomas.email)
    await eventually(lambda: settled(pool, 3))
    assert confirmation.headers["Content-Language"] == "vi"
    assert len(to(sink, lan.email)) == 1  # the match_ended notice to her was skipped
    assert await pool.fetchval("SELECT count(*) FROM erasure_receipts") == 0
    statuses = dict(await pool.fetch("SELECT type, status FROM notifications WHERE participant_id = $1", lan.id))
    assert statuses == {"erasure_confirmation": "sent", "match_ended": "skipped"}


@pytest.mark.parametrize(
    "body, routing_key, reason",
    [
        (b"{not json", "participant.verified", "malformed"),
        (events.Event(events.NOTIFICATION_REQUESTED, {"notification": "lottery_win",
                                                      "participant_id": str(uuid.uuid4())}).to_json(),
         events.NOTIFICATION_REQUESTED, "unknown notification"),
        (events.Event(events.MATCH_INTRODUCED, {"match_id": str(uuid.uuid4()), "kind": "astrology",
                                                "newcomer_id": str(uuid.uuid4()),
                                                "counterpart_id": str(uuid.uuid4())}).to_json(),
         events.MATCH_INTRODUCED, "unknown match kind"),
    ],
)
async def test_a_malformed_event_goes_to_the_dead_letter_queue(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier,
    body: bytes, routing_key: str, reason: str,
) -> None:
    await publish(amqp, body=body, routing_key=routing_key)
    channel = await amqp.channel()
    try:
        queue = await channel.get_queue(NOTIFIER_QUEUE.dead_letter_queue)

        async def dead() -> AbstractIncomingMessage | None:
            return await queue.get(fail=False, no_ack=True)

        message = await eventually(dead)
    finally:
        await channel.close()
    assert reason in str(message.headers[DEAD_REASON_HEADER])
    assert await pool.fetchval("SELECT count(*) FROM notifications") == 0
