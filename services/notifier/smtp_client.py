"""A small SMTP client (RFC 5321) that pipelines (RFC 2920): one round trip per email, not four.

aiosmtplib, which the notifier used before, waits for each reply before it writes the next
command, and drops a reply that arrives before it asked for it; so MAIL, RCPT, DATA and the
content each cost a round trip. On a loopback those round trips were a third of the notifier's
CPU. This client writes MAIL, RCPT and DATA together where the server offers PIPELINING, and one
command at a time where it does not. Sending a run of emails, it writes the next one's envelope
behind this one's end of data (RFC 2920 lets message content open a group), so each email after
the first costs one write and one wait. It does what the notifier needs and no more: EHLO (HELO
for an old server), STARTTLS or implicit TLS (RFC 8314, port 465), AUTH PLAIN or LOGIN (never in
clear to another machine unless asked to), one recipient per transaction, RSET, QUIT.

Errors: a reply the server gives to a command is a :class:`ReplyError` (its code decides whether
to retry); anything that makes the connection unusable (a closed socket, a timeout, bytes that
are not SMTP) is an ``OSError`` or ``TimeoutError`` and the connection is closed.
"""

from __future__ import annotations

import asyncio
import base64
import re
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Final

from lotse.shared.config import loopback_host

#: Longest reply line we read (RFC 5321 allows 512 octets; extensions make some longer).
MAX_LINE: Final = 8192
#: Most lines in one reply; a server streaming continuation lines must not grow memory for ever.
MAX_REPLY_LINES: Final = 100
#: CR, LF and other controls would let an address smuggle a command; angle brackets end the path.
_UNSAFE_IN_ADDRESS: Final = re.compile(r"[\x00-\x20\x7f<>]")
_LINE_ENDINGS: Final = re.compile(rb"\r\n|\n|\r")
#: The envelope's commands and the replies that let a transaction go on.
_WANTED: Final = {"MAIL": (250,), "RCPT": (250, 251), "DATA": (354,)}


@dataclass(frozen=True, slots=True)
class Reply:
    code: int
    text: str

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


class ReplyError(Exception):
    """The server answered a command with a reply it does not want to go on from."""

    def __init__(self, command: str, reply: Reply) -> None:
        super().__init__(f"{command}: {reply}")
        self.command = command
        self.reply = reply


class SetupError(Exception):
    """The connection could not be made ready to send (greeting, EHLO, STARTTLS or login)."""


class AddressError(ValueError):
    """An address SMTP cannot carry (a control character, a space, an angle bracket)."""


class ProtocolError(OSError):
    """The server's bytes are not SMTP replies; the connection cannot be trusted any more."""


def login_in_clear_refused(host: str, *, encrypted: bool, allowed: bool = False) -> bool:
    """Whether a login to ``host`` must not be sent: AUTH PLAIN and LOGIN carry the password
    readable to anyone on the way unless the connection is encrypted. A login to this machine
    crosses no network (the development and test sinks listen there); ``allowed`` is the
    operator's LOTSE_SMTP_AUTH_UNENCRYPTED, for a relay on a network they trust."""
    return not (encrypted or allowed or loopback_host(host))


def _tls_context(given: ssl.SSLContext | None) -> ssl.SSLContext:
    """``given``, or the system's trust store with host name checking (STARTTLS and implicit TLS)."""
    return given or ssl.create_default_context()


@cache
def local_hostname() -> str:
    """What EHLO announces; looked up once per process (it may ask DNS)."""
    return socket.getfqdn() or "localhost"


def dot_stuffed(data: bytes) -> bytes:
    """DATA content with CRLF line ends, a leading dot doubled on every line (RFC 5321 4.5.2),
    and the final CRLF the end-of-data line follows."""
    crlf = data.count(b"\r\n")
    if data.count(b"\n") != crlf or data.count(b"\r") != crlf:  # a bare CR or LF somewhere
        data = _LINE_ENDINGS.sub(b"\r\n", data)
    if data.startswith(b"."):
        data = b"." + data
    data = data.replace(b"\r\n.", b"\r\n..")
    return data if data.endswith(b"\r\n") else data + b"\r\n"


#: What identifies a transaction's envelope: sender, recipient, MAIL's options.
Envelope = tuple[str, str, tuple[str, ...]]


def _envelope(sender: str, recipient: str, options: Sequence[str]) -> bytes:
    """MAIL, RCPT and DATA for one recipient."""
    utf8 = "SMTPUTF8" in options
    return b"MAIL FROM:<%s>%s\r\nRCPT TO:<%s>\r\nDATA\r\n" % (
        _path(sender, utf8), b"".join(b" " + o.encode("ascii") for o in options), _path(recipient, utf8))


def _path(address: str, utf8: bool) -> bytes:
    if _UNSAFE_IN_ADDRESS.search(address):
        raise AddressError(f"address not allowed in SMTP: {address!r}")
    return address.encode("utf-8" if utf8 else "ascii")


class SmtpClient:
    """One open SMTP session. Build it with :meth:`connect`; not for concurrent use."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, timeout_s: float) -> None:
        self._reader = reader
        self._writer = writer
        self._timeout_s = timeout_s
        #: EHLO keywords (lower case) → their parameters.
        self.extensions: dict[str, str] = {}
        #: Sender, recipient and options of the envelope written behind the last end of data,
        #: its replies not yet read.
        self._ahead: Envelope | None = None

    @classmethod
    async def connect(
        cls, host: str, port: int, *, timeout_s: float, starttls: bool = False, implicit_tls: bool = False,
        user: str | None = None, password: str | None = None, tls_context: ssl.SSLContext | None = None,
        login_unencrypted: bool = False,
    ) -> SmtpClient:
        """``implicit_tls``: the TLS handshake comes first, the greeting inside it (port 465);
        ``login_unencrypted``: log in to another machine over a connection that is not encrypted."""
        if starttls and implicit_tls:
            raise ValueError("STARTTLS on a connection that is TLS from the start")
        encryption = _tls_context(tls_context) if implicit_tls else tls_context
        async with asyncio.timeout(timeout_s):
            reader, writer = await asyncio.open_connection(
                host, port, limit=MAX_LINE, ssl=encryption if implicit_tls else None,
                server_hostname=host if implicit_tls else None)
        client = cls(reader, writer, timeout_s)
        try:
            async with asyncio.timeout(timeout_s):
                await client._setup(host, starttls, user, password, encryption, login_unencrypted)
        except BaseException:
            client.abort()
            raise
        return client

    @property
    def encrypted(self) -> bool:
        """TLS is on (implicit, or after STARTTLS): asked of the transport, not remembered."""
        return self._writer.get_extra_info("ssl_object") is not None

    async def _setup(self, host: str, starttls: bool, user: str | None, password: str | None,
                     tls_context: ssl.SSLContext | None, login_unencrypted: bool) -> None:
        greeting = await self._read_reply()
        if greeting.code != 220:
            raise SetupError(f"greeting: {greeting}")
        await self._hello()
        if starttls:
            if not self.supports("starttls"):
                raise SetupError("LOTSE_SMTP_STARTTLS is set but the server does not offer STARTTLS")
            reply = await self._command(b"STARTTLS\r\n")
            if reply.code != 220:
                raise SetupError(f"STARTTLS: {reply}")
            if self._reader._buffer:  # type: ignore[attr-defined]  # StreamReader has no public "bytes waiting"
                # Plaintext sent behind the 220 would be read as the server's first encrypted
                # replies: the STARTTLS injection of CVE-2011-0411.
                raise ProtocolError("the server sent more than its STARTTLS reply before the handshake")
            await self._writer.start_tls(_tls_context(tls_context), server_hostname=host)
            await self._hello()  # what the server offers may differ once encrypted (RFC 3207)
        if user is not None and password is not None:
            if login_in_clear_refused(host, encrypted=self.encrypted, allowed=login_unencrypted):
                # Refused before a byte of it is written: the emails wait in their retries.
                raise SetupError(
                    f"LOTSE_SMTP_USER is set but the connection to {host} is not encrypted: the password is "
                    "not sent in clear; set LOTSE_SMTP_STARTTLS=true (port 587) or LOTSE_SMTP_TLS=true (port 465)")
            await self._login(user, password)

    async def _hello(self) -> None:
        reply = await self._command(b"EHLO %s\r\n" % local_hostname().encode("idna"))
        if reply.code == 250:
            self.extensions = dict(_extension(line) for line in reply.text.split("\n")[1:] if line.strip())
            return
        reply = await self._command(b"HELO %s\r\n" % local_hostname().encode("idna"))
        if reply.code != 250:
            raise SetupError(f"HELO: {reply}")
        self.extensions = {}

    async def _login(self, user: str, password: str) -> None:
        mechanisms = self.extensions.get("auth", "").upper().split()
        if "PLAIN" in mechanisms:
            secret = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode())
            reply = await self._command(b"AUTH PLAIN " + secret + b"\r\n")
        elif "LOGIN" in mechanisms:
            reply = await self._command(b"AUTH LOGIN\r\n")
            for answer in (user, password):
                if reply.code != 334:
                    break
                reply = await self._command(base64.b64encode(answer.encode()) + b"\r\n")
        else:
            raise SetupError(f"login wanted, but the server offers no AUTH PLAIN or LOGIN ({mechanisms or 'none'})")
        if reply.code != 235:
            raise SetupError(f"login refused: {reply}")

    def supports(self, extension: str) -> bool:
        return extension.lower() in self.extensions

    @property
    def is_open(self) -> bool:
        return not self._writer.is_closing() and not self._reader.at_eof()

    def ready_for(self, sender: str, recipient: str, options: Sequence[str] = ()) -> bool:
        """False while a transaction written ahead for another email is open: only hanging up
        ends that one unsent."""
        return self._ahead is None or self._ahead == (sender, recipient, tuple(options))

    async def send(self, sender: str, recipient: str, data: bytes, options: Sequence[str] = (),
                   then: Envelope | None = None) -> Reply:
        """One transaction: the server's acceptance of ``data`` (already dot-stuffed, see
        :func:`dot_stuffed`), or :class:`ReplyError` with the reply that refused it.

        ``then``: the sender, recipient and options of the email to be sent next. Its envelope
        goes out behind this end of data, its replies are read by that email's ``send``.
        """
        if not self.ready_for(sender, recipient, options):
            self.abort()  # open for another email: hanging up is the one way to leave it unsent
            raise ConnectionResetError("hung up on a transaction opened ahead for another email")
        ahead = self._envelope_ahead(then)
        try:
            async with asyncio.timeout(self._timeout_s):
                if self._ahead is not None:  # written behind the last content: only its replies are due
                    self._ahead = None
                    replies = [await self._read_reply() for _ in range(3)]
                elif self.supports("pipelining"):
                    replies = await self._pipelined(_envelope(sender, recipient, options))
                else:
                    replies = await self._stepwise(_envelope(sender, recipient, options))
                await self._refused(replies)
                self._writer.write(data + b".\r\n" + (ahead[1] if ahead else b""))
                self._ahead = ahead[0] if ahead else None
                reply = await self._read_reply()
        except (OSError, TimeoutError):
            self.abort()  # a half-done transaction: only hanging up makes sure nothing more is sent
            raise
        if reply.code != 250:
            raise ReplyError("end of data", reply)
        return reply

    def _envelope_ahead(self, then: Envelope | None) -> tuple[Envelope, bytes] | None:
        """The next email's envelope and its bytes, to go behind this content; None for none."""
        if then is None or not self.supports("pipelining"):
            return None
        try:
            return then, _envelope(*then)
        except AddressError:
            return None  # refused when that email's own turn comes, before anything is written

    async def _refused(self, replies: list[Reply]) -> None:
        """Raise the first refusal among the envelope's replies, leaving the session reusable."""
        for command, reply in zip(_WANTED, replies, strict=False):
            if reply.code in _WANTED[command]:
                continue
            if replies[-1].code == 354:
                # A server that takes DATA after refusing the envelope waits for content we
                # must not send: hanging up is the one way to end that transaction unsent.
                self.abort()
            elif reply.code != 421:
                await self._command(b"RSET\r\n")
            raise ReplyError(command, reply)

    async def _pipelined(self, envelope: bytes) -> list[Reply]:
        self._writer.write(envelope)
        return [await self._read_reply() for _ in range(3)]

    async def _stepwise(self, envelope: bytes) -> list[Reply]:
        replies: list[Reply] = []
        for command in envelope.splitlines(keepends=True):
            replies.append(await self._command(command))
            if replies[-1].code >= 400:
                break
        return replies

    async def quit(self) -> None:
        """Say goodbye politely; a server that does not answer in time is hung up on."""
        if self._ahead is not None:
            self.abort()  # QUIT would be read as content of the transaction opened ahead
            return
        try:
            async with asyncio.timeout(self._timeout_s):
                await self._command(b"QUIT\r\n")
        except (OSError, TimeoutError):
            pass
        finally:
            self.abort()

    def abort(self) -> None:
        self._writer.transport.abort()

    async def _command(self, line: bytes) -> Reply:
        self._writer.write(line)
        return await self._read_reply()

    async def _read_reply(self) -> Reply:
        lines: list[str] = []
        while len(lines) < MAX_REPLY_LINES:
            try:
                raw = await self._reader.readuntil(b"\n")
            except asyncio.IncompleteReadError:
                raise ConnectionResetError("the server closed the connection") from None
            except asyncio.LimitOverrunError:
                raise ProtocolError(f"reply line longer than {MAX_LINE} octets") from None
            code, separator = raw[:3], raw[3:4]
            if not code.isdigit() or separator not in (b" ", b"-", b"\r", b"\n"):
                raise ProtocolError(f"not an SMTP reply: {raw[:80]!r}")
            lines.append(raw[4:].rstrip(b"\r\n").decode("utf-8", "replace"))
            if separator != b"-":
                return Reply(int(code), "\n".join(lines))
        raise ProtocolError(f"reply longer than {MAX_REPLY_LINES} lines")


def _extension(line: str) -> tuple[str, str]:
    keyword, _, parameters = line.strip().partition(" ")
    return keyword.lower(), parameters
