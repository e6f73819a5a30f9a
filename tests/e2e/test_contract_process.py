"""The contract's process-level promises, driven as an outside test would: commands, environment
variables, health endpoints and shutdown, against the real PostgreSQL, RabbitMQ and processes.

- `/readyz`: 200 when database and broker are reachable, else 503 (the broker is cut here by a
  TCP relay of the test's own between intake and RabbitMQ; the shared broker is never touched);
- `LOTSE_COORDINATOR_EMAIL` + `LOTSE_COORDINATOR_PASSWORD`: a coordinator created at start-up;
- `lotse create-coordinator EMAIL` with the password on stdin, then `POST /api/v1/auth/login`;
- `lotse migrate` idempotent;
- `lotse intake` on SIGTERM finishes the request in flight, then exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg

from tests.conftest import TEST_AMQP_URL, TEST_DATABASE_URL, eventually
from tests.e2e.conftest import ARTIFACTS, System, free_port
from tests.integration.intake_fixtures import mentor_payload

PASSWORD = "a long enough passphrase"


class CuttableRelay:
    """A TCP relay to RabbitMQ or PostgreSQL that the test can cut (refuse and drop connections) and
    restore: the dependency going away, as intake sees it, without touching the shared server itself."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            broker_reader, broker_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.close()
            return
        self._writers.update((client_writer, broker_writer))

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while data := await reader.read(65536):
                    writer.write(data)
                    await writer.drain()
            writer.close()

        await asyncio.gather(pipe(client_reader, broker_writer), pipe(broker_reader, client_writer))


async def _status(http: aiohttp.ClientSession, url: str) -> int | None:
    try:
        async with http.get(url) as response:
            return response.status
    except aiohttp.ClientError:
        return None


@contextlib.asynccontextmanager
async def _own_intake(system: System, name: str, **env: str) -> AsyncIterator[tuple[str, subprocess.Popen[bytes]]]:
    """A second `lotse intake` of this test's own, on its own port, ready; stopped by SIGTERM."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = system.start("intake", name=name, LOTSE_HTTP_PORT=str(port), LOTSE_PUBLIC_URL=url, **env)
    try:
        async with aiohttp.ClientSession() as http:

            async def ready() -> bool:
                assert process.poll() is None, f"{name} exited with {process.returncode}"
                return await _status(http, f"{url}/readyz") == 200

            await eventually(ready, timeout=60, interval=0.2)
        yield url, process
    finally:
        if name in system.processes:
            # In a thread: a relay of this test's event loop may carry the goodbyes of its connections.
            assert await asyncio.to_thread(system.stop, name) == 0


@contextlib.asynccontextmanager
async def _relayed_intake(system: System, name: str, variable: str, dependency_url: str,
                          default_port: int) -> AsyncIterator[tuple[str, CuttableRelay]]:
    """An intake of this test's own whose dependency (``variable`` set to ``dependency_url``) is
    reached through a CuttableRelay, started; the relay is cut again when the intake has stopped."""
    dependency = urlsplit(dependency_url)
    relay = CuttableRelay(dependency.hostname or "127.0.0.1", dependency.port or default_port)
    await relay.start()
    credentials = dependency.netloc.rpartition("@")[0]
    through_relay = urlunsplit(dependency._replace(netloc=f"{credentials}@127.0.0.1:{relay.port}"))
    try:
        async with _own_intake(system, name, **{variable: through_relay}) as (url, _):
            yield url, relay
    finally:
        await relay.cut()


async def _readyz_turns(http: aiohttp.ClientSession, url: str, status: int, *, timeout: float) -> None:
    async def answers() -> bool:
        return await _status(http, f"{url}/readyz") == status

    await eventually(answers, timeout=timeout, interval=0.2)


async def test_readyz_is_503_while_the_broker_is_away_and_200_when_it_is_back(
    system: System, pool: asyncpg.Pool
) -> None:
    async with _relayed_intake(system, "intake-relayed", "LOTSE_AMQP_URL", TEST_AMQP_URL, 5672) as (url, relay), \
            aiohttp.ClientSession() as http:
        async with http.get(f"{url}/healthz") as response:
            assert response.status == 200
        await relay.cut()

        await _readyz_turns(http, url, 503, timeout=15)
        async with http.get(f"{url}/healthz") as response:
            assert response.status == 200  # alive, only not ready
        # Registrations are still taken: the event waits in the outbox.
        async with http.post(f"{url}/api/v1/mentors", json=mentor_payload()) as response:
            assert response.status == 201, await response.text()

        await relay.start()

        await _readyz_turns(http, url, 200, timeout=30)


async def test_readyz_is_503_while_the_database_is_away_and_the_api_answers_503_in_shape(
    system: System, pool: asyncpg.Pool
) -> None:
    async with _relayed_intake(system, "intake-db-relayed", "LOTSE_DATABASE_URL", TEST_DATABASE_URL, 5432) \
            as (url, relay), aiohttp.ClientSession() as http:
        await relay.cut()

        await _readyz_turns(http, url, 503, timeout=15)
        async with http.post(f"{url}/api/v1/mentors", json=mentor_payload()) as response:
            assert response.status == 503 and response.headers["Retry-After"]
            body = await response.json()
            assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
        await relay.start()

        await _readyz_turns(http, url, 200, timeout=30)


async def test_the_coordinator_from_the_environment_is_created_at_start_up_once(
    system: System, pool: asyncpg.Pool
) -> None:
    email = f"boot.{uuid.uuid4().hex[:8]}@example.org"
    env = {"LOTSE_COORDINATOR_EMAIL": email, "LOTSE_COORDINATOR_PASSWORD": PASSWORD}
    for attempt in range(2):  # the second start finds it and creates no second one
        async with _own_intake(system, f"intake-boot{attempt}", **env) as (url, _), \
                aiohttp.ClientSession() as http, \
                http.post(f"{url}/api/v1/auth/login", json={"email": email, "password": PASSWORD}) as r:
            assert r.status == 200, await r.text()
            assert set(await r.json()) == {"token", "expires_at"}
    assert await pool.fetchval("SELECT count(*) FROM coordinators WHERE lower(email) = $1", email) == 1


def _lotse(system: System, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lotse.shared.cli", *args], input=stdin, text=True,
                          capture_output=True, env={**os.environ, **system.env}, timeout=60, check=False)


async def test_create_coordinator_reads_the_password_from_stdin_and_the_api_logs_in(
    system: System, http: aiohttp.ClientSession, pool: asyncpg.Pool
) -> None:
    email = f"cli.{uuid.uuid4().hex[:8]}@example.org"
    created = await asyncio.to_thread(_lotse, system, "create-coordinator", email, stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stdout + created.stderr
    assert PASSWORD not in created.stdout + created.stderr

    async with http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}) as response:
        assert response.status == 200, await response.text()
        login = await response.json()
    assert isinstance(login["token"], str) and login["token"]
    assert datetime.fromisoformat(login["expires_at"]) > datetime.now().astimezone()
    async with http.get("/api/v1/stats", headers={"Authorization": f"Bearer {login['token']}"}) as response:
        assert response.status == 200

    again = await asyncio.to_thread(_lotse, system, "create-coordinator", email, stdin=PASSWORD + "\n")
    assert again.returncode != 0 and "Traceback" not in again.stderr


async def test_migrate_is_idempotent(system: System, pool: asyncpg.Pool) -> None:
    for _ in range(2):
        migrated = await asyncio.to_thread(_lotse, system, "migrate")
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert migrated.stdout.startswith("applied 0 migration(s)")


async def test_intake_finishes_the_request_in_flight_on_sigterm_and_exits_0(system: System, pool: asyncpg.Pool) -> None:
    async with _own_intake(system, "intake-sigterm") as (url, process), aiohttp.ClientSession() as http:
        async with pool.acquire() as conn, conn.transaction():
            # The registration's INSERT waits behind this lock: the request is in flight at SIGTERM.
            await conn.execute("LOCK TABLE participants IN ACCESS EXCLUSIVE MODE")
            in_flight = asyncio.ensure_future(http.post(f"{url}/api/v1/mentors", json=mentor_payload()))

            async def waiting() -> bool:
                return bool(await pool.fetchval(
                    """SELECT count(*) FROM pg_stat_activity
                       WHERE wait_event_type = 'Lock' AND query LIKE '%participants%'"""))

            await eventually(waiting, timeout=10)
            process.send_signal(signal.SIGTERM)
            await asyncio.sleep(1)
        response = await asyncio.wait_for(in_flight, timeout=15)
        assert response.status == 201, await response.text()
        assert await asyncio.to_thread(process.wait, 20) == 0
        del system.processes["intake-sigterm"]


async def test_a_short_bootstrap_password_still_creates_the_coordinator_and_is_warned_about_in_one_line(
    system: System,
) -> None:
    # The contract promises the coordinator; a password shorter than coordinators' 12 characters
    # is said in the log, naming the variable, not a reason to stop (or crash, as it once did).
    email, password = f"boot.{uuid.uuid4().hex[:8]}@example.org", "admin123"
    name = f"intake-short-{uuid.uuid4().hex[:6]}"
    env = {"LOTSE_COORDINATOR_EMAIL": email, "LOTSE_COORDINATOR_PASSWORD": password}
    async with _own_intake(system, name, **env) as (url, _), aiohttp.ClientSession() as http, \
            http.post(f"{url}/api/v1/auth/login", json={"email": email, "password": password}) as r:
        assert r.status == 200, await r.text()
    log = (ARTIFACTS / f"{name}.log").read_text(encoding="utf-8")
    assert "Traceback" not in log
    assert [line for line in log.splitlines() if "LOTSE_COORDINATOR_PASSWORD is shorter" in line] != []
    assert password not in log


async def test_lotse_dev_brings_everything_up_prints_where_to_look_and_stops_on_sigterm(
    system: System, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    port, smtp, viewer = free_port(), free_port(), free_port()
    web = f"http://127.0.0.1:{port}"
    env = {**os.environ, **system.env, "LOTSE_HTTP_PORT": str(port), "LOTSE_PUBLIC_URL": web,
           "LOTSE_SMTP_PORT": str(smtp), "LOTSE_DEV_MAIL_VIEWER_PORT": str(viewer)}
    env.pop("LOTSE_SECRET_KEY")  # dev mode needs none
    dev = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "lotse.shared.cli", "dev", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, start_new_session=True)
    try:
        assert dev.stdout is not None
        printed = await asyncio.wait_for(_read_until(dev.stdout, b"Press Ctrl-C to stop."), timeout=120)
        for where in (f"{web}/", f"{web}/dashboard", f"{web}/api/v1/", f"http://127.0.0.1:{viewer}/"):
            assert where in printed, printed
        async with aiohttp.ClientSession() as http:
            for url in (f"{web}/readyz", f"{web}/", f"http://127.0.0.1:{viewer}/"):
                assert await _status(http, url) == 200, url
            login = {"email": "coordinator@lotse.localhost", "password": "lotse-dev-password"}
            async with http.post(f"{web}/api/v1/auth/login", json=login) as response:
                assert response.status == 200, await response.text()
                bearer = {"Authorization": f"Bearer {(await response.json())['token']}"}
            async with http.get(f"{web}/api/v1/participants", headers=bearer) as response:
                assert (await response.json())["items"], "no demo data"
        dev.send_signal(signal.SIGTERM)
        await asyncio.wait_for(dev.communicate(), timeout=40)
        assert dev.returncode == 0
    finally:
        if dev.returncode is None:
            os.killpg(dev.pid, signal.SIGKILL)
            await dev.wait()


async def _read_until(stream: asyncio.StreamReader, marker: bytes) -> str:
    seen = b""
    while marker not in seen:
        line = await stream.readline()
        if not line:
            raise AssertionError(f"lotse dev ended before {marker!r}: {seen.decode(errors='replace')}")
        seen += line
    return seen.decode()
