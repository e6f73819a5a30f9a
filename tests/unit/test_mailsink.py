"""The local SMTP sink the dev setup, tests and benchmarks rely on: stores, refuses, drops."""

from __future__ import annotations

import asyncio
import contextlib
import smtplib
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from lotse.shared.mailsink import MailSink, free_port, serve


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



async def test_the_dev_sink_offers_smtputf8_so_an_address_beyond_ascii_gets_its_email(tmp_path: Path) -> None:
    """Review 11a, F4: `lotse mailsink` (what `lotse dev` runs) offered no SMTPUTF8, so a registration
    with ü@bücher.example was accepted and its verification email failed for good."""
    port = free_port()
    serving = asyncio.create_task(serve(tmp_path / "mail", port, None))

    def send_one() -> bool:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.ehlo()
            offered = smtp.has_extn("smtputf8")
            smtp.sendmail("lotse@localhost", ["ü@bücher.example"], b"Subject: Hallo\r\n\r\nHallo\r\n",
                          mail_options=["SMTPUTF8"])
            return offered

    try:
        for _ in range(100):
            try:
                assert await asyncio.to_thread(send_one)
                break
            except ConnectionRefusedError:
                await asyncio.sleep(0.05)
        else:
            raise AssertionError("the sink never listened")
        assert any(path.is_file() for path in (tmp_path / "mail").rglob("*"))
    finally:
        serving.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await serving
