"""The delivery loop: claims due notifications, renders them, sends, records the outcome.

Retries are a scheduled table scan (``next_attempt_at``) rather than broker TTL queues: the
notification row is the one place that knows its attempts, and the loop wakes as soon as the
consumer commits a new row.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from typing import ClassVar

import asyncpg

from lotse.notifier import mime, notifications_db, recipient_limit, render
from lotse.notifier.compose import Composer, People, Recipient
from lotse.notifier.smtp import PermanentSendError, SmtpSender, TransientSendError
from lotse.notifier.text_wrap import wrapped
from lotse.shared import metrics
from lotse.shared.config import Settings
from lotse.shared.db import DATABASE_AWAY

log = logging.getLogger(__name__)


@dataclass
class DuplicateWindow:
    """How long each email spent between the server's acceptance and its `sent` status.

    A crash inside this window repeats the email on the next claim; measuring it keeps the
    promise "as small as possible" honest (the benchmark prints it).
    """

    count: int = 0
    total_s: float = 0.0
    max_s: float = 0.0
    samples: list[float] = field(default_factory=list)
    #: Samples kept for percentiles; a long-running notifier keeps only the first ones.
    MAX_SAMPLES: ClassVar[int] = 100_000

    def record(self, seconds: float) -> None:
        self.count += 1
        self.total_s += seconds
        self.max_s = max(self.max_s, seconds)
        if len(self.samples) < self.MAX_SAMPLES:
            self.samples.append(seconds)

    def percentile(self, p: float) -> float:
        if not self.samples:
            return 0.0
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


@dataclass(frozen=True, slots=True)
class Accepted:
    """An email the mail server accepted whose `sent` status is not yet committed."""

    row: asyncpg.Record
    locale: str
    at: float  # perf_counter() at the server's acceptance


@dataclass(frozen=True, slots=True)
class Ready:
    """A claimed notification rendered and about to be sent: the ``index``-th of its batch."""

    index: int
    row: asyncpg.Record
    email: mime.Email


def _fields(row: asyncpg.Record) -> dict[str, object]:
    return {"notification_id": str(row["id"]), "type": row["type"], "attempt": row["attempts"]}


class DeliveryLoop:
    #: Notifications claimed per batch; all go out over one SMTP and one database connection.
    BATCH_SIZE: ClassVar[int] = 20
    #: A transient failure (the mail server away, a 4xx, a timeout) is retried at least this many
    #: times and for at least RETRY_FOR after the notification was made, then it is marked failed.
    #: Six sends alone gave up after about a minute: a mail server away for a minute lost every
    #: email due meanwhile (review 10b, F1). RFC 5321 4.5.4.1 retries for 4-5 days.
    MAX_ATTEMPTS: ClassVar[int] = 6
    RETRY_FOR: ClassVar[timedelta] = timedelta(days=4)
    BASE_DELAY_S: ClassVar[float] = 2.0
    MAX_DELAY_S: ClassVar[float] = 600.0
    #: A claim untouched for this long belongs to a sender that died; it is handed out again.
    #: Each send renews its row's claim first, so a slow batch never looks dead.
    STALE_CLAIM: ClassVar[timedelta] = timedelta(minutes=2)
    STALE_CHECK_S: ClassVar[float] = 5.0
    #: How long an idle loop trusts its last look at the next retry's time. Rows the consumer
    #: adds wake the loop and retries this loop schedules clear it, so only another sender's
    #: retries wait for the next look: a query per idle moment was one of an email's four
    #: statements when emails arrive one by one.
    DUE_CHECK_S: ClassVar[float] = 1.0
    #: An idle loop keeps its SMTP connection this long; mail servers wait minutes (RFC 5321
    #: 4.5.3.2.7 asks for five) before they drop a quiet client.
    SMTP_IDLE_S: ClassVar[float] = 5.0
    #: Accepted emails are marked sent together, in one UPDATE, for as long as the first of them
    #: would not wait longer than this: against a fast mail server a batch's emails share one
    #: commit (a commit per email was a fifth of the notifier's CPU), against a slow one each
    #: is marked as soon as it is accepted, as before. It bounds the duplicate window.
    MARK_WITHIN_S: ClassVar[float] = 0.01

    def __init__(self, pool: asyncpg.Pool, settings: Settings, composer: Composer) -> None:
        self._pool = pool
        self._settings = settings
        self._composer = composer
        self._footer = render.footer(settings)
        self._sender = SmtpSender(settings)
        self._wake = asyncio.Event()
        self._idle = False
        self._next_stale_check = 0.0
        # The next pending row's due time (monotonic; None: nothing pending) and until when it holds.
        self._due_at: float | None = None
        self._due_known_until = 0.0
        #: Called after a full batch, when more may be waiting; `lanes.Lanes` points it at a helper.
        self.on_full_batch: Callable[[], None] = lambda: None
        # Of the bare address: "Centre <lotse@centre.example>" kept its ">" in every Message-ID.
        self._domain = parseaddr(settings.mail_from)[1].rpartition("@")[2] or "localhost"
        self.duplicate_window = DuplicateWindow()
        # Emails the mail server accepted whose `sent` is not yet written: the batch's latest
        # ones, or, if the database went away, those it could not record. The latter are recorded
        # first thing once it answers again, long before their claims go stale and another sender
        # would send them a second time.
        self._accepted: list[Accepted] = []
        # Between the last two acceptances of a batch: how long the next one will take. Kept from
        # batch to batch, as the estimate for each batch's first email; unknown at first, so slow.
        self._last_gap_s = math.inf
        self._last_accepted_at: float | None = None

    def wake(self) -> None:
        self._wake.set()

    @property
    def waiting(self) -> bool:
        """Idle and not yet woken: the loop a new notification should go to (see `lanes.Lanes`)."""
        return self._idle and not self._wake.is_set()

    async def close(self) -> None:
        """Give back the SMTP connection (``run`` does so itself when idle and when it ends)."""
        await self._sender.close()

    async def run(self) -> None:
        try:
            while True:
                # Cleared before the claim: a commit after it sets the flag again, so the loop
                # looks once more instead of sleeping on a row it has not seen.
                self._wake.clear()
                try:
                    claimed = await self.deliver_due()
                except DATABASE_AWAY as exc:
                    log.warning("delivery loop cannot reach the database", extra={"error": str(exc)})
                    claimed = 0
                    await asyncio.sleep(1.0)
                if claimed >= self.BATCH_SIZE:
                    self.on_full_batch()  # there may be more: let another loop help
                    continue
                if self._wake.is_set():
                    continue
                # A batch smaller than the limit took everything due, so no second, empty claim.
                await self._idle_until_woken()
        finally:
            await self._sender.close()

    async def _idle_until_woken(self) -> None:
        self._idle = True
        try:
            timeout = await self._idle_timeout()
            if await self._woken_within(min(timeout, self.SMTP_IDLE_S)):
                return
            # Idle for a while: give the SMTP connection back rather than let the server time it
            # out under us, which would turn the next email into a needless retry. Kept over
            # short pauses, so a trickle of emails does not reconnect for each one.
            await self._sender.close()
            await self._woken_within(timeout - self.SMTP_IDLE_S)
        finally:
            self._idle = False

    async def _woken_within(self, seconds: float) -> bool:
        if seconds <= 0:
            return self._wake.is_set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):  # not wait_for: it can swallow a cancel on 3.11
                await self._wake.wait()
        return self._wake.is_set()

    async def _idle_timeout(self) -> float:
        """Seconds until the next retry is due (at most 5); housekeeping on the way."""
        now = time.monotonic()
        if (not self._accepted and now < self._next_stale_check and now < self._due_known_until
                and (self._due_at is None or self._due_at > now)):  # a time passed is looked at again
            return self._due_in(now)
        try:
            async with self._pool.acquire() as conn:
                await self._record_left_over(conn)
                if time.monotonic() >= self._next_stale_check:
                    # Stale claims are two minutes old by definition: looking every few seconds
                    # (not on every idle moment of every loop) finds them as soon.
                    await notifications_db.release_stale(conn, self.STALE_CLAIM)
                    self._next_stale_check = time.monotonic() + self.STALE_CHECK_S
                due = await notifications_db.next_due_in_s(conn)
        except DATABASE_AWAY:
            return 1.0
        now = time.monotonic()
        self._due_at, self._due_known_until = (None if due is None else now + due), now + self.DUE_CHECK_S
        return self._due_in(now)

    def _due_in(self, now: float) -> float:
        return 5.0 if self._due_at is None else min(max(self._due_at - now, 0.05), 5.0)

    async def deliver_due(self) -> int:
        """Send one batch of due notifications; returns how many were handled.

        Cancelled (shutdown), the batch still finishes the step under way, so an email the server
        may already have accepted is recorded before we stop (bounded by the SMTP timeout), and
        hands back the claimed rows not yet tried at once instead of leaving them to look stale.
        """
        # One database connection for the whole batch: marking emails sent then needs no pool
        # acquisition, which keeps the duplicate window at most MARK_WITHIN_S plus one UPDATE.
        async with self._pool.acquire() as conn:
            await self._record_left_over(conn)
            claimed = await notifications_db.claim_due(conn, self.BATCH_SIZE)
            claimed_at = time.monotonic()
            people = await self._composer.people(conn, claimed)
            started, stop = time.perf_counter(), asyncio.Event()
            # Shielded as one task per batch: a task and a shield per step cost two extra turns
            # of the event loop per email.
            batch = asyncio.ensure_future(self._deliver(conn, claimed, people, claimed_at, stop))
            try:
                sent = await asyncio.shield(batch)
            except asyncio.CancelledError:
                stop.set()
                with contextlib.suppress(Exception):
                    await batch
                raise
        if sent:
            # One line per batch: a line per email cost a sixth of the notifier's CPU, and the
            # notifications table records each email (per-email lines are at DEBUG).
            log.info("emails sent", extra={"sent": sum(sent.values()), "types": dict(sent),
                                           "ms": round((time.perf_counter() - started) * 1000, 1)})
        return len(claimed)

    async def _deliver(self, conn: asyncpg.Connection, claimed: list[asyncpg.Record], people: People,
                       claimed_at: float, stop: asyncio.Event) -> Counter[str]:
        """Send the batch in order; once ``stop`` is set, the step under way is the last."""
        sent = Counter[str]()
        self._last_accepted_at = None  # a gap across batches would count the claim and any idle time
        # Each email is prepared while the one before is still to be sent, so its envelope can go
        # out behind that one's content (see `SmtpSender.send`).
        current = await self._next_ready(conn, claimed, 0, people, claimed_at)
        while current is not None and not stop.is_set():
            upcoming = await self._next_ready(conn, claimed, current.index + 1, people, claimed_at)
            if stop.is_set():
                break
            if await self._send(conn, current, upcoming):
                sent[current.row["type"]] += 1
            current = upcoming
        await self._record_accepted(conn)
        if current is not None:  # stopped before sending it; rows failed or skipped keep their status
            await notifications_db.release(conn, [r["id"] for r in claimed[current.index:]])
        return sent

    async def _next_ready(
        self, conn: asyncpg.Connection, claimed: list[asyncpg.Record], start: int, people: People,
        claimed_at: float | None,
    ) -> Ready | None:
        """The first of ``claimed[start:]`` that can be sent, rendered; the ones before it that
        cannot are marked failed or skipped."""
        for index in range(start, len(claimed)):
            row = claimed[index]
            if not await self._still_ours(conn, row, claimed_at):
                continue
            email = await self._prepared(conn, row, people)
            if email is not None:
                return Ready(index, row, email)
        return None

    async def _still_ours(self, conn: asyncpg.Connection, row: asyncpg.Record, claimed_at: float | None) -> bool:
        # A claim younger than half the stale limit cannot have been released: renewing it
        # (one more commit per email) only pays once a slow batch has aged. Renewed before the
        # row is composed, its claim stays fresh until it is sent: one email's send later.
        if claimed_at is not None and time.monotonic() - claimed_at < self.STALE_CLAIM.total_seconds() / 2:
            return True
        if await notifications_db.renew_claim(conn, row["id"], row["claimed_at"]):
            return True
        log.warning("claim lost before sending; another sender has it", extra=_fields(row))
        return False

    async def _prepared(self, conn: asyncpg.Connection, row: asyncpg.Record, people: People) -> mime.Email | None:
        """The email for ``row``; None, with the row marked, when it cannot or need not go out."""
        if recipient_limit.over_limit(row):
            if row["type"] in recipient_limit.KEEP_NEWEST and await notifications_db.hold_back(
                    conn, row["id"], recipient_limit.HOUR, recipient_limit.REASON):
                log.info("notification held back: limit per recipient, newest request", extra=_fields(row))
                return None
            await self._end(conn, row, "skipped", recipient_limit.REASON)
            log.info("notification skipped: limit per recipient", extra=_fields(row))
            return None
        why: dict[str, object] = {}  # for the log line, when the composer says what is gone
        try:
            recipient = await self._composer.compose(conn, row, people)
        except LookupError as lookup:
            recipient, why["reason"] = None, str(lookup)
        except DATABASE_AWAY:
            raise  # the database is away: the claim goes stale and the row is tried again
        except Exception as exc:  # bad data behind one row must fail that email, not stop the loop
            await self._end(conn, row, "failed", f"cannot compose: {exc!r}"[:500])
            log.exception("notification cannot be composed", extra=_fields(row))
            return None
        if recipient is None:
            await self._end(conn, row, "skipped", "recipient or match gone")
            log.info("notification skipped: recipient or match gone", extra={**_fields(row), **why})
            return None
        try:
            return self._email(row, recipient)
        except Exception as exc:  # a template bug must fail this email, not the loop that sends all others
            await self._end(conn, row, "failed", f"cannot render: {exc!r}"[:500])
            log.exception("notification cannot be rendered", extra=_fields(row))
            return None

    async def _end(self, conn: asyncpg.Connection, row: asyncpg.Record, status: str, error: str) -> None:
        """A notification that will not go out: its final status, counted."""
        await notifications_db.mark_final(conn, row["id"], status, error)
        metrics.EMAILS.labels(row["type"], status).inc()

    async def _send(self, conn: asyncpg.Connection, ready: Ready, upcoming: Ready | None) -> bool:
        """Send a prepared email and record the outcome; True when it was sent. ``upcoming``:
        the email to be sent after it, whose envelope goes out ahead."""
        row = ready.row
        started = time.perf_counter()
        try:
            await self._sender.send(ready.email, upcoming.email if upcoming is not None else None)
        except PermanentSendError as exc:
            await self._end(conn, row, "failed", str(exc))
            log.error("notification refused by the mail server", extra={**_fields(row), "reply": str(exc)})
            return False
        except TransientSendError as exc:
            await self._retry_or_fail(conn, row, str(exc))
            return False
        # Between the server's acceptance and the `sent` commit lies the only window in which a
        # crash repeats an email: kept below MARK_WITHIN_S plus one UPDATE on a connection in hand.
        accepted = time.perf_counter()
        if self._last_accepted_at is not None:
            self._last_gap_s = accepted - self._last_accepted_at
        self._last_accepted_at = accepted
        self._accepted.append(Accepted(row, ready.email.locale, accepted))
        if upcoming is None or accepted - self._accepted[0].at + self._last_gap_s >= self.MARK_WITHIN_S:
            await self._record_accepted(conn)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("email accepted", extra={**_fields(row), "ms": round((accepted - started) * 1000, 1)})
        return True

    async def _record_accepted(self, conn: asyncpg.Connection) -> None:
        """Mark every accepted email sent, in one statement; if the database is away, they stay
        in ``_accepted`` for ``_record_left_over``."""
        if not self._accepted:
            return
        await notifications_db.mark_sent(conn, [(a.row["id"], a.locale) for a in self._accepted])
        recorded, self._accepted = self._accepted, []
        committed = time.perf_counter()
        metrics.SMTP_LAST_ACCEPTED.set_to_current_time()
        for one in recorded:
            self.duplicate_window.record(committed - one.at)
            metrics.EMAILS.labels(one.row["type"], "sent").inc()

    async def _record_left_over(self, conn: asyncpg.Connection) -> None:
        """Record what the server accepted while the database was away (see ``_accepted``)."""
        if self._accepted:
            left = [{"notification_id": str(a.row["id"]), "type": a.row["type"]} for a in self._accepted]
            await self._record_accepted(conn)
            log.info("emails accepted while the database was away recorded as sent", extra={"emails": left})

    async def _retry_or_fail(self, conn: asyncpg.Connection, row: asyncpg.Record, error: str) -> None:
        if row["attempts"] >= self.MAX_ATTEMPTS and datetime.now(UTC) - row["created_at"] >= self.RETRY_FOR:
            await self._end(conn, row, "failed", f"gave up after {row['attempts']} attempts: {error}")
            log.error("notification failed for good", extra={**_fields(row), "error": error})
            return
        # The exponent stops growing long after MAX_DELAY_S is reached: four days of sends every
        # 5-10 minutes would pass 2 ** 1024, which no float holds.
        delay = min(self.MAX_DELAY_S, self.BASE_DELAY_S * 2 ** min(row["attempts"] - 1, 32))
        delay *= random.uniform(0.5, 1.0)  # jitter: a recovered server is not hit all at once
        await notifications_db.retry_later(conn, row["id"], timedelta(seconds=delay), error)
        metrics.EMAILS.labels(row["type"], "deferred").inc()
        self._due_known_until = 0.0  # look again: this retry may be the next one due
        log.warning("email deferred", extra={**_fields(row), "error": error, "retry_in_s": round(delay, 1)})

    def _email(self, row: asyncpg.Record, recipient: Recipient) -> mime.Email:
        rendered = render.render_email(row["type"], recipient.locale, recipient.context, self._footer)
        return mime.Email(
            sender=self._settings.mail_from, recipient=recipient.email, subject=rendered.subject,
            # Dated when it goes out (review 12, F3): an email that waited out a mail server's outage
            # with the day it was asked for looks forged to spam filters and sorts under days of newer
            # mail. Message-ID and X-Lotse-Notification stay the notification's, so a repeat is known.
            message_id=f"<{row['id']}@{self._domain}>", date=datetime.now(UTC), notification_id=str(row["id"]),
            # Lines of 72 columns, each link on its own: as a text-mode client shows it (review 12, F8).
            locale=recipient.locale, text=wrapped(rendered.text), html=rendered.html,
            reply_to=self._settings.mail_reply_to,
        )
