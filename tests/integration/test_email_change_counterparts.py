"""Review 7, finding 1: when a participant's new address is confirmed, the other side of each active
match where both share contact details had the old one: it gets an email with the new address, in its
own language. Nobody else does: not without both consents (nobody was given the address), not for a
match that is not active. Intake's real step writes the events; the real notifier sends over SMTP."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import asyncpg

from lotse.intake import email_change
from lotse.shared.mailsink import MailSink
from tests.integration.intake_fixtures import unique_email
from tests.integration.notifier_fixtures import (
    FastRetries,
    Person,
    add_course,
    add_match,
    add_participant,
    deliver_all,
    delivery,
    notify,
    sink,
    smtp_settings,
    to,
)
from tests.mail_text import unwrapped

__all__ = ["delivery", "sink", "smtp_settings"]  # fixtures used by name


async def _mentoring(pool: asyncpg.Pool) -> tuple[Person, Person, uuid.UUID]:
    """Lan (vi) and her mentor Thomas (de), both sharing contact details, in an active match."""
    lan = await add_participant(pool, "newcomer", name="Nguyễn Thị Lan", locale="vi")
    thomas = await add_participant(pool, "mentor", name="Thomas Berger", locale="de")
    return lan, thomas, await add_match(pool, "mentor", lan, thomas.id, status="active")


async def _notified(pool: asyncpg.Pool, delivery: FastRetries) -> None:
    """The outbox's events to the notifier, and its emails out."""
    await notify(pool)
    await deliver_all(delivery)


async def _change_address(pool: asyncpg.Pool, person: Person) -> str:
    new = unique_email("new")
    async with pool.acquire() as conn, conn.transaction():
        change = await email_change.request(conn, person.id, new)
    await pool.execute("DELETE FROM outbox")  # the confirmation link and the notice: not this test's
    async with pool.acquire() as conn, conn.transaction():
        assert await email_change.confirm(conn, person.id, change) == email_change.Outcome.CHANGED
    return new


async def test_the_other_side_of_an_active_match_gets_the_new_address(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    lan, thomas, _ = await _mentoring(pool)
    silent = await add_participant(pool, "language_provider", name="VHS", locale="de", share_contact=False,
                                   profile={"organisation": "VHS Gera"})
    course = await add_course(pool, silent, title="Deutsch A2", schedule="evening",
                              starts_on=date.today() + timedelta(days=20))
    await add_match(pool, "language_course", lan, course, status="active")
    introduced = await add_participant(pool, "mentor", name="Anna Schmidt", locale="de")
    await add_match(pool, "mentor", lan, introduced.id, status="introduced")

    new = await _change_address(pool, lan)
    await _notified(pool, delivery)

    [mail] = to(sink, thomas.email)
    assert mail.headers["Content-Language"] == "de"
    assert mail.headers["Subject"] == "Neue E-Mail-Adresse von Nguyễn Thị Lan"
    assert (f"Die E-Mail-Adresse von Nguyễn Thị Lan hat sich geändert. Sie können jetzt an {new} schreiben."
            in unwrapped(mail.text))
    assert lan.email not in unwrapped(mail.text)
    assert to(sink, silent.email) == [] and to(sink, introduced.email) == []
    # Lan herself is told at both addresses (the change; her own link at the new one): nobody else is.
    assert [m.headers["Subject"] for m in sink.messages() if m.rcpt_tos not in ([lan.email], [new])] \
        == [mail.headers["Subject"]]


async def test_a_counterpart_s_new_address_reaches_the_newcomer_in_her_language(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    lan, thomas, _ = await _mentoring(pool)

    new = await _change_address(pool, thomas)
    await _notified(pool, delivery)

    [mail] = to(sink, lan.email)
    assert mail.headers["Content-Language"] == "vi"
    assert f"Địa chỉ email của Thomas Berger đã thay đổi. Từ nay bạn có thể liên hệ qua {new}." in unwrapped(mail.text)


async def test_nothing_is_sent_when_the_consent_is_withdrawn_before_the_email_goes(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    lan, thomas, match_id = await _mentoring(pool)
    await _change_address(pool, lan)
    requested = await pool.fetch("SELECT payload FROM outbox WHERE payload->>'notification' = 'contact_changed'")
    assert [dict(r["payload"]) for r in requested] == [
        {"notification": "contact_changed", "participant_id": str(thomas.id), "match_id": str(match_id)}]
    await pool.execute(
        "INSERT INTO consents (participant_id, purpose, given, text_version) VALUES ($1, 'share_contact', false, 'v1')",
        lan.id)
    await _notified(pool, delivery)
    assert to(sink, thomas.email) == []
