"""The delivery loop: claims due notifications, renders them, sends, records the outcome.

Retries are a scheduled table scan (``next_attempt_at``) rather than broker TTL queues: the
notification row is the one place that knows its attempts, and the loop wakes as soon as the
consumer commits a new row.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import ClassVar

import asyncpg

from lotse.notifier import notifications_db
from lotse.notifier.compose import Composer, Recipient
from lotse.notifier.render import render_email
from lotse.notifier.smtp import PermanentSendError, SmtpSender, TransientSendError
from lotse.shared.config import Settings

log = logging.getLogger(__name__)


class DeliveryLoop:
    #: Notifications claimed per batch; all go out over one SMTP connection.
    BATCH_SIZE: ClassVar[int] = 50
    #: Sends of one notification before it is marked failed.
    MAX_ATTEMPTS: ClassVar[int] = 6
    BASE_DELAY_S: ClassVar[float] = 2.0
    MAX_DELAY_S: ClassVar[float] = 600.0
    #: A claim older than this belongs to a sender that died; it is handed out again.
    STALE_CLAIM: ClassVar[timedelta] = timedelta(minutes=2)

    def __init__(self, pool: asyncpg.Pool, settings: Settings, composer: Composer) -> None:
        self._pool = pool
        self._settings = settings
        self._composer = composer
        self._sender = SmtpSender(settings)
        self._wake = asyncio.Event()
        self._domain = settings.mail_from.rpartition("@")[2] or "localhost"

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        try:
            while True:
                try:
                    sent = await self.deliver_due()
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                    log.warning("delivery loop cannot reach the database", extra={"error": str(exc)})
                    sent = 0
                    await asyncio.sleep(1.0)
                if sent:
                    continue
                self._wake.clear()
                timeout = await self._idle_timeout()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):  # not wait_for: it can swallow a cancel on 3.11
                        await self._wake.wait()
        finally:
            await self._sender.close()

    async def _idle_timeout(self) -> float:
        try:
            async with self._pool.acquire() as conn:
                await notifications_db.release_stale(conn, self.STALE_CLAIM)
                due = await notifications_db.next_due_in_s(conn)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return 1.0
        return 5.0 if due is None else min(max(due, 0.05), 5.0)

    async def deliver_due(self) -> int:
        """Send one batch of due notifications; returns how many were handled."""
        async with self._pool.acquire() as conn:
            claimed = await notifications_db.claim_due(conn, self.BATCH_SIZE)
        for row in claimed:
            await self._deliver(row)
        return len(claimed)

    async def _deliver(self, row: asyncpg.Record) -> None:
        fields = {"notification_id": str(row["id"]), "type": row["type"], "attempt": row["attempts"]}
        async with self._pool.acquire() as conn:
            try:
                recipient = await self._composer.compose(conn, row)
            except LookupError as gone:
                recipient, fields["reason"] = None, str(gone)
            if recipient is None:
                await notifications_db.mark_final(conn, row["id"], "skipped", "recipient or match gone")
                log.info("notification skipped: recipient or match gone", extra=fields)
                return
            try:
                message = self._message(row, recipient)
            except Exception as exc:  # a template bug must fail this email, not the loop that sends all others
                await notifications_db.mark_final(conn, row["id"], "failed", f"cannot render: {exc!r}"[:500])
                log.exception("notification cannot be rendered", extra=fields)
                return
        started = time.perf_counter()
        try:
            await self._sender.send(message)
        except PermanentSendError as exc:
            async with self._pool.acquire() as conn:
                await notifications_db.mark_final(conn, row["id"], "failed", str(exc))
            log.error("notification refused by the mail server", extra={**fields, "reply": str(exc)})
            return
        except TransientSendError as exc:
            await self._retry_or_fail(row, str(exc), fields)
            return
        # Between the server's acceptance above and this update lies the only window in which
        # a crash repeats an email; it is one UPDATE long.
        async with self._pool.acquire() as conn:
            await notifications_db.mark_sent(conn, row["id"], recipient.locale)
            if row["type"] == "erasure_confirmation":
                await conn.execute("DELETE FROM erasure_receipts WHERE participant_id = $1", row["participant_id"])
        log.info("email sent", extra={**fields, "ms": round((time.perf_counter() - started) * 1000, 1)})

    async def _retry_or_fail(self, row: asyncpg.Record, error: str, fields: dict[str, object]) -> None:
        async with self._pool.acquire() as conn:
            if row["attempts"] >= self.MAX_ATTEMPTS:
                await notifications_db.mark_final(
                    conn, row["id"], "failed", f"gave up after {row['attempts']} attempts: {error}"
                )
                log.error("notification failed for good", extra={**fields, "error": error})
                return
            delay = min(self.MAX_DELAY_S, self.BASE_DELAY_S * 2 ** (row["attempts"] - 1))
            delay *= random.uniform(0.5, 1.0)  # jitter: a recovered server is not hit all at once
            await notifications_db.retry_later(conn, row["id"], timedelta(seconds=delay), error)
        log.warning("email deferred", extra={**fields, "error": error, "retry_in_s": round(delay, 1)})

    def _message(self, row: asyncpg.Record, recipient: Recipient) -> EmailMessage:
        rendered = render_email(row["type"], recipient.locale, recipient.context)
        message = EmailMessage()
        message["From"] = self._settings.mail_from
        message["To"] = recipient.email
        message["Subject"] = rendered.subject
        # Stable per logical notification: a repeat after a crash carries the same ids.
        message["Message-ID"] = f"<{row['id']}@{self._domain}>"
        message["Date"] = format_datetime(row["created_at"])
        message["X-Lotse-Notification"] = str(row["id"])
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(rendered.text)
        if rendered.html:
            message.add_alternative(rendered.html, subtype="html")
        # After the body: set_content() drops every Content-* header set before it.
        message["Content-Language"] = recipient.locale
        return message
