"""Fixtures every test tier shares: a database and a broker vhost of the tests' own.

Integration and e2e tests use the real PostgreSQL and RabbitMQ that `deploy/infra.sh up`
starts; nothing here is a fake.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, TypeAlias, TypeVar

import aio_pika
import asyncpg
import pytest
from aio_pika.abc import AbstractRobustConnection

from lotse.shared import supervise
from lotse.shared.config import Settings, load_settings
from lotse.shared.db import create_pool
from lotse.shared.migrate import migrate
from lotse.shared.topology import QUEUES, QueueSpec, declare_topology

if TYPE_CHECKING:
    from aiohttp import web
    from aiohttp.test_utils import TestClient

T = TypeVar("T")

# What the `intake_client` fixture gives: a test client of the real intake app.
IntakeClient: TypeAlias = "TestClient[web.Request, web.Application]"

TEST_DATABASE_URL = os.environ.get(
    "LOTSE_TEST_DATABASE_URL", "postgresql://lotse:lotse@127.0.0.1:5432/lotse_test"
)
# A vhost of their own keeps tests away from the queues of a `lotse dev` on the same machine.
TEST_AMQP_URL = os.environ.get("LOTSE_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/lotse_test")
TEST_SECRET_KEY = "test-secret-key-0123456789"

_TABLES_KEPT = {"schema_migrations"}


def service_env(**overrides: str) -> dict[str, str]:
    return {
        "LOTSE_DATABASE_URL": TEST_DATABASE_URL,
        "LOTSE_AMQP_URL": TEST_AMQP_URL,
        "LOTSE_SECRET_KEY": TEST_SECRET_KEY,
        "LOTSE_OUTBOX_POLL_INTERVAL": "0.2",
        **overrides,
    }


@pytest.fixture(scope="session", autouse=True)
async def no_task_outlives_the_session() -> AsyncIterator[None]:
    """Name any task still pending when the tests end, then cancel it with a deadline.

    A leftover task that ignores cancellation would otherwise hang the run in pytest-asyncio's
    loop shutdown, where no per-test timeout applies.
    """
    yield
    current = asyncio.current_task()
    leftovers = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
    for task in leftovers:
        frames = "".join(f"\n    {f.f_code.co_filename}:{f.f_lineno} {f.f_code.co_name}" for f in task.get_stack())
        print(f"\nleftover task at session end: {task.get_name()} {task.get_coro()!r}{frames}")
        task.cancel()
    if leftovers:
        _, pending = await asyncio.wait(leftovers, timeout=5)
        assert not pending, f"tasks ignore cancellation: {[t.get_name() for t in pending]}"


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings(service_env())



@pytest.fixture(scope="session")
async def migrated(settings: Settings) -> str:
    conn = await asyncpg.connect(settings.database_url)
    try:
        # Start each run from an empty schema, so migrations themselves are tested too.
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await conn.close()
    await migrate(settings.database_url)
    return settings.database_url


@pytest.fixture(scope="session")
async def pool(migrated: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(migrated, max_size=20)
    yield pool
    await pool.close()


@pytest.fixture(autouse=True)
def no_failed_task_left() -> Iterator[None]:
    """A background task that died is remembered for the process's exit code (lotse.shared.supervise);
    one a test made die must not make another test's service exit 1."""
    yield
    supervise._failed.clear()


@pytest.fixture(autouse=True)
async def clean_database(request: pytest.FixtureRequest) -> None:
    if "pool" not in request.fixturenames:
        return
    pool: asyncpg.Pool = request.getfixturevalue("pool")
    tables = [
        r["tablename"]
        for r in await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        if r["tablename"] not in _TABLES_KEPT
    ]
    for attempt in range(5):
        try:
            if tables:
                await pool.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
            return
        except asyncpg.exceptions.DeadlockDetectedError:
            # Services started for a test run their own jobs (relay, retention, scheduled rounds) at
            # once; TRUNCATE's exclusive locks can meet theirs in the other order. PostgreSQL aborted
            # ours, and nothing was truncated: again, after their transaction is gone.
            if attempt == 4:
                raise
            await asyncio.sleep(0.2 * (attempt + 1))


@pytest.fixture(scope="session")
async def amqp(settings: Settings) -> AsyncIterator[AbstractRobustConnection]:
    connection = await aio_pika.connect_robust(settings.amqp_url)
    await declare_topology(connection)
    yield connection
    await connection.close()


async def purge(connection: AbstractRobustConnection, spec: QueueSpec) -> None:
    channel = await connection.channel()
    try:
        for name in (spec.name, spec.dead_letter_queue, *map(spec.retry_queue, spec.retry_delays_s)):
            queue = await channel.get_queue(name, ensure=True)
            await queue.purge()
    finally:
        await channel.close()


@pytest.fixture
async def clean_queues(amqp: AbstractRobustConnection) -> None:
    for spec in QUEUES:
        await purge(amqp, spec)


async def eventually(
    probe: Callable[[], Awaitable[T | None]], *, timeout: float = 15.0, interval: float = 0.05
) -> T:
    """Poll until ``probe`` returns something truthy; the outcome, never a fixed sleep.

    The outcome is truthy, so never None: a probe that answers ``X | None`` gives an ``X``.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s (last: {result!r})")
        await asyncio.sleep(interval)


async def queue_depth(connection: AbstractRobustConnection, name: str) -> int:
    channel = await connection.channel()
    try:
        queue = await channel.declare_queue(name, passive=True)
        return int(queue.declaration_result.message_count or 0)
    finally:
        await channel.close()


COORDINATOR_EMAIL = "coordinator@example.org"
COORDINATOR_PASSWORD = "correct horse battery staple"


@pytest.fixture
async def intake_client(
    settings: Settings, pool: asyncpg.Pool, amqp: AbstractRobustConnection
) -> AsyncIterator[IntakeClient]:
    """The real intake app from its factory, on a real server on a free port."""
    import dataclasses

    from aiohttp.test_utils import TestClient, TestServer

    from lotse.intake.app import init_app

    app_settings = dataclasses.replace(
        settings,
        coordinator_email=COORDINATOR_EMAIL,
        coordinator_password=COORDINATOR_PASSWORD,
        intake_rate_limit_per_minute=1000,
    )
    client = TestClient(TestServer(init_app(app_settings)))
    await client.start_server()
    yield client
    await client.close()


@pytest.fixture
async def coordinator_headers(intake_client: IntakeClient) -> dict[str, str]:
    response = await intake_client.post(
        "/api/v1/auth/login", json={"email": COORDINATOR_EMAIL, "password": COORDINATOR_PASSWORD}
    )
    assert response.status == 200, await response.text()
    return {"Authorization": f"Bearer {(await response.json())['token']}"}
