"""singleton_job.in_batches: the batch loop of the retention pass's pruning and inactivity steps."""

from __future__ import annotations

import asyncpg

from lotse.shared.singleton_job import in_batches

LOCK_KEY = 0x4C6F7473_7E57  # this test's own: the services' passes never wait for it


async def test_batches_add_up_until_every_kind_comes_back_short(pool: asyncpg.Pool) -> None:
    found = iter([{"a": 10, "b": 3}, {"a": 4, "b": 10}, {"a": 2, "b": 1}, {"a": 10, "b": 10}])

    async def job(conn: asyncpg.Connection) -> dict[str, int]:
        return next(found)

    assert await in_batches(pool, LOCK_KEY, job, batch=10, most_batches=20) == {"a": 16, "b": 14}
    assert next(found) == {"a": 10, "b": 10}  # the third came back short of both: no fourth pass


async def test_at_most_so_many_batches(pool: asyncpg.Pool) -> None:
    passes = 0

    async def job(conn: asyncpg.Connection) -> dict[str, int]:
        nonlocal passes
        passes += 1
        return {"a": 10}

    assert await in_batches(pool, LOCK_KEY, job, batch=10, most_batches=3) == {"a": 30}
    assert passes == 3


async def test_none_when_another_instance_holds_the_lock(pool: asyncpg.Pool) -> None:
    async def job(conn: asyncpg.Connection) -> dict[str, int]:
        raise AssertionError("ran without the lock")

    async with pool.acquire() as holder, holder.transaction():
        await holder.execute("SELECT pg_advisory_xact_lock($1)", LOCK_KEY)
        assert await in_batches(pool, LOCK_KEY, job, batch=10, most_batches=3) is None
