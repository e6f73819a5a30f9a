"""The notifier's SMTP client against a real server (aiosmtpd): pipelined and one command at a
time, STARTTLS with a certificate it must verify, login, refusals that leave the connection
usable, and servers that hang up, stay silent or do not speak SMTP."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as Server
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from lotse.notifier import mime
from lotse.notifier.smtp import PermanentSendError, SmtpSender, TransientSendError
from lotse.notifier.smtp_client import (
    AddressError,
    ProtocolError,
    ReplyError,
    SetupError,
    SmtpClient,
    dot_stuffed,
)
from lotse.shared.config import load_settings
from lotse.shared.mailsink import free_port

SENDER = "noreply@lotse.example"
CONTENT = "Subject: Grüße\r\n\r\n.eine Zeile mit Punkt\r\n..zwei Punkte\r\n.\r\nEnde, 汉字\r\n".encode()


class Recorder:
    """Keeps what arrived; refuses `nobody@…` at RCPT and `blocked@…` at MAIL."""

    def __init__(self, pipelining: bool, eight_bit: bool = True) -> None:
        self.pipelining = pipelining
        self.eight_bit = eight_bit  # whether EHLO offers 8BITMIME
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_EHLO(self, server: Server, session: Session, envelope: Envelope, hostname: str,
                          responses: list[str]) -> list[str]:
        session.host_name = hostname
        extra = ["250-PIPELINING"] if self.pipelining else []
        offered = [r for r in responses[:-1] if self.eight_bit or "8BITMIME" not in r]
        return [*offered, *extra, responses[-1]]

    async def handle_MAIL(self, server: Server, session: Session, envelope: Envelope, address: str,
                          options: list[str]) -> str:
        if address.startswith("blocked@"):
            return "451 4.7.1 try again later"
        envelope.mail_from, envelope.mail_options = address, options
        return "250 OK"

    async def handle_RCPT(self, server: Server, session: Session, envelope: Envelope, address: str,
                          options: list[str]) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Server, session: Session, envelope: Envelope) -> str:
        content = bytes(envelope.original_content or b"")
        self.received.append((str(envelope.mail_from), list(envelope.rcpt_tos), content))
        return "250 2.0.0 queued"


@contextmanager
def smtp_server(recorder: Recorder, **options: Any) -> Iterator[int]:
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture(params=[True, False], ids=["pipelined", "one-by-one"])
def recorder(request: pytest.FixtureRequest) -> Recorder:
    return Recorder(pipelining=request.param)


def test_dot_stuffing_and_line_endings() -> None:
    assert dot_stuffed(b".a\r\nb\r\n.c") == b"..a\r\nb\r\n..c\r\n"
    assert dot_stuffed(b"a\nb\r.c\r\n") == b"a\r\nb\r\n..c\r\n"
    assert dot_stuffed(b"") == b"\r\n"


async def test_emails_arrive_byte_for_byte_over_one_connection(recorder: Recorder) -> None:
    with smtp_server(recorder) as port:
        client = await SmtpClient.connect("127.0.0.1", port, timeout_s=5)
        assert client.supports("pipelining") is recorder.pipelining and client.supports("8bitmime")
        for recipient in ("lan@example.org", "olena@example.org"):
            reply = await client.send("noreply@lotse.example", recipient, dot_stuffed(CONTENT), ("BODY=8BITMIME",))
            assert reply.code == 250 and "queued" in reply.text
        await client.quit()
    assert recorder.received == [("noreply@lotse.example", ["lan@example.org"], CONTENT),
                                 ("noreply@lotse.example", ["olena@example.org"], CONTENT)]


async def test_a_run_of_emails_opens_each_next_transaction_behind_the_content_before(recorder: Recorder) -> None:
    recipients = ["a@example.org", "nobody@example.org", "c@example.org", "d@example.org"]
    outcomes: list[object] = []
    with smtp_server(recorder) as port:
        client = await SmtpClient.connect("127.0.0.1", port, timeout_s=5)
        writes = _writes_of(client)
        for recipient, following in zip(recipients, [*recipients[1:], None], strict=True):
            then = None if following is None else (SENDER, following, ("BODY=8BITMIME",))
            try:
                await client.send(SENDER, recipient, dot_stuffed(CONTENT), ("BODY=8BITMIME",), then)
                outcomes.append(250)
            except ReplyError as refused:  # the one refused recipient leaves the run going
                outcomes.append((refused.command, refused.reply.code))
        await client.quit()
    assert outcomes == [250, ("RCPT", 550), 250, 250]
    assert recorder.received == [(SENDER, [r], CONTENT) for r in ("a@example.org", "c@example.org", "d@example.org")]
    opened_ahead = [w for w in writes if w.startswith(dot_stuffed(CONTENT) + b".\r\nMAIL FROM:")]
    # Pipelined: behind a's content goes the refused one's envelope; behind c's, d's. Behind the
    # refused one's nothing (its content was never sent), so c's envelope goes out on its own.
    assert len(opened_ahead) == (2 if recorder.pipelining else 0)


async def test_a_transaction_opened_ahead_for_an_email_not_sent_after_all_goes_unsent() -> None:
    recorder = Recorder(pipelining=True)
    with smtp_server(recorder) as port:
        client = await SmtpClient.connect("127.0.0.1", port, timeout_s=5)
        await client.send(SENDER, "a@example.org", dot_stuffed(CONTENT), (), (SENDER, "b@example.org", ()))
        assert client.ready_for(SENDER, "b@example.org") and not client.ready_for(SENDER, "c@example.org")
        with pytest.raises(ConnectionResetError, match="opened ahead"):
            await client.send(SENDER, "c@example.org", dot_stuffed(CONTENT))
        assert not client.is_open
        client = await SmtpClient.connect("127.0.0.1", port, timeout_s=5)
        await client.send(SENDER, "a@example.org", dot_stuffed(CONTENT), (), (SENDER, "b@example.org", ()))
        async with asyncio.timeout(1):  # not the SMTP timeout: QUIT would be read as b's content
            await client.quit()
        # The sender, told to send another email than the one it opened ahead, reconnects for it.
        sender = SmtpSender(load_settings({"LOTSE_SMTP_PORT": str(port), "LOTSE_DEV_MODE": "true"}))
        await sender.send(_email("a@example.org"), then=_email("b@example.org"))
        await sender.send(_email("c@example.org"))
        await sender.send(_email("d@example.org"), then=_email("e@example.org"))
        await sender.send(_email("e@example.org"))
        await sender.close()
    arrived = [r[1][0] for r in recorder.received]
    assert arrived == ["a@example.org", "a@example.org", "a@example.org", "c@example.org", "d@example.org",
                       "e@example.org"]
    assert recorder.received[-1][2] == recorder.received[-2][2].replace(b"d@example.org", b"e@example.org")


def _writes_of(client: SmtpClient) -> list[bytes]:
    """Each write the client makes from now on (one write is one segment on the wire, at most)."""
    writes: list[bytes] = []
    write = client._writer.write

    def recorded(data: bytes | bytearray | memoryview) -> None:
        writes.append(bytes(data))
        write(data)

    client._writer.write = recorded  # type: ignore[method-assign]  # records the client's writes
    return writes


@pytest.mark.parametrize(("sender", "recipient", "command", "code"), [
    ("noreply@lotse.example", "nobody@example.org", "RCPT", 550),
    ("blocked@lotse.example", "lan@example.org", "MAIL", 451),
])
async def test_a_refusal_names_its_command_and_the_connection_goes_on(
    recorder: Recorder, sender: str, recipient: str, command: str, code: int
) -> None:
    with smtp_server(recorder) as port:
        client = await SmtpClient.connect("127.0.0.1", port, timeout_s=5)
        with pytest.raises(ReplyError) as refused:
            await client.send(sender, recipient, dot_stuffed(CONTENT))
        assert (refused.value.command, refused.value.reply.code) == (command, code)
        assert client.is_open
        await client.send("noreply@lotse.example", "lan@example.org", dot_stuffed(CONTENT))
        await client.quit()
    assert [r[1] for r in recorder.received] == [["lan@example.org"]]


async def test_an_address_that_could_smuggle_a_command_is_refused_before_anything_is_sent() -> None:
    recorder = Recorder(pipelining=True)
    with smtp_server(recorder) as port:
        client = await SmtpClient.connect("127.0.0.1", port, timeout_s=5)
        with pytest.raises(AddressError):
            await client.send("noreply@lotse.example", "lan@example.org>\r\nRCPT TO:<all@example.org",
                              dot_stuffed(CONTENT))
        await client.send("noreply@lotse.example", "lan@example.org", dot_stuffed(CONTENT))
        await client.quit()
    assert [r[1] for r in recorder.received] == [["lan@example.org"]]


@dataclasses.dataclass
class Tls:
    server: ssl.SSLContext
    client: ssl.SSLContext


@pytest.fixture(scope="module")
def tls() -> Tls:
    authority = trustme.CA()
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(server)
    client = ssl.create_default_context()
    authority.configure_trust(client)
    return Tls(server, client)


def _password(server: Server, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"lotse", b"s3cret pass")
    return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
async def test_starttls_then_login_then_send(tls: Tls, mechanism: str) -> None:
    recorder = Recorder(pipelining=True)
    excluded = [m for m in ("PLAIN", "LOGIN") if m != mechanism]
    with smtp_server(recorder, tls_context=tls.server, require_starttls=True, authenticator=_password,
                     auth_require_tls=True, auth_exclude_mechanism=excluded) as port:
        client = await SmtpClient.connect("127.0.0.1", port, timeout_s=5, starttls=True, user="lotse",
                                          password="s3cret pass", tls_context=tls.client)
        assert client.supports("auth") and not client.supports("starttls")  # EHLO again, encrypted
        await client.send("noreply@lotse.example", "lan@example.org", dot_stuffed(CONTENT))
        await client.quit()
        with pytest.raises(SetupError, match="login refused: 535"):
            await SmtpClient.connect("127.0.0.1", port, timeout_s=5, starttls=True, user="lotse",
                                     password="wrong", tls_context=tls.client)
        with pytest.raises(ssl.SSLCertVerificationError):  # the system's trust store does not know this CA
            await SmtpClient.connect("127.0.0.1", port, timeout_s=5, starttls=True)
    assert len(recorder.received) == 1


async def test_starttls_wanted_but_not_offered_is_a_setup_error() -> None:
    with smtp_server(Recorder(pipelining=True)) as port, pytest.raises(SetupError, match="STARTTLS"):
        await SmtpClient.connect("127.0.0.1", port, timeout_s=5, starttls=True)


@asynccontextmanager
async def raw_server(greeting: bytes | None, replies: list[bytes]) -> AsyncIterator[int]:
    """A server that writes ``greeting`` (nothing if None), answers the lines it reads with
    ``replies`` in turn, and hangs up when they run out."""
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if greeting:
            writer.write(greeting)
        with contextlib.suppress(ConnectionError):
            for reply in replies:
                if not await reader.readline():
                    break
                writer.write(reply)
            if greeting is None:
                await reader.read()  # stay silent until the client gives up
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def test_a_server_that_does_not_speak_smtp() -> None:
    async with raw_server(b"HTTP/1.1 400 Bad Request\r\n\r\n", []) as port:
        with pytest.raises(ProtocolError):
            await SmtpClient.connect("127.0.0.1", port, timeout_s=5)


async def test_a_silent_server_times_out() -> None:
    async with raw_server(None, []) as port:
        with pytest.raises(TimeoutError):
            await SmtpClient.connect("127.0.0.1", port, timeout_s=0.3)


async def test_a_server_that_hangs_up_mid_transaction() -> None:
    async with raw_server(b"220 hi\r\n", [b"250 hi\r\n"]) as port:
        client = await SmtpClient.connect("127.0.0.1", port, timeout_s=5)
        with pytest.raises(ConnectionResetError):
            await client.send("a@example.org", "b@example.org", dot_stuffed(CONTENT))


async def test_plaintext_behind_the_starttls_reply_is_not_taken_for_encrypted_replies() -> None:
    ehlo = b"250-raw\r\n250 STARTTLS\r\n"
    async with raw_server(b"220 hi\r\n", [ehlo, b"220 go ahead\r\n250-injected\r\n250 AUTH PLAIN\r\n"]) as port:
        with pytest.raises(ProtocolError, match="before the handshake"):
            await SmtpClient.connect("127.0.0.1", port, timeout_s=5, starttls=True)


async def test_data_taken_after_a_refused_recipient_ends_the_connection_unsent() -> None:
    ehlo = b"250-raw\r\n250 PIPELINING\r\n"
    async with raw_server(b"220 hi\r\n", [ehlo, b"250 ok\r\n", b"550 no such mailbox\r\n", b"354 go\r\n"]) as port:
        client = await SmtpClient.connect("127.0.0.1", port, timeout_s=5)
        with pytest.raises(ReplyError) as refused:
            await client.send("a@example.org", "nobody@example.org", dot_stuffed(CONTENT))
        assert (refused.value.command, refused.value.reply.code) == ("RCPT", 550)
        assert not client.is_open


async def test_the_sender_retries_setup_trouble_and_fails_a_refused_address_for_good(tls: Tls) -> None:
    with smtp_server(Recorder(pipelining=True)) as port:
        settings = load_settings({"LOTSE_SMTP_PORT": str(port), "LOTSE_SMTP_STARTTLS": "true",
                                  "LOTSE_DEV_MODE": "true"})
        sender = SmtpSender(settings)
        with pytest.raises(TransientSendError, match="does not offer STARTTLS"):
            await sender.send(_email("lan@example.org"))
        sender = SmtpSender(dataclasses.replace(settings, smtp_starttls=False))
        with pytest.raises(PermanentSendError, match=r"550 5\.1\.1"):
            await sender.send(_email("nobody@example.org"))
        await sender.send(_email("lan@example.org"))
        await sender.close()


def _email(recipient: str) -> mime.Email:
    return mime.Email(sender="Lotse <noreply@lotse.example>", recipient=recipient, subject="Hallo",
                      message_id="<a@lotse.example>", date=datetime(2026, 11, 23, tzinfo=UTC), notification_id="a",
                      locale="de", text="Hallo\n", html=None)


@pytest.mark.parametrize("smtputf8", [False, True], ids=["without-smtputf8", "with-smtputf8"])
async def test_an_internationalised_domain_goes_out_in_idna_form_and_only_a_local_part_needs_smtputf8(
    smtputf8: bool,
) -> None:
    recorder = Recorder(pipelining=True)
    with smtp_server(recorder, enable_SMTPUTF8=smtputf8) as port:
        sender = SmtpSender(load_settings({"LOTSE_SMTP_PORT": str(port), "LOTSE_DEV_MODE": "true"}))
        mueller, mueller_too = _email("mueller@bücher.de"), _email("mueller@bücher.de")
        await sender.send(mueller, then=mueller_too)  # the next email's envelope goes out ahead
        await sender.send(mueller_too)
        with pytest.raises(PermanentSendError, match="IDNA"):
            await sender.send(_email("mueller@" + "ü" * 60 + ".de"))
        if smtputf8:
            await sender.send(_email("müller@bücher.de"))
        else:
            with pytest.raises(PermanentSendError, match="needs SMTPUTF8"):
                await sender.send(_email("müller@bücher.de"))
        await sender.send(_email("lan@example.org"))  # the session goes on after each refusal
        await sender.close()
    assert [r[1] for r in recorder.received] == [["mueller@xn--bcher-kva.de"]] * 2 + [["müller@bücher.de"]] * smtputf8 \
        + [["lan@example.org"]]
    for _, _, content in recorder.received[:2]:
        assert b"\r\nTo: mueller@xn--bcher-kva.de\r\n" in content and content.isascii()


async def test_a_server_without_8bitmime_gets_german_text_readable_as_quoted_printable() -> None:
    """Review 12, F16: the 7-bit path chose base64 for every body."""
    recorder = Recorder(pipelining=True, eight_bit=False)
    with smtp_server(recorder) as port:
        sender = SmtpSender(load_settings({"LOTSE_SMTP_PORT": str(port), "LOTSE_DEV_MODE": "true"}))
        text = "Hallo Jörg,\n\nIhre Anmeldung bei Lotse ist bestätigt. Wir melden uns, sobald es passt.\n"
        await sender.send(dataclasses.replace(_email("lan@example.org"), text=text))
        await sender.close()
    [(_, _, content)] = recorder.received
    assert content.isascii() and b"Content-Transfer-Encoding: quoted-printable" in content
    assert b"Ihre Anmeldung bei Lotse ist best=C3=A4tigt." in content
