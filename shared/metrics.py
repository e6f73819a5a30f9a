"""Prometheus metrics of every service, served on ``LOTSE_METRICS_PORT`` when it is set.

A separate port, not a route of the public site: what is inside (route names, queue rates)
is for the operators' Prometheus, and the ingress never forwards that port.
Labels are bounded: route *names* (never raw paths, which carry tokens), event types,
consumer names and outcomes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Final

import asyncpg
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

from lotse.shared.db import DATABASE_AWAY

log = logging.getLogger(__name__)

LATENCY_BUCKETS: Final = (0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

HTTP_REQUESTS = Counter("lotse_http_requests", "HTTP requests answered by intake", ["route", "method", "status"])
# Status class too: a fast 4xx refusal must not hide a slow 2xx in the same route's quantiles.
HTTP_LATENCY = Histogram("lotse_http_request_seconds", "Time to answer an HTTP request", ["route", "status"],
                         buckets=LATENCY_BUCKETS)
EVENTS = Counter("lotse_events", "Messages taken from a queue, by outcome", ["consumer", "type", "outcome"])
EVENT_LATENCY = Histogram("lotse_event_processing_seconds", "Time to handle one message and commit",
                          ["consumer", "type"], buckets=LATENCY_BUCKETS)
OUTBOX_PUBLISHED = Counter("lotse_outbox_published", "Outbox rows published with a broker confirm")
OUTBOX_FAILED = Counter("lotse_outbox_publish_failures", "Outbox rows whose publish failed (they stay pending)")
OUTBOX_PENDING = Gauge("lotse_outbox_pending", "Outbox rows not yet published (sampled)")
OUTBOX_LAG = Gauge("lotse_outbox_oldest_pending_seconds", "Age of the oldest unpublished outbox row (sampled)")
EMAILS = Counter("lotse_emails", "Emails by outcome", ["type", "outcome"])
# A mail server that refuses or is away shows as deferred emails and this time standing still
# (review 10b, F7: the notifier answered /metrics while nothing went out).
SMTP_LAST_ACCEPTED = Gauge("lotse_smtp_last_accepted_timestamp_seconds",
                           "When the mail server last accepted an email (Unix time; 0: not since the start)")
QUEUE_DELETED = Counter("lotse_queue_deleted", "Work queues deleted under their consumer (then declared again)",
                        ["queue"])
SUGGESTIONS = Counter("lotse_suggestions", "Suggestions written by the matcher", ["kind"])
MODEL_VERSION = Gauge("lotse_matcher_model_version", "Version of the learned model in use (0: the rules only)",
                      ["kind"])


#: Methods kept as labels; a client can send any token as a method, and each would be a new series.
KNOWN_METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def status_class(status: int) -> str:
    return f"{status // 100}xx"


def method_label(method: str) -> str:
    return method if method in KNOWN_METHODS else "other"


async def _metrics(_: web.Request) -> web.Response:
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


@contextlib.asynccontextmanager
async def served(port: int | None, host: str = "0.0.0.0") -> AsyncIterator[None]:
    """Serve /metrics on ``port`` while the block runs; nothing when ``port`` is None."""
    if port is None:
        yield
        return
    app = web.Application()
    app.router.add_get("/metrics", _metrics)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    log.info("metrics served", extra={"port": port})
    try:
        yield
    finally:
        await runner.cleanup()


async def sample_outbox_once(db: asyncpg.Pool | asyncpg.Connection) -> None:
    """Set the outbox gauges from one cheap query (the index covers pending rows)."""
    row = await db.fetchrow(
        "SELECT count(*) AS pending, extract(epoch FROM now() - min(occurred_at)) AS lag "
        "FROM outbox WHERE published_at IS NULL")
    if row is not None:
        OUTBOX_PENDING.set(row["pending"])
        OUTBOX_LAG.set(float(row["lag"] or 0))


async def sample_outbox(pool: asyncpg.Pool, interval_s: float = 15.0) -> None:
    """Keep the outbox gauges current until cancelled; a database outage only skips samples."""
    while True:
        with contextlib.suppress(*DATABASE_AWAY):
            await sample_outbox_once(pool)
        await asyncio.sleep(interval_s)
