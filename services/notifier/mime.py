"""The MIME message of one email.

Built with the legacy API (``email.mime``, the compat32 policy): building and flattening a
message through ``EmailMessage``'s header registry took three times as long and was most of the
notifier's CPU per email. An address outside ASCII (an internationalised mailbox) needs SMTPUTF8,
which only ``EmailMessage`` flattens correctly, so that rare case keeps the modern API; a test
checks both give the same email once parsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import charset
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime
from typing import Final

# 8bit, as EmailMessage chose for our lines (templates keep them far below SMTP's 998): readable
# in the raw message, and decoded the same way by every reader (quoted-printable left CRLFs in).
_UTF8: Final = charset.Charset("utf-8")
_UTF8.body_encoding = None


@dataclass(frozen=True, slots=True)
class Email:
    sender: str
    recipient: str
    subject: str
    message_id: str
    date: datetime
    notification_id: str
    locale: str
    text: str
    html: str | None


def _headers(message: Message, email: Email, subject: str | Header) -> None:
    message["From"] = email.sender
    message["To"] = email.recipient
    message["Subject"] = subject
    # Stable per logical notification: a repeat after a crash carries the same ids.
    message["Message-ID"] = email.message_id
    message["Date"] = format_datetime(email.date)
    message["X-Lotse-Notification"] = email.notification_id
    message["Auto-Submitted"] = "auto-generated"
    message["Content-Language"] = email.locale


def build(email: Email) -> Message:
    if not (email.recipient + email.sender).isascii():
        return _modern(email)
    body: MIMENonMultipart | MIMEMultipart = MIMEText(email.text, "plain", _UTF8)
    if email.html:
        body = MIMEMultipart("alternative", _subparts=[body, MIMEText(email.html, "html", _UTF8)])
    _headers(body, email, email.subject if email.subject.isascii() else Header(email.subject, "utf-8"))
    return body


def _modern(email: Email) -> EmailMessage:
    message = EmailMessage()
    message.set_content(email.text)
    if email.html:
        message.add_alternative(email.html, subtype="html")
    # After the body: set_content() drops every Content-* header set before it.
    _headers(message, email, email.subject)
    return message
