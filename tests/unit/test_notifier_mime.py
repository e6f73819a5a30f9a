"""The wire writer, the cheap (legacy API) and the modern message builders give the same email
once parsed."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from typing import Any

import pytest

from lotse.notifier import mime
from lotse.notifier.smtp_client import dot_stuffed
from lotse.shared.mailaddress import ascii_domain

HEADERS = ("From", "To", "Subject", "Message-ID", "Date", "X-Lotse-Notification", "Auto-Submitted",
           "X-Auto-Response-Suppress",
           "Content-Language")


def parsed(message: email.message.Message, *, eight_bit: bool = True) -> email.message.EmailMessage:
    """As the mail server receives it: flattened as the sender does, prepared for DATA (the
    server takes the stuffed dots out again), parsed by a modern reader."""
    received = dot_stuffed(mime.flatten(message, utf8=False, eight_bit=eight_bit)).replace(b"\r\n..", b"\r\n.")
    return email.message_from_bytes(received, policy=email.policy.default)


def text(message: email.message.EmailMessage, subtype: str) -> str:
    """A part's text; line endings are SMTP's (CRLF on the wire), whatever the transfer encoding."""
    part = message.get_body((subtype,))
    assert part is not None, f"no text/{subtype} part"
    content: str = part.get_content()
    return content.replace("\r\n", "\n")


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
    on_wire = mime.wire(fields)
    assert on_wire is not None
    written = email.message_from_bytes(on_wire, policy=email.policy.default)
    cheap, modern = parsed(mime.build(fields)), parsed(mime._modern(fields))
    assert type(mime.build(fields)) is not email.message.EmailMessage  # the cheap path was taken
    for message in (cheap, written):
        for name in HEADERS:
            assert str(message[name]) == str(modern[name]), name
        assert text(message, "plain") == text(modern, "plain") == fields.text
        if html:
            assert text(message, "html").strip() == text(modern, "html").strip()
        else:
            assert message.get_body(("html",)) is None and message.get_content_type() == "text/plain"
    assert not written.defects and all(not part.defects for part in written.walk())
    assert all(len(line) <= 998 for line in on_wire.split(b"\r\n"))


def test_every_writer_asks_exchange_to_send_no_automatic_answers() -> None:
    """Out-of-office answers reached the sending mailbox (review 12, F10); next to Auto-Submitted."""
    fields = _fields()
    on_wire = mime.wire(fields)
    assert on_wire is not None
    for message in (email.message_from_bytes(on_wire), parsed(mime.build(fields)), parsed(mime._modern(fields))):
        assert message["X-Auto-Response-Suppress"] == "All"
        assert message["Auto-Submitted"] == "auto-generated"


def test_every_writer_sets_the_reply_to_the_settings_give_and_none_without() -> None:
    """LOTSE_MAIL_REPLY_TO (review 12, F4), with an encoded display name as the settings write it."""
    reply_to = "=?utf-8?q?Willkommenszentrum_Th=C3=BCringen?= <welcome@centre.example>"
    for fields, expected in ((_fields(reply_to=reply_to), "Willkommenszentrum Thüringen <welcome@centre.example>"),
                             (_fields(), None)):
        on_wire = mime.wire(fields)
        assert on_wire is not None
        for message in (email.message_from_bytes(on_wire, policy=email.policy.default),
                        parsed(mime.build(fields)), parsed(mime._modern(fields))):
            assert (str(message["Reply-To"]) if message["Reply-To"] else None) == expected


def test_plain_german_is_labelled_with_its_locale_key_as_the_contract_says() -> None:
    fields = _fields(locale="de-simple")
    on_wire = mime.wire(fields)
    assert on_wire is not None
    for message in (email.message_from_bytes(on_wire), parsed(mime.build(fields)), parsed(mime._modern(fields))):
        assert message["Content-Language"] == "de-simple"


def test_an_internationalised_mailbox_takes_the_modern_path() -> None:
    fields = mime.Email(sender="noreply@lotse.example", recipient="lan@bücher.example", subject="Lotse",
                        message_id="<a@lotse.example>", date=datetime(2026, 11, 23, tzinfo=UTC), notification_id="a",
                        locale="de", text="Hallo\n", html=None)
    message = mime.build(fields)
    assert isinstance(message, email.message.EmailMessage)
    assert b"lan@b\xc3\xbccher.example" in mime.flatten(message, utf8=True, eight_bit=True)


def test_a_server_without_8bitmime_gets_seven_bit_bytes_of_the_same_email() -> None:
    fields = _fields(text="Grüße, Lan — 汉\n.punkt\n", html="<p>Grüße</p>")
    seven, eight = parsed(mime.build(fields, eight_bit=False), eight_bit=False), parsed(mime.build(fields))
    assert mime.flatten(mime.build(fields, eight_bit=False), utf8=False, eight_bit=False).isascii()
    assert text(seven, "plain") == text(eight, "plain") == fields.text
    assert text(seven, "html").strip() == "<p>Grüße</p>"


def _fields(**overrides: Any) -> mime.Email:
    values: dict[str, Any] = dict(
        sender="Lotse <noreply@lotse.example>", recipient="lan@example.org", subject="Lotse",
        message_id="<a@lotse.example>", date=datetime(2026, 11, 23, tzinfo=UTC), notification_id="a", locale="de",
        text="Hallo\n", html="<p>Hallo</p>")
    values.update(overrides)
    return mime.Email(**values)


@pytest.mark.parametrize("overrides", [
    {"recipient": "lan@bücher.example"},  # SMTPUTF8: the modern builder's
    {"text": "x" * 999 + "\n"},  # longer than SMTP allows in 8bit: the generator re-encodes it
    {"html": "<p>" + "ü" * 500 + "</p>"},  # 1,007 octets in UTF-8
    {"subject": "Lotse\r\nBcc: everyone@example.org"},  # a line break in a header is never written raw
])
def test_what_only_the_email_package_gets_right_is_left_to_it(overrides: dict[str, object]) -> None:
    assert mime.wire(_fields(**overrides)) is None


def test_line_endings_become_crlf_and_the_text_survives_exactly() -> None:
    fields = _fields(text="eins\r\nzwei\rdrei\n\n.punkt\nvier", html=None)
    on_wire = mime.wire(fields)
    assert on_wire is not None and b"\n" not in on_wire.replace(b"\r\n", b"")
    written = email.message_from_bytes(on_wire, policy=email.policy.default)
    assert text(written, "plain") == "eins\nzwei\ndrei\n\n.punkt\nvier"


def test_every_email_gets_its_own_boundary_and_never_one_its_text_contains() -> None:
    upcoming = mime._boundary().decode("ascii")
    number = int(upcoming.rsplit("_", 1)[1])
    quoted = f"{upcoming.rsplit('_', 1)[0]}_{number + 1}"  # the boundary the next email would get
    fields = _fields(text=f"Zitat: {quoted}\n", html="<p>Hallo</p>")
    first, second = mime.wire(fields), mime.wire(_fields())
    assert first is not None and second is not None
    boundary_of = [m.split(b'boundary="', 1)[1].split(b'"', 1)[0] for m in (first, second)]
    assert boundary_of[0] != boundary_of[1] and quoted.encode() not in boundary_of
    written = email.message_from_bytes(first, policy=email.policy.default)
    assert text(written, "plain") == fields.text and text(written, "html").strip() == "<p>Hallo</p>"


@pytest.mark.parametrize(("address", "sent_as"), [
    ("mueller@bücher.de", "mueller@xn--bcher-kva.de"),
    ("mueller@shop.bücher.de", "mueller@shop.xn--bcher-kva.de"),
    ("info@例え.jp", "info@xn--r8jz45g.jp"),
    ("mueller@xn--bcher-kva.de", "mueller@xn--bcher-kva.de"),  # already ASCII
    ("lan@example.org", "lan@example.org"),
    ("müller@bücher.de", "müller@bücher.de"),  # the local part needs SMTPUTF8 anyway: left as it is
])
def test_an_internationalised_domain_is_written_in_idna_form_where_the_local_part_is_ascii(
    address: str, sent_as: str
) -> None:
    assert ascii_domain(address) == sent_as


@pytest.mark.parametrize(("address", "reason"), [
    ("mueller@" + "ü" * 60 + ".de", "cannot be written in IDNA"),  # a label longer than 63 once encoded
    ("mueller@bücher..de", "cannot be written in IDNA"),
    ("mueller@" + ".".join(["bücher"] * 20) + ".de", "longer than 253"),
    # IDNA 2003 would send these to strasse.de and σ, another owner's domain under IDNA 2008
    ("mueller@straße.de", "IDNA 2003 and IDNA 2008"),
    ("mueller@ελληνικός.gr", "IDNA 2003 and IDNA 2008"),
])
def test_a_domain_idna_cannot_write_safely_is_refused_with_the_reason(address: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        ascii_domain(address)


def test_an_email_to_an_idna_domain_takes_the_wire_path_with_the_same_to_header() -> None:
    on_wire = mime.wire(_fields(recipient=ascii_domain("mueller@bücher.de")))
    assert on_wire is not None and on_wire.isascii()
    assert b"\r\nTo: mueller@xn--bcher-kva.de\r\n" in on_wire


@pytest.mark.parametrize("eight_bit", [True, False])
def test_a_line_longer_than_smtp_carries_is_broken_into_soft_lines_and_read_back_whole(eight_bit: bool) -> None:
    """Review 9d: a digest's HTML list was one line of 4 KB; the email package wrote it unbroken and the
    mail server refused it ("500 Line too long")."""
    long_html = "<ul>" + "".join(f"<li>Олена Шевчук – Martina Fischer <a href='https://lotse.example/m/{i}'>öffnen</a></li>"
                                 for i in range(60)) + "</ul>"
    fields = _fields(html=long_html)
    assert mime.wire(fields) is None  # too long for the wire writer: the email package's path
    flat = dot_stuffed(mime.flatten(mime.build(fields, eight_bit=eight_bit), utf8=False, eight_bit=eight_bit))
    assert max(len(line) for line in flat.split(b"\r\n")) <= 998
    message = parsed(mime.build(fields, eight_bit=eight_bit), eight_bit=eight_bit)
    assert text(message, "html").strip() == long_html and text(message, "plain") == fields.text


@pytest.mark.parametrize("eight_bit", [True, False])
def test_header_lines_keep_to_78_characters(eight_bit: bool) -> None:
    """Review 12, F9: From with an encoded display name was 85 characters, the multipart Content-Type
    88, and a non-ASCII subject's first line 85 on the 7-bit path; each is folded now."""
    fields = mime.Email(
        sender="=?utf-8?q?Willkommenszentrum_Th=C3=BCringen?= <lotse@willkommen-thueringen.example>",
        recipient="lan@example.org", subject="Знайомство: Pflegefachkraft (m/w/d) Intensivstation – Helios Klinikum",
        message_id="<1b4e28ba-2fa1-11d2-883f-0016d3cca427@lotse.example>",
        date=datetime(2026, 11, 23, 9, 30, tzinfo=UTC), notification_id="1b4e28ba-2fa1-11d2-883f-0016d3cca427",
        locale="uk", text="Вітаємо,\n", html="<p>Вітаємо,</p>",
        reply_to="=?utf-8?q?Willkommenszentrum_Th=C3=BCringen?= <welcome@willkommen-thueringen.example>",
    )
    raw = mime.wire(fields) if eight_bit else mime.flatten(mime.build(fields, eight_bit=False), utf8=False,
                                                          eight_bit=False)
    assert raw is not None
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 78, head.decode()
    received = email.message_from_bytes(raw, policy=email.policy.default)
    assert str(received["From"]) == "Willkommenszentrum Thüringen <lotse@willkommen-thueringen.example>"
    assert str(received["Reply-To"]) == "Willkommenszentrum Thüringen <welcome@willkommen-thueringen.example>"
    assert str(received["Subject"]) == fields.subject and received.get_content_type() == "multipart/alternative"
    assert not received.defects


@pytest.mark.parametrize(("text_part", "encoding"), [
    ("Hallo Jörg, Ihre Anmeldung bei Lotse ist bestätigt.\n", "quoted-printable"),
    ("Вітаємо, Олено! Вашу реєстрацію підтверджено.\n", "base64"),
    ("您好！您的注册已确认。\n", "base64"),
])
def test_the_seven_bit_path_writes_each_part_in_the_shorter_encoding(text_part: str, encoding: str) -> None:
    """Review 12, F16: without 8BITMIME every body was base64, even German and English ones, which
    quoted-printable keeps readable in the raw message; base64 stays where it is the shorter."""
    fields = _fields(text=text_part, html=f"<p>{text_part.strip()}</p>")
    raw = mime.flatten(mime.build(fields, eight_bit=False), utf8=False, eight_bit=False)
    assert raw.isascii()
    received = email.message_from_bytes(raw, policy=email.policy.default)
    parts = [p for p in received.walk() if p.get_content_maintype() == "text"]
    assert [p["Content-Transfer-Encoding"] for p in parts] == [encoding, encoding]
    # Python's decoder leaves a quoted-printable line's CRLF in (mail programs take it as a line end).
    decoded = [p.get_content().replace("\r\n", "\n") for p in parts]
    assert decoded[0] == text_part and decoded[1].strip() == f"<p>{text_part.strip()}</p>"
    if encoding == "quoted-printable":
        assert b"Ihre Anmeldung bei Lotse ist best=C3=A4tigt." in raw  # readable as it is
