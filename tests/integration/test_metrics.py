"""Metrics move with the work: requests by route name, outbox publishing, messages handled."""

from __future__ import annotations

import uuid

import aio_pika
import aiohttp
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from lotse.matcher.consumer import MatcherConsumer
from lotse.shared import events, metrics
from lotse.shared.topology import declare_events_exchange
from tests.conftest import eventually
from tests.e2e.conftest import free_port
from tests.integration.intake_fixtures import newcomer_payload


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_requests_are_counted_by_route_name_never_by_path(intake_client) -> None:
    before = value("lotse_http_requests_total", route="api_register", method="POST", status="2xx")
    assert (await intake_client.post("/api/v1/newcomers", json=newcomer_payload())).status == 201
    await intake_client.get("/manage/some-secret-token")
    assert value("lotse_http_requests_total", route="api_register", method="POST", status="2xx") == before + 1
    exposed = generate_latest().decode()
    assert "some-secret-token" not in exposed and 'route="manage"' in exposed

    async def published() -> bool:
        return value("lotse_outbox_published_total") > 0

    await eventually(published, timeout=10)


async def test_messages_are_counted_and_timed_per_consumer(pool, amqp, clean_queues) -> None:
    labels = {"consumer": "matcher", "type": events.PARTICIPANT_UPDATED}
    before = value("lotse_events_total", **labels, outcome="processed")
    consumer = MatcherConsumer(pool, amqp)
    await consumer.start()
    try:
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
