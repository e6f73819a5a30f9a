"""after_response: a stopping intake waits for work left after answers, but not for ever."""

from __future__ import annotations

import asyncio
import logging

import pytest

from lotse.intake.after_response import AfterResponse


async def test_a_job_still_stuck_at_the_deadline_is_cancelled_and_said_so(caplog: pytest.LogCaptureFixture) -> None:
    jobs, finished, cancelled = AfterResponse(), asyncio.Event(), asyncio.Event()

    async def quick() -> None:
        finished.set()

    async def stuck() -> None:
        try:
            await asyncio.Event().wait()  # never set
        except asyncio.CancelledError:
            cancelled.set()
            raise

    jobs.start(quick(), name="quick")
    jobs.start(stuck(), name="stuck")
    await jobs.finish(within_s=0.05)
    assert finished.is_set() and cancelled.is_set()
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.getMessage() == "work after answers cancelled at shutdown" and warning.__dict__["jobs"] == 1
    await jobs.finish(within_s=0.05)  # nothing left: returns at once, says nothing
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


async def test_a_failing_job_is_logged_by_its_name_and_the_others_still_run(caplog: pytest.LogCaptureFixture) -> None:
    jobs, finished = AfterResponse(), asyncio.Event()

    async def failing(address: str) -> None:
        raise RuntimeError("no route")

    async def quick() -> None:
        finished.set()

    jobs.start(failing("lan@example.org"), name="new-links")
    jobs.start(quick(), name="quick")
    await jobs.finish(within_s=1)
    assert finished.is_set()
    [error] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert error.getMessage() == "work after the answer failed" and error.__dict__["job"] == "new-links"
    assert error.exc_info is not None and isinstance(error.exc_info[1], RuntimeError)
    assert "lan@example.org" not in error.getMessage()
