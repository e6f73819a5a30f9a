"""Review 10a, finding 3: `lotse intake` started while its broker or database does not answer
listens at once. /healthz answers 200, /readyz 503 in its usual body, every other address the
contract's 503 with Retry-After; once the dependency appears (a TCP relay of the test's own to the
real server, started late), it serves as usual. SIGTERM during the wait exits 0.

Real processes, the real PostgreSQL and RabbitMQ (this run's database and vhost); the shared
servers are never stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import pytest

from lotse.shared.dependencies import BROKER, DATABASE
from tests.conftest import TEST_AMQP_URL, TEST_DATABASE_URL, eventually, service_env
from tests.e2e.conftest import free_port
from tests.e2e.test_contract_process import CuttableRelay

DEPENDENCIES = [
    pytest.param(BROKER, TEST_AMQP_URL, 5672, "broker", "database", id="broker"),
    pytest.param(DATABASE, TEST_DATABASE_URL, 5432, "database", "broker", id="database"),
]


def _through(url: str, relay: CuttableRelay) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{parts.netloc.rpartition('@')[0]}@127.0.0.1:{relay.port}"))


@contextlib.contextmanager
def _intake(tmp_path: Path, **env: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`lotse intake` on a port of its own; killed if the test left it running."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(tmp_path / "intake.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "lotse.shared.cli", "intake"], stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, **service_env(LOTSE_METRICS_PORT="", LOTSE_HTTP_PORT=str(port),
                                             LOTSE_PUBLIC_URL=url, **env)})
        try:
            yield url, process
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


@contextlib.asynccontextmanager
async def _relay(target_url: str, default_port: int) -> AsyncIterator[CuttableRelay]:
    """A relay to the real server, not started: its port refuses until the test starts it."""
    target = urlsplit(target_url)
    relay = CuttableRelay(target.hostname or "127.0.0.1", target.port or default_port)
    try:
        yield relay
    finally:
        await relay.cut()


async def _listening(http: aiohttp.ClientSession, url: str, process: subprocess.Popen[bytes]) -> int:
    async def healthz() -> int | None:
        assert process.poll() is None, f"intake exited with {process.returncode}"
        try:
            async with http.get(f"{url}/healthz") as response:
                return response.status
        except aiohttp.ClientConnectionError:
            return None

    return await eventually(healthz, timeout=20, interval=0.1)


@pytest.mark.parametrize(("variable", "target_url", "default_port", "away", "there"), DEPENDENCIES)
async def test_intake_answers_503_while_a_dependency_is_away_then_serves(
    migrated: str, tmp_path: Path, variable: str, target_url: str, default_port: int, away: str, there: str
) -> None:
    async with _relay(target_url, default_port) as relay, aiohttp.ClientSession() as http:
        with _intake(tmp_path, **{variable: _through(target_url, relay)}) as (url, process):
            assert await _listening(http, url, process) == 200

            body: dict[str, Any] = {}

            async def away_tried() -> bool:
                # Listening comes before the first connection attempt: until then the check reads
                # "not tried yet" (and the broker is tried only once the database answered).
                nonlocal body
                async with http.get(f"{url}/readyz") as response:
                    assert response.status == 503
                    body = await response.json()
                return bool(body["checks"][away] != "not tried yet")

            await eventually(away_tried, timeout=30, interval=0.1)
            assert body["status"] == "not_ready" and set(body["checks"]) == {"database", "broker"}
            assert body["checks"][away].startswith("unreachable: connection refused"), body
            if away == "broker":
                assert body["checks"][there] == "ok", body  # the database is waited for first
            async with http.get(f"{url}/readyz?require=database") as response:
                assert response.status == 503  # nothing but the probes is served yet

            async with http.post(f"{url}/api/v1/newcomers", json={}) as response:
                assert response.status == 503
                assert response.headers["Retry-After"] == "5"
                error = (await response.json())["error"]
            assert error["code"] == "unavailable" and error["fields"] == {}
            async with http.get(f"{url}/", headers={"Accept-Language": "de"}) as response:
                assert response.status == 503
                assert response.headers["Retry-After"] == "5"
                assert response.content_type == "text/html"
                assert 'href="/static/lotse.css"' in await response.text()
            async with http.get(f"{url}/static/lotse.css") as response:
                assert response.status == 200  # the 503 page's own style, which needs no dependency
            async with http.get(f"{url}/dashboard") as response:
                assert response.status == 503 and response.content_type == "text/html"

            await relay.start()

            async def ready() -> bool:
                assert process.poll() is None, f"intake exited with {process.returncode}"
                async with http.get(f"{url}/readyz") as response:
                    return response.status == 200

            await eventually(ready, timeout=30, interval=0.2)
            async with http.post(f"{url}/api/v1/newcomers", json={}) as response:
                assert response.status == 422  # the handler itself now: the body is missing everything
            async with http.get(f"{url}/") as response:
                assert response.status == 200

            process.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(process.wait, 30) == 0


@pytest.mark.parametrize(("variable", "target_url", "default_port", "away", "there"), DEPENDENCIES)
async def test_sigterm_while_waiting_for_a_dependency_exits_0(
    tmp_path: Path, variable: str, target_url: str, default_port: int, away: str, there: str
) -> None:
    async with _relay(target_url, default_port) as relay, aiohttp.ClientSession() as http:
        with _intake(tmp_path, **{variable: _through(target_url, relay)}) as (url, process):
            await _listening(http, url, process)
            process.send_signal(signal.SIGTERM)
            # The wait itself is 60 s: exiting well before it is exiting because of the signal.
            assert await asyncio.to_thread(process.wait, 20) == 0
    log = (tmp_path / "intake.log").read_text()
    assert "Traceback" not in log and '"intake stopped"' in log, log
