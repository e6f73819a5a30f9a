"""SMTP delivery over one reused connection, with failures sorted into transient/permanent."""

from __future__ import annotations

import dataclasses
import logging
from email.utils import parseaddr
from functools import lru_cache

from lotse.notifier import mime
from lotse.notifier.smtp_client import AddressError, Envelope, ReplyError, SetupError, SmtpClient, dot_stuffed
from lotse.shared.config import Settings
from lotse.shared.mailaddress import ascii_domain

log = logging.getLogger(__name__)


class TransientSendError(Exception):
    """Worth retrying later: connection trouble, timeouts, 4xx replies."""


class PermanentSendError(Exception):
    """The server refused for good (5xx): retrying cannot help."""


class SmtpSender:
    """One SMTP connection, opened on the first send and reused until `close()` or an error.

    Timeouts, STARTTLS or implicit TLS and login come from the contract's settings (`LOTSE_SMTP_*`).
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: SmtpClient | None = None
        #: The next email's content, built to open its transaction ahead (see ``send``).
        self._built: tuple[mime.Email, SmtpClient, tuple[bytes, tuple[str, ...]]] | None = None

    async def _connected(self) -> SmtpClient:
        if self._client is not None and self._client.is_open:
            return self._client
        s = self._settings
        self._client = await SmtpClient.connect(
            s.smtp_host, s.smtp_port, timeout_s=s.smtp_timeout_s, starttls=s.smtp_starttls,
            implicit_tls=s.smtp_implicit_tls, user=s.smtp_user, password=s.smtp_password,
            login_unencrypted=s.smtp_auth_unencrypted,
        )
        return self._client

    async def send(self, email: mime.Email, then: mime.Email | None = None) -> None:
        """Send ``email``; ``then``, the email to be sent next, has its envelope written behind
        this one's end of data (see :class:`SmtpClient`)."""
        try:
            email = _ascii_domain(email)
            client = await self._connected()
            data, options = self._payload(email, client)
            if not client.ready_for(_address(email.sender), email.recipient, options):
                self._drop()  # a transaction was opened ahead for an email not sent after all
                client = await self._connected()
                data, options = self._payload(email, client)  # as the new session's extensions ask
            ahead = self._envelope_ahead(then, client)
            await client.send(_address(email.sender), email.recipient, data, options, ahead)
        except ReplyError as exc:
            if exc.reply.code == 421:
                await self.close()  # the server is closing this connection; reconnect next time
            raise self._classified(exc.reply.code, exc.reply.text) from None
        except AddressError as exc:
            raise PermanentSendError(str(exc)) from None
        except (SetupError, OSError, TimeoutError) as exc:  # ProtocolError and a lost connection are OSErrors
            # Setup trouble (a refused login, no STARTTLS) is the configuration's, not the
            # email's: retried with backoff, so a corrected setting still delivers it.
            self._drop()
            raise TransientSendError(f"{type(exc).__name__}: {exc}") from None

    def _payload(self, email: mime.Email, client: SmtpClient) -> tuple[bytes, tuple[str, ...]]:
        """The dot-stuffed content and MAIL's options; built once when it was built ahead."""
        built, self._built = self._built, None
        # Equal, not the same object: an email readdressed (``_ascii_domain``) ahead and again at
        # its turn is two copies of one email. The same object compares equal field by field.
        if built is not None and built[0] == email and built[1] is client:
            return built[2]
        data = mime.wire(email) if client.supports("8bitmime") else None
        if data is None:
            data, options = _flattened(email, client)
        else:
            options = ("BODY=8BITMIME",)
        return dot_stuffed(data), options

    def _envelope_ahead(self, then: mime.Email | None, client: SmtpClient) -> Envelope | None:
        """What the client needs to open the next email's transaction ahead: its options
        depend on its content, which is built now and kept for its own ``send``."""
        if then is None or not client.supports("pipelining"):
            return None
        try:
            then = _ascii_domain(then)
            payload = self._payload(then, client)
        except PermanentSendError:
            return None  # that email fails in its own turn
        self._built = (then, client, payload)
        return _address(then.sender), then.recipient, payload[1]

    @staticmethod
    def _classified(code: int, reply: str) -> Exception:
        if 400 <= code < 500:
            return TransientSendError(f"{code} {reply}")
        return PermanentSendError(f"{code} {reply}")

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.abort()

    async def close(self) -> None:
        """QUIT the reused connection; called when a batch is done and the loop goes idle."""
        client, self._client = self._client, None
        if client is not None and client.is_open:
            await client.quit()
        elif client is not None:
            client.abort()


@lru_cache(maxsize=8)
def _address(mailbox: str) -> str:
    """The envelope's address of ``Name <address>`` (the sender: the same for every email)."""
    return parseaddr(mailbox)[1]


def _ascii_domain(email: mime.Email) -> mime.Email:
    """``email`` to its recipient's domain in IDNA form where only the domain is outside ASCII.

    Always, not only for a server without SMTPUTF8: the name is the same in DNS, and a relay
    that took a UTF-8 address would have to refuse it at any later hop without SMTPUTF8.
    """
    if email.recipient.isascii():
        return email
    try:
        return dataclasses.replace(email, recipient=ascii_domain(email.recipient))
    except ValueError as exc:
        raise PermanentSendError(str(exc)) from None


def _flattened(email: mime.Email, client: SmtpClient) -> tuple[bytes, tuple[str, ...]]:
    """The email package's bytes, for what :func:`mime.wire` leaves to it, and MAIL's options."""
    # A recipient's domain alone is in ASCII by now (`SmtpSender._ascii_domain`): what is left
    # outside ASCII is a local part (or the configured sender), which only SMTPUTF8 can carry.
    utf8 = not (_address(email.sender) + email.recipient).isascii()
    if utf8 and not client.supports("smtputf8"):
        raise PermanentSendError("the address needs SMTPUTF8, which the mail server does not offer")
    eight_bit = client.supports("8bitmime")
    try:
        data = mime.flatten(mime.build(email, eight_bit=eight_bit), utf8=utf8, eight_bit=eight_bit)
    except Exception as exc:  # bad data behind one email fails that email, not the loop
        raise PermanentSendError(f"cannot build the message: {exc!r}"[:500]) from None
    return data, ("SMTPUTF8",) * utf8 + ("BODY=8BITMIME",) * eight_bit
