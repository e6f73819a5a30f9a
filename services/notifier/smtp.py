"""SMTP delivery over one reused connection, with failures sorted into transient/permanent."""

from __future__ import annotations

import logging
from email.message import Message
from email.utils import parseaddr
from functools import lru_cache

import aiosmtplib

from lotse.notifier import mime
from lotse.shared.config import Settings

log = logging.getLogger(__name__)


class TransientSendError(Exception):
    """Worth retrying later: connection trouble, timeouts, 4xx replies."""


class PermanentSendError(Exception):
    """The server refused for good (5xx): retrying cannot help."""


class SmtpSender:
    """One SMTP connection, opened on the first send and reused until `close()` or an error.

    Timeouts, STARTTLS and login come from the contract's settings (`LOTSE_SMTP_*`).
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: aiosmtplib.SMTP | None = None

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        s = self._settings
        client = aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            timeout=s.smtp_timeout_s,
            start_tls=s.smtp_starttls,
            use_tls=False,
        )
        await client.connect()
        if s.smtp_user and s.smtp_password:
            await client.login(s.smtp_user, s.smtp_password)
        self._client = client
        return client

    async def send(self, email: mime.Email) -> None:
        try:
            client = await self._connected()
            data = mime.wire(email) if client.supports_extension("8bitmime") else None
            if data is None:
                await client.send_message(_built(email))
            else:
                await client.sendmail(_address(email.sender), [email.recipient], data,
                                      mail_options=["BODY=8BITMIME"])
        except aiosmtplib.SMTPRecipientsRefused as exc:
            # Real servers refuse an unknown mailbox at RCPT TO, not at DATA; our one recipient's
            # reply decides. aiosmtplib has already sent RSET, so the connection stays usable.
            refused = exc.recipients[0] if exc.recipients else None
            if refused is None:
                raise TransientSendError(str(exc)) from None
            raise self._classified(refused.code, refused.message) from None
        except aiosmtplib.SMTPResponseException as exc:
            if exc.code == 421:
                await self.close()  # the server is closing this connection; reconnect next time
            raise self._classified(exc.code, exc.message) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            await self.close()
            raise TransientSendError(f"{type(exc).__name__}: {exc}") from None

    @staticmethod
    def _classified(code: int, reply: str) -> Exception:
        if 400 <= code < 500:
            return TransientSendError(f"{code} {reply}")
        return PermanentSendError(f"{code} {reply}")

    async def close(self) -> None:
        """QUIT the reused connection; called when a batch is done and the loop goes idle."""
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                client.close()


@lru_cache(maxsize=8)
def _address(mailbox: str) -> str:
    """The envelope's address of ``Name <address>`` (the sender: the same for every email)."""
    return parseaddr(mailbox)[1]


def _built(email: mime.Email) -> Message:
    try:
        return mime.build(email)
    except Exception as exc:  # bad data behind one email fails that email, not the loop
        raise PermanentSendError(f"cannot build the message: {exc!r}"[:500]) from None
