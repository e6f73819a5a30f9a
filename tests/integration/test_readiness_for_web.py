"""Review 8g, finding 4: `/readyz?require=database`, the readiness intake's Kubernetes probe asks,
is 200 while only the broker is away (registrations are still taken: the outbox keeps their events),
and 503 when the database is; plain `/readyz` keeps the contract (both, else 503).

Through the real intake app, whose broker or database is reached through a TCP relay the test cuts
(the shared servers are never touched)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from aiohttp.test_utils import TestClient, TestServer

from lotse.intake.app import init_app
from lotse.shared.config import Settings
from tests.conftest import eventually
from tests.e2e.test_contract_process import CuttableRelay
from tests.integration.intake_fixtures import mentor_payload


@asynccontextmanager
async def _intake_with_cuttable(
    settings: Settings, field: str
) -> AsyncIterator[tuple[TestClient[Any, Any], CuttableRelay]]:
    """The intake app with ``field`` (database_url or amqp_url) reached through a relay."""
    dependency = urlsplit(getattr(settings, field))
    relay = CuttableRelay(dependency.hostname or "127.0.0.1", dependency.port or 5432)
    await relay.start()
    credentials = dependency.netloc.rpartition("@")[0]
    relayed = urlunsplit(dependency._replace(netloc=f"{credentials}@127.0.0.1:{relay.port}"))
    client = TestClient(TestServer(init_app(dataclasses.replace(settings, **{field: relayed}))))
    await client.start_server()
    try:
        yield client, relay
    finally:
        await client.close()
        await relay.cut()


async def _status(client: TestClient[Any, Any], path: str) -> tuple[int, dict[str, Any]]:
    async with client.get(path) as response:
        return response.status, await response.json()


async def test_while_the_broker_is_away_intake_stays_ready_for_web_traffic(
    settings: Settings, pool: asyncpg.Pool
) -> None:
    async with _intake_with_cuttable(settings, "amqp_url") as (client, relay):
        assert (await _status(client, "/readyz?require=database"))[0] == 200
        assert (await _status(client, "/readyz"))[0] == 200
        await relay.cut()

        async def not_ready() -> bool:
            return (await _status(client, "/readyz"))[0] == 503

        await eventually(not_ready, timeout=15, interval=0.1)  # the contract's readiness: both
        status, body = await _status(client, "/readyz?require=database")
        assert status == 200
        assert body == {"status": "ready", "checks": {"database": "ok", "broker": "unreachable"}}
        assert (await _status(client, "/readyz?require=database,broker"))[0] == 503
        async with client.post("/api/v1/mentors", json=mentor_payload()) as response:
            assert response.status == 201, await response.text()  # what the probe keeps in service


async def test_without_the_database_intake_is_not_ready_for_web_traffic(settings: Settings, pool: asyncpg.Pool) -> None:
    async with _intake_with_cuttable(settings, "database_url") as (client, relay):
        assert (await _status(client, "/readyz?require=database"))[0] == 200
        await relay.cut()

        async def not_ready() -> bool:
            return (await _status(client, "/readyz?require=database"))[0] == 503

        await eventually(not_ready, timeout=15, interval=0.1)
        status, body = await _status(client, "/readyz?require=database")
        assert status == 503 and body["status"] == "not_ready" and body["checks"]["broker"] == "ok"
        assert body["checks"]["database"].startswith("unreachable")


async def test_an_unknown_check_is_refused_not_ignored(intake_client: TestClient[Any, Any]) -> None:
    for path in ("/readyz?require=databse", "/readyz?require=", "/readyz?require=database,queue"):
        async with intake_client.get(path) as response:
            assert response.status == 400, path
            body = await response.json()
            assert set(body) == {"error"} and body["error"]["fields"] == {"require": "unknown check"}
