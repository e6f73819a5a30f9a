"""Both kinds of service settle their heap once started (see `lotse.shared.heap`): intake as
`lotse intake` serves it, and a queue worker as `lotse matcher` and `lotse notifier` run it."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from lotse.intake.main import served_app
from lotse.shared import worker
from lotse.shared.config import Settings
from tests.conftest import eventually


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the test process collects as before


async def test_intake_settles_its_heap_once_started(settings: Settings, migrated: str) -> None:
    client = TestClient(TestServer(served_app(settings)))
    assert gc.get_freeze_count() == 0
    await client.start_server()
    try:
        assert gc.get_freeze_count() > 0
        assert (await client.get("/healthz")).status == 200
    finally:
        await client.close()


async def test_a_worker_settles_its_heap_once_its_consumers_run(settings: Settings, migrated: str) -> None:
    stop = asyncio.Event()
    serving = asyncio.create_task(worker.serve(settings, "settle-test", lambda _: worker.Components(
        consumers=(), with_relay=False), stop=stop))

    async def settled() -> bool:
        return gc.get_freeze_count() > 0

    try:
        await eventually(settled, timeout=30)
    finally:
        stop.set()
        await serving
