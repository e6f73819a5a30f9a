"""The MIME message of one email.

Most emails are written straight to SMTP's wire format by :func:`wire`: headers, then one or two
8bit UTF-8 parts, CRLF throughout. The email package's generator spent more CPU on flattening a
message than the notifier spent on anything else. Where only the email package gets it right (an
address outside ASCII, a line longer than SMTP allows, a header value with a line break), and for
servers without 8BITMIME, :func:`build` makes it with the email package; tests check that all
of them give the same email once parsed.

:func:`build` uses the legacy API (``email.mime``, the compat32 policy): ``EmailMessage``'s header
registry took three times as long. An address outside ASCII (an internationalised mailbox) needs
SMTPUTF8, which only ``EmailMessage`` flattens correctly, so that rare case keeps the modern API;
an internationalised domain alone needs neither (:func:`lotse.shared.mailaddress.ascii_domain`).
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from datetime import datetime
from email import charset, policy
from email.generator import BytesGenerator
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime
from functools import lru_cache
from secrets import token_hex
from typing import Final

# 8bit, as EmailMessage chose for our lines (templates keep them far below SMTP's 998): readable
# in the raw message, and decoded the same way by every reader (quoted-printable left CRLFs in).
_UTF8: Final = charset.Charset("utf-8")
_UTF8.body_encoding = None  # type: ignore[assignment]  # None is 8bit; typeshed knows only the codes
# A part with a line longer than SMTP carries (a digest's list of 20 flagged matches was one HTML line
# of 4 KB, review 9d): quoted-printable, which breaks it into soft lines a reader joins again; an
# 8bit body is written as it is, and the server refused it ("500 Line too long").
_UTF8_QP: Final = charset.Charset("utf-8")
_UTF8_QP.body_encoding = charset.QP
_UTF8_B64: Final = charset.Charset("utf-8")
_UTF8_B64.body_encoding = charset.BASE64


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
    reply_to: str | None = None  # LOTSE_MAIL_REPLY_TO, in the form LOTSE_MAIL_FROM is written in


def _fields(email: Email) -> dict[str, str]:
    """Every header but Subject, whose encoding differs between the writers."""
    fields = {
        "From": email.sender, "To": email.recipient,
        # Stable per logical notification: a repeat after a crash carries the same ids.
        "Message-ID": email.message_id, "Date": format_datetime(email.date),
        "X-Lotse-Notification": email.notification_id,
        # The contract's `Content-Language: <locale>`: the preferred_locale key itself, also for
        # plain German ("de-simple", a well-formed tag with an unregistered variant); pages and
        # API errors say "de-x-simple" (docs/decisions.md).
        "Auto-Submitted": "auto-generated", "Content-Language": email.locale,
        # Exchange and Microsoft 365 go by this, not by Auto-Submitted, to hold back out-of-office
        # and other automatic answers, which otherwise pile up in the sending mailbox (review 12, F10).
        "X-Auto-Response-Suppress": "All",
    }
    if email.reply_to:  # an answer reaches the centre's mailbox, not the sending address (review 12, F4)
        fields["Reply-To"] = email.reply_to
    return fields


def _headers(message: Message, email: Email, subject: str | Header) -> None:
    message["Subject"] = subject  # type: ignore[assignment]  # compat32 takes a Header; typeshed says str
    for name, value in _fields(email).items():
        message[name] = value


def _part(text: str, subtype: str, eight_bit: bool) -> MIMEText:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if eight_bit:
        fits = all(len(line.encode("utf-8")) <= _MAX_LINE for line in text.split("\n"))
        chosen = _UTF8 if fits else _UTF8_QP
    else:
        chosen = _seven_bit(text)
    # MIMEText takes a Charset object (typeshed says str): a name would bring back base64 bodies.
    return MIMEText(text, subtype, chosen)  # type: ignore[arg-type]


def _seven_bit(text: str) -> charset.Charset:
    """For a server without 8BITMIME, the shorter encoding (review 12, F16): quoted-printable keeps
    Latin-script text readable in the raw message (three characters per byte outside ASCII), base64
    is a third longer than the UTF-8 it encodes and wins for Cyrillic or Chinese."""
    data = text.encode("utf-8")
    beyond_ascii = len(data) - len(text.encode("ascii", "ignore"))
    return _UTF8_QP if len(data) + 2 * beyond_ascii <= len(data) * 4 / 3 else _UTF8_B64


def build(email: Email, *, eight_bit: bool = True) -> Message:
    """The email for the email package's generator; ``eight_bit=False`` for a server without
    8BITMIME, whose parts then choose a 7-bit encoding themselves (the generator's is base64)."""
    if not (email.recipient + email.sender).isascii():
        return _modern(email)
    body: MIMENonMultipart | MIMEMultipart = _part(email.text, "plain", eight_bit)
    if email.html:
        body = MIMEMultipart("alternative", _subparts=[body, _part(email.html, "html", eight_bit)])
    # header_name: the first line's fold counts "Subject: " too (85 characters without it, review 12, F9).
    _headers(body, email, email.subject if email.subject.isascii()
             else Header(email.subject, "utf-8", header_name="Subject"))
    return body


def flatten(message: Message, *, utf8: bool, eight_bit: bool) -> bytes:
    """:func:`build`'s message as bytes for DATA: SMTPUTF8 headers where an address needs them,
    8bit bodies only for a server with 8BITMIME (7bit transfer encodings otherwise)."""
    chosen: policy.Policy = (policy.SMTPUTF8 if utf8 else policy.SMTP) if isinstance(message, EmailMessage) \
        else policy.compat32.clone(linesep="\r\n")
    if not eight_bit:
        chosen = chosen.clone(cte_type="7bit")
    buffer = io.BytesIO()
    BytesGenerator(buffer, policy=chosen).flatten(message)
    return buffer.getvalue()


def _modern(email: Email) -> EmailMessage:
    message = EmailMessage()
    message.set_content(email.text)
    if email.html:
        message.add_alternative(email.html, subtype="html")
    # After the body: set_content() drops every Content-* header set before it.
    _headers(message, email, email.subject)
    return message


_MAX_LINE: Final = 998  # octets, without CRLF (RFC 5321 4.5.3.1.6)
_PART: Final = b'Content-Type: text/%s; charset="utf-8"\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: 8bit\r\n'


def _crlf(text: str) -> bytes | None:
    data = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    if len(data) > _MAX_LINE and max(map(len, data.split(b"\n"))) > _MAX_LINE:
        return None
    return data.replace(b"\n", b"\r\n")


def _header_lines(email: Email) -> bytes | None:
    values = _fields(email)
    if any(not v.isascii() or "\r" in v or "\n" in v for v in values.values()) or "\r" in email.subject \
            or "\n" in email.subject:
        return None
    values["Subject"] = _encoded_subject(email.subject)
    return "".join(f"{name}: {_folded(name, value)}\r\n" for name, value in values.items()).encode("ascii")


_FOLD_AT: Final = 78  # characters a header line should keep to (RFC 5322 2.1.1), CRLF not counted


def _folded(name: str, value: str) -> str:
    """An address header too long for one line, folded before its ``<address>``: an encoded display
    name ("=?utf-8?q?Willkommenszentrum_Th=C3=BCringen?= <lotse@…>") made From 85 characters
    (review 12, F9). Other values are short, or folded already (Subject)."""
    if len(name) + 2 + len(value) <= _FOLD_AT or " <" not in value:
        return value
    display, _, address = value.rpartition(" <")
    return f"{display}\r\n <{address}"


@lru_cache(maxsize=512)
def _encoded_subject(subject: str) -> str:
    """RFC 2047 words, folded; cached, because a type's subject in one language is the same for all."""
    return Header(subject, "us-ascii" if subject.isascii() else "utf-8", header_name="Subject").encode(linesep="\r\n")


_BOUNDARY_PREFIX: Final = b"=_lotse_" + token_hex(12).encode("ascii")
_BOUNDARY_COUNT: Final = itertools.count()


def _boundary() -> bytes:
    """Unique per email without a system call each: 96 random bits per process, then a count."""
    return b"%s_%d" % (_BOUNDARY_PREFIX, next(_BOUNDARY_COUNT))


def wire(email: Email) -> bytes | None:
    """The email as the bytes of SMTP DATA (8bit, so for servers with 8BITMIME), or None where
    :func:`build` must make it."""
    headers, text = _header_lines(email), _crlf(email.text)
    html = _crlf(email.html) if email.html else b""
    if headers is None or text is None or html is None:
        return None
    if not email.html:
        return headers + _PART % b"plain" + b"\r\n" + text
    boundary = _boundary()
    while boundary in text or boundary in html:  # a text quoting a boundary: the next one differs
        boundary = _boundary()
    return b"".join((
        # Folded before the boundary, which alone makes the line 88 characters long (review 12, F9).
        b'Content-Type: multipart/alternative;\r\n boundary="', boundary, b'"\r\nMIME-Version: 1.0\r\n', headers,
        b"\r\n--", boundary, b"\r\n", _PART % b"plain", b"\r\n", text,
        b"\r\n--", boundary, b"\r\n", _PART % b"html", b"\r\n", html,
        b"\r\n--", boundary, b"--\r\n",
    ))
