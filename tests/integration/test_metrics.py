"""Metrics move with the work: requests by route name, outbox publishing, messages handled."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import aio_pika
import aiohttp
import asyncpg
import pytest
from aio_pika.abc import AbstractRobustConnection
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from lotse.intake.app import init_app
from lotse.matcher.consumer import MatcherConsumer
from lotse.shared import events, matches, metrics
from lotse.shared.config import Settings
from lotse.shared.topology import declare_events_exchange
from tests.conftest import eventually
from tests.e2e.conftest import free_port
from tests.integration.intake_fixtures import newcomer_payload

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def scrape(port: int) -> Samples:
    """What Prometheus would see: the text from the metrics port, parsed."""
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/metrics") as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def sample(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
async def metered_intake(settings: Settings, pool: asyncpg.Pool, amqp: AbstractRobustConnection
                         ) -> AsyncIterator[tuple[TestClient, int]]:
    """The real intake app with LOTSE_METRICS_PORT set: the public site, and /metrics on a port of its own."""
    port = free_port()
    client = TestClient(TestServer(init_app(dataclasses.replace(
        settings, metrics_port=port, intake_rate_limit_per_minute=1000))))
    await client.start_server()
    yield client, port
    await client.close()


async def test_a_registration_shows_on_the_metrics_port(metered_intake: tuple[TestClient, int],
                                                        pool: asyncpg.Pool) -> None:
    client, port = metered_intake
    register = {"route": "api_register", "method": "POST", "status": "2xx"}
    before = await scrape(port)

    response = await client.post("/api/v1/newcomers", json=newcomer_payload())
    assert response.status == 201
    participant_id = (await response.json())["id"]

    async def relayed() -> bool:  # the participant.registered row left the outbox with a broker confirm
        return bool(await pool.fetchval(
            "SELECT bool_and(published_at IS NOT NULL) FROM outbox WHERE payload->>'participant_id' = $1",
            participant_id))

    await eventually(relayed, timeout=10)
    after = await scrape(port)

    assert sample(after, "lotse_http_requests_total", **register) == sample(before, "lotse_http_requests_total",
                                                                           **register) + 1
    timed = {"route": "api_register", "status": "2xx"}
    assert sample(after, "lotse_http_request_seconds_count", **timed) == sample(
        before, "lotse_http_request_seconds_count", **timed) + 1
    assert 0 < sample(after, "lotse_http_request_seconds_sum", **timed) - sample(
        before, "lotse_http_request_seconds_sum", **timed) < 5
    assert sample(after, "lotse_outbox_published_total") >= sample(before, "lotse_outbox_published_total") + 1
    # Sampled at start-up (an emptied database) and every 15 s after: present, and nothing stuck.
    assert {("lotse_outbox_pending", frozenset()), ("lotse_outbox_oldest_pending_seconds", frozenset())} <= after.keys()
    assert 0 <= sample(after, "lotse_outbox_pending") < 10
    assert 0 <= sample(after, "lotse_outbox_oldest_pending_seconds") < 60
    # Not on the public site: the ingress forwards the main port only.
    public = await client.get("/metrics")
    assert public.status in (403, 404) and "lotse_" not in await public.text()


async def test_the_outbox_gauges_count_pending_rows_and_the_age_of_the_oldest(pool: asyncpg.Pool) -> None:
    old = events.new_event(events.PARTICIPANT_UPDATED, participant_id=uuid.uuid4(), kind="mentor")
    new = events.new_event(events.PARTICIPANT_UPDATED, participant_id=uuid.uuid4(), kind="mentor")
    async with pool.acquire() as conn:
        # Sampled inside the transaction that wrote the rows, then rolled back: no relay can publish them first.
        transaction = conn.transaction()
        await transaction.start()
        try:
            await conn.executemany("INSERT INTO outbox (id, type, occurred_at, payload) VALUES ($1, $2, $3, $4)", [
                (old.id, old.type, old.occurred_at - timedelta(minutes=5), old.data),
                (new.id, new.type, new.occurred_at, new.data),
            ])
            pending = await conn.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            await metrics.sample_outbox_once(conn)
        finally:
            await transaction.rollback()
    assert value("lotse_outbox_pending") == pending >= 2
    assert 300 <= value("lotse_outbox_oldest_pending_seconds") < 330
    await metrics.sample_outbox_once(pool)
    assert value("lotse_outbox_oldest_pending_seconds") < 300


async def test_a_made_up_method_is_counted_as_other(intake_client: TestClient) -> None:
    before = value("lotse_http_requests_total", route="unmatched", method="other", status="4xx")
    response = await intake_client.request("PROPFIND", "/healthz")
    assert 400 <= response.status < 500
    assert value("lotse_http_requests_total", route="unmatched", method="other", status="4xx") == before + 1


async def test_requests_are_counted_by_route_name_never_by_path(intake_client: TestClient) -> None:
    before = value("lotse_http_requests_total", route="api_register", method="POST", status="2xx")
    assert (await intake_client.post("/api/v1/newcomers", json=newcomer_payload())).status == 201
    await intake_client.get("/manage/some-secret-token")
    assert value("lotse_http_requests_total", route="api_register", method="POST", status="2xx") == before + 1
    exposed = generate_latest().decode()
    assert "some-secret-token" not in exposed and 'route="manage"' in exposed

    async def published() -> bool:
        return value("lotse_outbox_published_total") > 0

    await eventually(published, timeout=10)


async def test_messages_are_counted_and_timed_per_consumer(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, clean_queues: None
) -> None:
    labels = {"consumer": "matcher", "type": events.PARTICIPANT_UPDATED}
    before = value("lotse_events_total", **labels, outcome="processed")
    consumer = MatcherConsumer(pool, amqp)
    await consumer.start()
    try:
        # No learned model in an emptied database: every kind shows version 0 (the rules only) from the start.
        assert {kind: REGISTRY.get_sample_value("lotse_matcher_model_version", {"kind": kind})
                for kind in matches.KINDS} == dict.fromkeys(matches.KINDS, 0.0)
        channel = await amqp.channel(publisher_confirms=True)
        exchange = await declare_events_exchange(channel)
        event = events.new_event(events.PARTICIPANT_UPDATED, participant_id=uuid.uuid4(), kind="mentor")
        await exchange.publish(aio_pika.Message(event.to_json(), message_id=str(event.id)),
                               routing_key=event.type)
        await channel.close()

        async def counted() -> bool:
            return value("lotse_events_total", **labels, outcome="processed") == before + 1

        await eventually(counted, timeout=10)
        assert value("lotse_event_processing_seconds_count", **labels) >= 1
    finally:
        await consumer.stop()


async def test_the_metrics_port_serves_the_prometheus_text_format() -> None:
    port = free_port()
    async with (metrics.served(port, host="127.0.0.1"), aiohttp.ClientSession() as http,
                http.get(f"http://127.0.0.1:{port}/metrics") as response):
        assert response.status == 200
        text = await response.text()
    names = {family.name for family in text_string_to_metric_families(text)}
    assert {"lotse_http_requests", "lotse_events", "lotse_outbox_pending", "lotse_emails"} <= names
