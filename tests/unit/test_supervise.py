"""A background loop that dies is logged at once and stops its service (review 10b, F3)."""

from __future__ import annotations

import asyncio
import logging

import asyncpg
import pytest

from lotse.shared import supervise


async def test_a_task_that_raises_stops_the_service_with_exit_code_1(caplog: pytest.LogCaptureFixture) -> None:
    async def relay() -> None:
        raise asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress")

    stopped = asyncio.Event()
    task = supervise.watch(asyncio.create_task(relay(), name="outbox-relay"), stopped.set)
    with caplog.at_level(logging.CRITICAL, logger="lotse.shared.supervise"):
        await asyncio.gather(task, return_exceptions=True)
        await asyncio.sleep(0)  # done callbacks run on the next turn of the loop
    assert stopped.is_set()
    assert supervise.exit_code() == 1
    [record] = caplog.records
    assert record.task == "outbox-relay"  # type: ignore[attr-defined]
    assert record.exc_info is not None and "InternalClientError" in repr(record.exc_info[1])


async def test_a_cancelled_or_finished_task_is_no_failure() -> None:
    async def forever() -> None:
        await asyncio.Event().wait()

    async def switched_off() -> None:
        return None

    stopped = asyncio.Event()
    cancelled = supervise.watch(asyncio.create_task(forever()), stopped.set)
    finished = supervise.watch(asyncio.create_task(switched_off()), stopped.set)
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.gather(cancelled, finished, return_exceptions=True)
    await asyncio.sleep(0)
    assert not stopped.is_set()
    assert supervise.exit_code() == 0
