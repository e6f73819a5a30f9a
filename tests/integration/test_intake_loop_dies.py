"""`lotse intake` whose background task dies stops by itself with exit code 1, instead of serving
on without its outbox relay or jobs while /readyz says ready (review 10b, F3)."""

from __future__ import annotations

import asyncio
import dataclasses

import asyncpg
import pytest

from lotse.intake import lifecycle_jobs, main
from lotse.shared import supervise
from lotse.shared.config import Settings
from tests.e2e.conftest import free_port


async def test_intake_stops_when_a_background_task_dies(
    settings: Settings, migrated: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def jobs_that_die(_pool: asyncpg.Pool) -> None:
        raise asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress")

    # The one stand-in: a job of ours that fails the way a loop did under pg_terminate_backend.
    monkeypatch.setattr(lifecycle_jobs, "run_periodically", jobs_that_die)
    never_set = asyncio.Event()  # nobody sends SIGTERM: the failure alone must end serve()
    served = dataclasses.replace(settings, http_port=free_port())
    await asyncio.wait_for(main.serve(served, stop=never_set), timeout=60)
    assert never_set.is_set()
    assert supervise.exit_code() == 1
