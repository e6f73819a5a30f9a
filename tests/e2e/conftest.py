"""The whole system as separate processes (`lotse intake|matcher|notifier`), a real SMTP sink.

Tests drive it over HTTP and watch its effects by polling, never by sleeping.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from lotse.shared.mailsink import MailSink, StoredMessage
from tests.conftest import eventually, service_env

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class System:
    base_url: str
    mailsink: MailSink
    env: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]]

    def start(self, service: str, name: str | None = None, **env: str) -> subprocess.Popen[bytes]:
        name = name or service
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        log = (ARTIFACTS / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "lotse.shared.cli", service],
            env={**os.environ, **self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.processes[name] = process
        return process

    def stop(self, name: str, timeout: float = 20) -> int:
        """SIGTERM, as an orchestrator would; the exit code tells whether shutdown was clean."""
        process = self.processes.pop(name)
        process.terminate()
        try:
            return process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise


@pytest.fixture(scope="session")
def mailsink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailSink]:
    sink = MailSink(tmp_path_factory.mktemp("mail"))
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="package")
async def system(migrated: str, mailsink: MailSink) -> AsyncIterator[System]:
    """The services run for this package only: left running, they would consume the events of
    later test packages that share the database and vhost."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = service_env(
        LOTSE_SMTP_PORT=str(mailsink.smtp_port),
        LOTSE_HTTP_PORT=str(port),
        LOTSE_PUBLIC_URL=base_url,
        LOTSE_INTAKE_RATE_LIMIT="0",
        LOTSE_LOG_LEVEL="INFO",
    )
    system = System(base_url, mailsink, env, {})
    for service in ("intake", "matcher", "notifier"):
        system.start(service)
    try:
        async with aiohttp.ClientSession() as http:

            async def ready() -> bool:
                for name, process in system.processes.items():
                    if process.poll() is not None:
                        raise AssertionError(f"{name} exited with {process.returncode}; see {ARTIFACTS}")
                try:
                    async with http.get(f"{base_url}/readyz") as response:
                        return response.status == 200
                except aiohttp.ClientError:
                    return False

            await eventually(ready, timeout=60, interval=0.2)
        yield system
    finally:
        codes = {name: system.stop(name) for name in list(system.processes)}
        assert all(code == 0 for code in codes.values()), f"unclean shutdown: {codes}"


@pytest.fixture
async def http(system: System) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=system.base_url) as session:
        yield session


async def wait_for_mail(mailsink: MailSink, to: str, timeout: float = 20) -> list[StoredMessage]:
    async def arrived() -> list[StoredMessage]:
        return [m for m in mailsink.messages() if to in m.rcpt_tos]

    return await eventually(arrived, timeout=timeout, interval=0.1)

