"""A mail server that is away delays emails; it does not drop them (review 10b, F1: six sends in about
a minute, then `failed` for good, so a newcomer whose verification email fell into a one-minute outage
never got one)."""

from __future__ import annotations

import dataclasses
import socket
import uuid
from datetime import timedelta
from email.utils import parsedate_to_datetime

import asyncpg

from lotse.notifier import notifications_db
from lotse.notifier.compose import Composer
from lotse.notifier.delivery import DeliveryLoop
from lotse.shared.config import Settings
from lotse.shared.mailsink import MailSink
from tests.integration.notifier_fixtures import add_participant, deliver_all, sink, smtp_settings, to

__all__ = ["sink", "smtp_settings"]  # fixtures used by name


class PatientRetries(DeliveryLoop):
    """The real loop's give-up rule (RETRY_FOR as shipped), with retries that come due at once."""

    BASE_DELAY_S = 0.0


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens there any more: every connection is refused


async def _an_email_for(pool: asyncpg.Pool) -> tuple[str, uuid.UUID]:
    person = await add_participant(pool, "newcomer", name="Nguyễn Thị Lan", locale="vi")
    async with pool.acquire() as conn:
        await notifications_db.request(conn, type="registration_confirmed", event_id=uuid.uuid4(),
                                       participant_id=person.id)
        notification_id: uuid.UUID = await conn.fetchval(
            "SELECT id FROM notifications WHERE participant_id = $1", person.id)
    return person.email, notification_id


async def test_emails_wait_through_an_outage_and_go_out_after_it(
    pool: asyncpg.Pool, smtp_settings: Settings, sink: MailSink
) -> None:
    address, notification_id = await _an_email_for(pool)
    away = dataclasses.replace(smtp_settings, smtp_port=_closed_port())
    down = PatientRetries(pool, away, Composer(away))
    try:
        sends = DeliveryLoop.MAX_ATTEMPTS + 4
        assert await deliver_all(down, passes=sends) == sends  # each send refused, each one retried
    finally:
        await down.close()
    waiting = await pool.fetchrow("SELECT status, attempts, last_error FROM notifications WHERE id = $1",
                                  notification_id)
    assert (waiting["status"], waiting["attempts"]) == ("pending", sends)
    assert "ConnectionRefusedError" in waiting["last_error"]

    back = PatientRetries(pool, smtp_settings, Composer(smtp_settings))
    try:
        assert await deliver_all(back) == 1
    finally:
        await back.close()
    assert await pool.fetchval("SELECT status FROM notifications WHERE id = $1", notification_id) == "sent"
    assert len(to(sink, address)) == 1 and len(sink.messages()) == 1


async def test_an_email_still_refused_after_the_retry_period_is_given_up(
    pool: asyncpg.Pool, smtp_settings: Settings
) -> None:
    _, notification_id = await _an_email_for(pool)
    older = DeliveryLoop.RETRY_FOR + timedelta(minutes=1)
    await pool.execute("UPDATE notifications SET created_at = now() - $2::interval WHERE id = $1",
                       notification_id, older)
    away = dataclasses.replace(smtp_settings, smtp_port=_closed_port())
    down = PatientRetries(pool, away, Composer(away))
    try:
        assert await deliver_all(down, passes=DeliveryLoop.MAX_ATTEMPTS + 4) == DeliveryLoop.MAX_ATTEMPTS
    finally:
        await down.close()
    failed = await pool.fetchrow("SELECT status, last_error FROM notifications WHERE id = $1", notification_id)
    assert failed["status"] == "failed"
    gave_up = f"gave up after {DeliveryLoop.MAX_ATTEMPTS} attempts: ConnectionRefusedError"
    assert failed["last_error"].startswith(gave_up)


async def test_days_of_retries_keep_their_delay_within_bounds(pool: asyncpg.Pool, smtp_settings: Settings) -> None:
    _, notification_id = await _an_email_for(pool)
    # Four days of sends 5-10 minutes apart come to more than a thousand: 2 ** 1100 fits no float.
    await pool.execute("UPDATE notifications SET attempts = 1100 WHERE id = $1", notification_id)
    away = dataclasses.replace(smtp_settings, smtp_port=_closed_port())
    down = DeliveryLoop(pool, away, Composer(away))
    try:
        assert await down.deliver_due() == 1
    finally:
        await down.close()
    waiting = await pool.fetchrow(
        "SELECT status, next_attempt_at - now() AS wait FROM notifications WHERE id = $1", notification_id)
    assert waiting["status"] == "pending"
    assert timedelta(0) < waiting["wait"] <= timedelta(seconds=DeliveryLoop.MAX_DELAY_S)


async def test_an_email_sent_days_after_it_was_asked_for_is_dated_when_it_is_sent(
    pool: asyncpg.Pool, smtp_settings: Settings, sink: MailSink
) -> None:
    """Review 12, F3: a Date two days old made an email that waited out an outage look forged to spam
    filters and sorted it under two days of newer mail; Message-ID stays the notification's."""
    address, notification_id = await _an_email_for(pool)
    await pool.execute("UPDATE notifications SET created_at = now() - interval '2 days' WHERE id = $1",
                       notification_id)
    loop = PatientRetries(pool, smtp_settings, Composer(smtp_settings))
    try:
        assert await deliver_all(loop) == 1
    finally:
        await loop.close()
    (mail,) = to(sink, address)
    sent_at = await pool.fetchval("SELECT sent_at FROM notifications WHERE id = $1", notification_id)
    assert abs(parsedate_to_datetime(str(mail.headers["Date"])) - sent_at) < timedelta(minutes=1)
    assert mail.message_id is not None and mail.message_id.startswith(f"<{notification_id}@")
