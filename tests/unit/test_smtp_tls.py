"""Implicit TLS (RFC 8314, port 465) and no login in clear to another machine (review 8g, finding 12):
a real aiosmtpd server speaking TLS from the first byte, with a certificate from a throwaway
authority the client must verify."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as Server
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from lotse.notifier import mime
from lotse.notifier.smtp import SmtpSender, TransientSendError
from lotse.notifier.smtp_client import SetupError, SmtpClient, login_in_clear_refused
from lotse.shared.config import ConfigError, load_settings, weak_settings
from lotse.shared.mailsink import free_port
from tests.unit.test_smtp_client import Recorder

SECRET = {"LOTSE_SECRET_KEY": "0123456789abcdef0123"}
LOGIN = {"LOTSE_SMTP_USER": "lotse", "LOTSE_SMTP_PASSWORD": "s3cret pass"}


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


def _password(server: Server, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"lotse", b"s3cret pass")
    return AuthResult(success=ok, handled=False)


class SmtpsController(Controller):
    """aiosmtpd with TLS from the first byte (``ssl_context``): nothing reaches it unencrypted.

    The client hangs up after QUIT without TLS's close_notify; the server's TLS shutdown then
    waits for it up to asyncio's 30 s, and a loop stopped meanwhile leaves its socket unclosed (a
    ResourceWarning in a later test). A short shutdown timeout, and stopping only once every
    connection is closed (asyncio's Server counts them in a private attribute), keep it clean."""

    def _create_server(self) -> Awaitable[asyncio.AbstractServer]:
        return self.loop.create_server(self._factory_invoker, host=self.hostname, port=self.port,
                                       ssl=self.ssl_context, ssl_shutdown_timeout=0.2)

    def stop(self, no_assert: bool = False) -> None:
        deadline = time.monotonic() + 5
        while getattr(self.server, "_active_count", 0) and time.monotonic() < deadline:
            time.sleep(0.01)
        super().stop(no_assert)


@contextmanager
def smtps_server(recorder: Recorder, authority: trustme.CA) -> Iterator[int]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    port = free_port()
    # auth_require_tls knows STARTTLS only; every connection here is TLS anyway.
    controller = SmtpsController(recorder, hostname="127.0.0.1", port=port, ssl_context=context,
                                 authenticator=_password, auth_require_tls=False)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@pytest.fixture
def trusted(authority: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The throwaway authority as the system's trust store (OpenSSL reads SSL_CERT_FILE), so the
    notifier's own path, which passes no context, verifies against it."""
    path = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    monkeypatch.setenv("SSL_CERT_FILE", str(path))


def _email(recipient: str) -> mime.Email:
    return mime.Email(sender="Lotse <noreply@lotse.example>", recipient=recipient, subject="Hallo",
                      message_id="<tls@lotse.example>", date=datetime(2026, 11, 23, tzinfo=UTC),
                      notification_id="tls", locale="de", text="Grüße über TLS\n", html=None)


@pytest.mark.usefixtures("trusted")
async def test_implicit_tls_delivers_through_the_notifiers_sender_with_a_login(authority: trustme.CA) -> None:
    recorder = Recorder(pipelining=True)
    with smtps_server(recorder, authority) as port:
        sender = SmtpSender(load_settings({"LOTSE_DEV_MODE": "true", "LOTSE_SMTP_PORT": str(port),
                                           "LOTSE_SMTP_TLS": "true", "LOTSE_SMTP_TIMEOUT": "5", **LOGIN}))
        await sender.send(_email("lan@example.org"), then=_email("olena@example.org"))
        await sender.send(_email("olena@example.org"))
        await sender.close()
    assert [(to, b"Gr" in content) for _, to, content in recorder.received] == [
        (["lan@example.org"], True), (["olena@example.org"], True)]


@pytest.mark.usefixtures("trusted")
async def test_the_client_is_encrypted_from_the_greeting_on(authority: trustme.CA) -> None:
    with smtps_server(Recorder(pipelining=False), authority) as port:
        client = await SmtpClient.connect("127.0.0.1", port, timeout_s=5, implicit_tls=True, user="lotse",
                                          password="s3cret pass")
        assert client.encrypted and client.supports("auth") and not client.supports("starttls")
        await client.quit()
        with pytest.raises(ValueError, match="STARTTLS"):
            await SmtpClient.connect("127.0.0.1", port, timeout_s=5, implicit_tls=True, starttls=True)


async def test_an_unknown_certificate_is_a_transient_delivery_error(
    authority: trustme.CA, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)  # the system's store does not know the authority
    recorder = Recorder(pipelining=True)
    with smtps_server(recorder, authority) as port:
        with pytest.raises(ssl.SSLCertVerificationError):
            await SmtpClient.connect("127.0.0.1", port, timeout_s=5, implicit_tls=True)
        sender = SmtpSender(load_settings({"LOTSE_DEV_MODE": "true", "LOTSE_SMTP_PORT": str(port),
                                           "LOTSE_SMTP_TLS": "true", "LOTSE_SMTP_TIMEOUT": "5", **LOGIN}))
        with pytest.raises(TransientSendError, match="certificate verify failed"):
            await sender.send(_email("lan@example.org"))
    assert recorder.received == []


@pytest.mark.parametrize(("environ", "implicit"), [
    ({"LOTSE_SMTP_PORT": "465"}, True),  # what providers hand out first (RFC 8314)
    ({"LOTSE_SMTP_PORT": "465", "LOTSE_SMTP_TLS": "false"}, False),  # a plain server on 465, on purpose
    ({"LOTSE_SMTP_PORT": "2465", "LOTSE_SMTP_TLS": "true"}, True),
    ({"LOTSE_SMTP_PORT": "587", "LOTSE_SMTP_STARTTLS": "true"}, False),
    ({}, False),  # the contract's default: the mail sink on 1025, no TLS
])
def test_port_465_or_lotse_smtp_tls_means_implicit_tls(environ: dict[str, str], implicit: bool) -> None:
    assert load_settings({**SECRET, **environ}).smtp_implicit_tls is implicit


@pytest.mark.parametrize(("environ", "named"), [
    ({"LOTSE_SMTP_TLS": "true"}, "LOTSE_SMTP_TLS=true"),
    ({"LOTSE_SMTP_PORT": "465"}, "LOTSE_SMTP_PORT=465"),
])
def test_starttls_with_implicit_tls_is_a_configuration_error(environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({**SECRET, "LOTSE_SMTP_STARTTLS": "true", **environ})
    message = str(error.value)
    assert message.startswith("LOTSE_SMTP_STARTTLS=true and " + named) and "\n" not in message
    assert load_settings({**SECRET, "LOTSE_SMTP_STARTTLS": "true", "LOTSE_SMTP_PORT": "465",
                          "LOTSE_SMTP_TLS": "false"}).smtp_starttls


@pytest.mark.parametrize(("host", "encrypted", "allowed", "refused"), [
    ("smtp.example.org", False, False, True),
    ("10.0.0.25", False, False, True),  # a private network is still a network
    ("smtp.example.org", True, False, False),
    ("smtp.example.org", False, True, False),  # LOTSE_SMTP_AUTH_UNENCRYPTED
    ("127.0.0.1", False, False, False),  # the test and development sinks
    ("localhost", False, False, False),
    ("::1", False, False, False),
])
def test_a_login_in_clear_is_refused_to_another_machine_only(
    host: str, encrypted: bool, allowed: bool, refused: bool,
) -> None:
    assert login_in_clear_refused(host, encrypted=encrypted, allowed=allowed) is refused


@asynccontextmanager
async def listening_server(heard: list[bytes]) -> AsyncIterator[int]:
    """A plain server offering AUTH PLAIN that keeps every line it reads."""
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 hi\r\n")
        with contextlib.suppress(ConnectionError):
            while line := await reader.readline():
                heard.append(line)
                writer.write(b"250-hi\r\n250 AUTH PLAIN\r\n" if line.startswith(b"EHLO") else
                             b"235 ok\r\n" if line.startswith(b"AUTH") else b"221 bye\r\n")
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def test_the_password_is_not_sent_in_clear_to_another_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    # "smtp.example.org" is reached at the local server: the client decides by the name it was given.
    opened = asyncio.open_connection

    async def to_this_machine(host: str, port: int, **options: Any) -> Any:
        return await opened("127.0.0.1", port, **options)

    monkeypatch.setattr(asyncio, "open_connection", to_this_machine)
    heard: list[bytes] = []
    async with listening_server(heard) as port:
        with pytest.raises(SetupError, match=r"connection to smtp\.example\.org is not encrypted"):
            await SmtpClient.connect("smtp.example.org", port, timeout_s=5, user="lotse", password="s3cret pass")
        settings = load_settings({"LOTSE_DEV_MODE": "true", "LOTSE_SMTP_HOST": "smtp.example.org",
                                  "LOTSE_SMTP_PORT": str(port), **LOGIN})
        with pytest.raises(TransientSendError, match="LOTSE_SMTP_TLS=true"):
            await SmtpSender(settings).send(_email("lan@example.org"))
        assert heard and not [line for line in heard if line.startswith(b"AUTH")]
        client = await SmtpClient.connect("smtp.example.org", port, timeout_s=5, login_unencrypted=True,
                                          user="lotse", password="s3cret pass")
        await client.quit()
    assert [line for line in heard if line.startswith(b"AUTH")] == [b"AUTH PLAIN AGxvdHNlAHMzY3JldCBwYXNz\r\n"]


REMOTE = {**SECRET, "LOTSE_PUBLIC_URL": "https://lotse.example.org", "LOTSE_MAIL_FROM": "lotse@welcome.example",
          "LOTSE_SMTP_HOST": "mail.welcome.example", "LOTSE_SMTP_PORT": "587", **LOGIN}


@pytest.mark.parametrize("dev_mode", ["false", "true"])
def test_a_login_without_tls_to_another_machine_is_warned_about_at_start_up(dev_mode: str) -> None:
    remote = {**REMOTE, "LOTSE_DEV_MODE": dev_mode}
    [line] = weak_settings(load_settings(remote))
    assert line.startswith("LOTSE_SMTP_USER is set but the connection to mail.welcome.example is not encrypted")
    assert "LOTSE_SMTP_STARTTLS=true" in line and "LOTSE_SMTP_TLS=true" in line
    [line] = weak_settings(load_settings({**remote, "LOTSE_SMTP_AUTH_UNENCRYPTED": "1"}))
    assert line.startswith("LOTSE_SMTP_AUTH_UNENCRYPTED is set") and "unencrypted" in line
    # Encrypted, or to a relay on this machine: nothing to warn about.
    for changes in ({"LOTSE_SMTP_STARTTLS": "true"}, {"LOTSE_SMTP_PORT": "465"}, {"LOTSE_SMTP_TLS": "true"},
                    {"LOTSE_SMTP_HOST": "127.0.0.1", "LOTSE_SMTP_PORT": "25"}):
        assert weak_settings(load_settings({**remote, **changes})) == [], changes
