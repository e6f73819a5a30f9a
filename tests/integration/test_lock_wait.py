"""Review 10b, F4: a table another session keeps locked (an operator's long migration, a stuck
transaction) holds a request up for LOTSE_LOCK_WAIT at most, then answers 503 with Retry-After, so
waiting requests do not pile up and take every pool connection; once the lock goes, all works."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from lotse.intake.app import init_app
from lotse.shared.config import Settings
from tests.conftest import COORDINATOR_EMAIL, COORDINATOR_PASSWORD, IntakeClient
from tests.integration.intake_fixtures import newcomer_payload
from tests.integration.test_intake_api import assert_error_shape
from tests.integration.test_self_service import manage_link

WAIT_S = 0.5


@pytest.fixture
async def impatient_client(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[IntakeClient]:
    app_settings = dataclasses.replace(settings, coordinator_email=COORDINATOR_EMAIL,
                                       coordinator_password=COORDINATOR_PASSWORD, lock_wait_s=WAIT_S)
    client = TestClient(TestServer(init_app(app_settings)))
    await client.start_server()
    yield client
    await client.close()


async def test_a_table_locked_elsewhere_answers_503_after_the_wait_not_never(
    impatient_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    created = await impatient_client.post("/api/v1/newcomers", json=newcomer_payload())
    page_link = manage_link(uuid.UUID((await created.json())["id"]))
    async with pool.acquire() as operator:
        held = operator.transaction()
        await held.start()
        await operator.execute("LOCK TABLE participants IN ACCESS EXCLUSIVE MODE")
        try:
            started = time.monotonic()
            # Without the lock wait, the pool's 30 s command timeout would answer it: 20 s tells them apart.
            api = await asyncio.wait_for(impatient_client.post("/api/v1/newcomers", json=newcomer_payload()), 20)
            waited = time.monotonic() - started
            assert api.status == 503 and api.headers["Retry-After"] == "5", await api.text()
            assert_error_shape(await api.json(), "unavailable")
            assert waited >= WAIT_S  # it did wait for the lock first; no upper bound here (a shared machine)
            page = await asyncio.wait_for(impatient_client.get(page_link), 20)
            assert page.status == 503 and "text/html" in page.headers["Content-Type"]
            assert page.headers["Retry-After"] == "5"
        finally:
            await held.rollback()
    assert (await impatient_client.post("/api/v1/newcomers", json=newcomer_payload())).status == 201
    assert (await impatient_client.get(page_link)).status == 200
