"""The local SMTP sink the dev setup, tests and benchmarks rely on: stores, refuses, drops."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from lotse.shared.mailsink import MailSink


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[MailSink]:
    mail_sink = MailSink(tmp_path / "mail")
    mail_sink.start()
    yield mail_sink
    mail_sink.stop()


def send(sink: MailSink, to: str, subject: str = "Hallo") -> None:
    message = EmailMessage()
    message["From"] = "lotse@localhost"
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Привіт, світ")
    message.add_alternative("<p>Привіт</p>", subtype="html")
    message["Content-Language"] = "uk"  # after the body, which resets Content-* headers
    with smtplib.SMTP("127.0.0.1", sink.smtp_port, timeout=10) as smtp:
        smtp.send_message(message)


def test_a_message_is_stored_with_envelope_and_parts(sink: MailSink) -> None:
    send(sink, "olena@example.org", "Вітаємо")
    [stored] = sink.messages()
    assert stored.rcpt_tos == ["olena@example.org"]
    assert stored.subject == "Вітаємо"
    assert stored.headers["Content-Language"] == "uk"
    assert stored.text.strip() == "Привіт, світ"
    assert stored.html is not None and "<p>Привіт</p>" in stored.html
    assert not list(sink.handler.maildir.glob(".*.tmp"))


def test_injected_replies_refuse_then_recover(sink: MailSink) -> None:
    sink.inject("451 4.3.0 try later")
    with pytest.raises(smtplib.SMTPDataError) as transient:
        send(sink, "a@example.org")
    assert transient.value.smtp_code == 451
    sink.inject("550 5.1.1 no such user")
    with pytest.raises(smtplib.SMTPDataError) as permanent:
        send(sink, "a@example.org")
    assert permanent.value.smtp_code == 550
    send(sink, "a@example.org")
    assert len(sink.messages()) == 1


def test_a_dropped_connection_stores_nothing(sink: MailSink) -> None:
    sink.inject("drop")
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send(sink, "a@example.org")
    assert sink.messages() == []
    send(sink, "a@example.org")
    assert len(sink.messages()) == 1
