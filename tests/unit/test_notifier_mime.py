"""The cheap (legacy API) and the modern message builders give the same email once parsed."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

import pytest
from aiosmtplib.email import flatten_message
from aiosmtplib.protocol import LINE_ENDINGS_REGEX

from lotse.notifier import mime

HEADERS = ("From", "To", "Subject", "Message-ID", "Date", "X-Lotse-Notification", "Auto-Submitted",
           "Content-Language")


def parsed(message: email.message.Message) -> email.message.EmailMessage:
    """As the mail server receives it: flattened by aiosmtplib, line endings made CRLF for DATA as
    aiosmtplib does, parsed by a modern reader."""
    received = LINE_ENDINGS_REGEX.sub(b"\r\n", flatten_message(message))
    return email.message_from_bytes(received, policy=email.policy.default)  # type: ignore[return-value]


def text(message: email.message.EmailMessage, subtype: str) -> str:
    """A part's text; line endings are SMTP's (CRLF on the wire), whatever the transfer encoding."""
    return message.get_body((subtype,)).get_content().replace("\r\n", "\n")  # type: ignore[union-attr]


@pytest.mark.parametrize("subject", ["Lotse: please confirm", "Lotse: Vui lòng xác nhận địa chỉ email của bạn "
                                     "— một liên kết dài để kiểm tra việc gấp dòng tiêu đề"])
@pytest.mark.parametrize("html", [None, "<p>Xin chào <b>Lan</b> – <a href='https://x.example/v/abc'>link</a></p>"])
def test_both_builders_give_the_same_email(subject: str, html: str | None) -> None:
    fields = mime.Email(
        sender="Lotse <noreply@lotse.example>", recipient="lan@example.org", subject=subject,
        message_id="<1b4e28ba-2fa1-11d2-883f-0016d3cca427@lotse.example>",
        date=datetime(2026, 11, 23, 9, 30, tzinfo=UTC), notification_id="1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        locale="vi", text="Xin chào Lan,\n\nhttps://lotse.example/verify/" + "x" * 120 + "\n\n€ ü ß Ж 汉\n", html=html,
    )
    cheap, modern = parsed(mime.build(fields)), parsed(mime._modern(fields))
    assert type(mime.build(fields)) is not email.message.EmailMessage  # the cheap path was taken
    for name in HEADERS:
        assert str(cheap[name]) == str(modern[name]), name
    assert text(cheap, "plain") == text(modern, "plain") == fields.text
    if html:
        assert text(cheap, "html").strip() == text(modern, "html").strip()
    else:
        assert cheap.get_body(("html",)) is None and cheap.get_content_type() == "text/plain"


def test_an_internationalised_mailbox_takes_the_modern_path() -> None:
    fields = mime.Email(sender="noreply@lotse.example", recipient="lan@bücher.example", subject="Lotse",
                        message_id="<a@lotse.example>", date=datetime(2026, 11, 23, tzinfo=UTC), notification_id="a",
                        locale="de", text="Hallo\n", html=None)
    message = mime.build(fields)
    assert isinstance(message, email.message.EmailMessage)
    assert b"lan@b\xc3\xbccher.example" in flatten_message(message, utf8=True)
