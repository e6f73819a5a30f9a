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
