"""Transactional outbox: events are rows written in the same transaction as the change.

The relay publishes pending rows to RabbitMQ with publisher confirms and ``mandatory=True``
and marks only the confirmed ones as published. Several relays may run at once: each claims
its batch with ``FOR UPDATE SKIP LOCKED``.

Intake and matcher each run a relay, so rows of a writer that died are still published. A
service's commit wakes only its own process's relays, in-process (:class:`LocalWake`); the others
find such rows on their next poll. Woken by every commit, every relay claimed, found nothing and
committed: a third of a registration's CPU. Any other session's commit (psql, a tool, a service
of an earlier release) wakes relays by NOTIFY: the trigger notifies a channel named after the
writing session's ``application_name`` (migrations 0014, 0026).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import aio_pika
import asyncpg
from aio_pika.abc import AbstractExchange

from lotse.shared import metrics
from lotse.shared.db import APPLICATION_PREFIX, DATABASE_AWAY
from lotse.shared.events import Event, envelope_json

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "lotse_outbox"


class LocalWake:
    """Wakes this process's relays when a pooled connection that wrote outbox rows is released.

    A NOTIFY from the writing transaction would wake them too, but PostgreSQL serialises the
    commits of every notifying transaction in the cluster (a lock held through the WAL flush):
    ten connections beside two busy processes committed half as often; in the whole path a
    registration costs 0.1–0.3 ms less CPU without it (README "Performance", docs/decisions.md).
    A pool releases a connection after its transaction committed or rolled back; after a
    rollback the relay looks once and finds nothing. Sessions of such a pool carry
    ``session_settings``, which tell the trigger (migration 0026) not to notify.
    """

    session_settings: Mapping[str, str] = {"lotse.outbox_wake": "process"}

    def __init__(self) -> None:
        # Server pids of sessions that wrote since their last release. A pool without this wake
        # (a test's, a tool's) never releases through it: its pids stay, and a later session
        # given the same pid wakes the relays once for nothing.
        self._writers: set[int] = set()
        self._relays: set[OutboxRelay] = set()

    def wrote(self, conn: asyncpg.Connection) -> None:
        self._writers.add(conn.get_server_pid())

    def released(self, conn: asyncpg.Connection) -> None:
        if not self._writers:  # every release of every connection comes here: the common case first
            return
        pid = conn.get_server_pid()
        if pid in self._writers:
            self._writers.discard(pid)
            for relay in self._relays:
                relay.wake()

    @contextlib.contextmanager
    def serving(self, relay: OutboxRelay) -> Iterator[None]:
        self._relays.add(relay)
        try:
            yield
        finally:
            self._relays.discard(relay)


#: One per process: write_events cannot tell which pool its connection came from.
LOCAL_WAKE = LocalWake()


async def write_events(conn: asyncpg.Connection, events: Iterable[Event]) -> None:
    """Add events to the outbox; call inside the transaction that makes the change."""
    rows = [(e.id, e.type, e.occurred_at, e.data) for e in events]
    if not rows:
        return
    # Relays are woken when the connection goes back to its pool (LocalWake), or, for a session
    # of a pool without that, by the trigger's NOTIFY at commit (migrations 0012, 0026).
    await conn.executemany(
        "INSERT INTO outbox (id, type, occurred_at, payload) VALUES ($1, $2, $3, $4)", rows
    )
    LOCAL_WAKE.wrote(conn)


async def write_event(conn: asyncpg.Connection, event: Event) -> None:
    await write_events(conn, [event])


def _message(row: asyncpg.Record) -> aio_pika.Message:
    return aio_pika.Message(
        envelope_json(row["id"], row["type"], row["occurred_at"], row["payload"]),
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=str(row["id"]),
        type=row["type"],
        timestamp=row["occurred_at"],
    )


class OutboxRelay:
    """Publishes pending outbox rows; wakes on NOTIFY and also polls, since NOTIFY can be lost."""

    COALESCE_S = 0.005
    BATCH_SIZE = 200

    def __init__(
        self,
        pool: asyncpg.Pool,
        exchange: AbstractExchange,
        *,
        publish_timeout_s: float = 5.0,
        poll_interval_s: float = 1.0,
        writer: str | None = None,
    ) -> None:
        self._pool = pool
        self._exchange = exchange
        self._publish_timeout_s = publish_timeout_s
        self._poll_interval_s = poll_interval_s
        self._wake = asyncio.Event()
        self._writer = writer
        # Its service's own channel (migration 0014), and the common one for everyone else's.
        self._channels = (NOTIFY_CHANNEL,) if writer is None else (f"{NOTIFY_CHANNEL}:{writer}", NOTIFY_CHANNEL)

    def wake(self) -> None:
        self._wake.set()

    async def publish_pending(self) -> tuple[int, int]:
        """Publish one batch; returns (rows published, rows that failed and stay pending)."""
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """SELECT seq, id, type, occurred_at, payload::text AS payload FROM outbox
                   WHERE published_at IS NULL ORDER BY seq
                   LIMIT $1 FOR UPDATE SKIP LOCKED""",
                self.BATCH_SIZE,
            )
            if not rows:
                return 0, 0
            results = await self._confirmed(rows)
            published = [row["seq"] for row, r in zip(rows, results, strict=True) if r is None]
            failed = [
                (row["seq"], f"{type(r).__name__}: {r}"[:500])
                for row, r in zip(rows, results, strict=True)
                if r is not None
            ]
            if published:
                await conn.execute(
                    "UPDATE outbox SET published_at = now(), attempts = attempts + 1 "
                    "WHERE seq = ANY($1::bigint[])",
                    published,
                )
            if failed:
                await conn.executemany(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE seq = $1",
                    failed,
                )
                log.warning(
                    "outbox rows not published",
                    extra={"failed": len(failed), "first_error": failed[0][1]},
                )
            metrics.OUTBOX_PUBLISHED.inc(len(published))
            metrics.OUTBOX_FAILED.inc(len(failed))
            return len(published), len(failed)

    async def _confirmed(self, rows: list[asyncpg.Record]) -> list[BaseException | None]:
        """Publish every row; each one's outcome, None where the broker confirmed it.

        aio-pika can wait forever for a confirm while it reconnects, so the batch has one
        deadline: a publish not confirmed by then is a failed attempt, and its row stays pending.
        One timer for the batch, not one per message (asyncio.wait, not wait_for, which on 3.11
        can swallow a cancellation, and a relay that ignores cancellation blocks shutdown).
        """
        publishes = [
            asyncio.ensure_future(
                self._exchange.publish(_message(row), routing_key=row["type"], mandatory=True)
            )
            for row in rows
        ]
        try:
            _, late = await asyncio.wait(publishes, timeout=self._publish_timeout_s)
        finally:
            for publish in publishes:
                # Late ones stop (all of them on our own cancellation). On a finished one cancel()
                # only marks its error as seen: a shutdown mid-batch logs no "never retrieved".
                publish.cancel()
        if late:
            await asyncio.wait(late)
        return [
            TimeoutError(f"not confirmed within {self._publish_timeout_s} s") if p.cancelled() else p.exception()
            for p in publishes
        ]

    async def run(self) -> None:
        """Relay until cancelled."""
        with LOCAL_WAKE.serving(self):
            await self._run()

    async def _run(self) -> None:
        listener = asyncio.create_task(self._listen())
        backoff = self._poll_interval_s
        try:
            while True:
                self._wake.clear()  # before looking: a commit from now on wakes the next round
                try:
                    published, failed = await self.publish_pending()
                except DATABASE_AWAY as exc:
                    log.warning("outbox relay cannot reach the database", extra={"error": str(exc)})
                    published, failed = 0, 1
                if failed:
                    backoff = min(backoff * 2, 30.0)  # broker or database trouble
                elif published == self.BATCH_SIZE:
                    continue  # a full batch: more is waiting
                else:
                    backoff = self._poll_interval_s
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(backoff):
                        await self._wake.wait()
                # A burst of commits becomes one batch (one SELECT, one UPDATE) instead of one each.
                await asyncio.sleep(self.COALESCE_S)
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener

    async def _listen(self) -> None:
        """Hold a LISTEN connection; re-establish it after the database comes back."""
        while True:
            try:
                conn: asyncpg.Connection = await self._pool.acquire()
            except DATABASE_AWAY:
                await asyncio.sleep(self._poll_interval_s)
                continue
            lost = asyncio.Event()
            try:
                for channel in self._channels:
                    await conn.add_listener(channel, self._on_notify)
                conn.add_termination_listener(lambda _c, on_lost=lost.set: on_lost())
                self.wake()  # anything committed while we were not listening
                while not conn.is_closed():
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(5.0):
                            await lost.wait()
            except DATABASE_AWAY:
                await asyncio.sleep(self._poll_interval_s)
            finally:
                for channel in self._channels:
                    with contextlib.suppress(Exception):
                        await conn.remove_listener(channel, self._on_notify)
                with contextlib.suppress(Exception):
                    await self._pool.release(conn)

    def _on_notify(self, _conn: Any, _pid: int, channel: str, payload: str) -> None:
        # On the common channel the payload names the writer (migration 0013 sent every commit
        # there): wake for ours or a tool's (psql, a migration), not for another service's.
        if channel != NOTIFY_CHANNEL or self._writer is None or payload == self._writer \
                or not payload.startswith(APPLICATION_PREFIX):
            self.wake()
