"""A queue worker whose background loop dies stops by itself, exit code 1, instead of running on
without it while its probes say healthy (review 10b, F3: the notifier's delivery loops and the
outbox relay died of a terminated connection and nothing noticed)."""

from __future__ import annotations

import asyncio
import logging

import asyncpg
import pytest

from lotse.shared import supervise, worker
from lotse.shared.config import Settings


async def test_a_worker_stops_when_a_background_loop_dies(
    settings: Settings, migrated: str, caplog: pytest.LogCaptureFixture
) -> None:
    started = asyncio.Event()

    async def delivery_loop() -> None:
        started.set()
        raise asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress")

    never_set = asyncio.Event()  # nobody sends SIGTERM: the failure alone must end serve()
    with caplog.at_level(logging.CRITICAL, logger="lotse.shared.supervise"):
        await asyncio.wait_for(worker.serve(settings, "loop-dies-test", lambda _: worker.Components(
            consumers=(), background=[delivery_loop()], with_relay=False), stop=never_set), timeout=60)
    assert started.is_set()
    assert never_set.is_set()
    assert supervise.exit_code() == 1
    [failed] = caplog.records  # the loop by its name, not "Task-7"
    assert failed.task.endswith(".delivery_loop")  # type: ignore[attr-defined]
