"""Both kinds of service settle their heap once started (see `lotse.shared.heap`): intake as
`lotse intake` serves it (once the app has taken over from the one that answers while it waits for
its dependencies), and a queue worker as `lotse matcher` and `lotse notifier` run it."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import aiohttp
import pytest

from lotse.intake.main import serve
from lotse.shared import worker
from lotse.shared.config import Settings, with_overrides
from tests.conftest import eventually
from tests.e2e.conftest import free_port


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the test process collects as before


async def test_intake_settles_its_heap_once_started(settings: Settings, migrated: str) -> None:
    port = free_port()
    stop = asyncio.Event()
    serving = asyncio.create_task(serve(with_overrides(settings, http_port=port, metrics_port=None), stop=stop))
    assert gc.get_freeze_count() == 0

    async def ready() -> bool:
        assert not serving.done(), serving
        try:
            async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/readyz") as response:
                return response.status == 200
        except aiohttp.ClientConnectionError:
            return False

    try:
        await eventually(ready, timeout=30)

        async def settled() -> bool:
            return gc.get_freeze_count() > 0

        await eventually(settled)  # right after the waiting app has let go of the sockets
    finally:
        stop.set()
        await serving


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
