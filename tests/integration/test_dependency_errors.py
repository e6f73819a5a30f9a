"""Review 8g, findings 5 and 17, against the real PostgreSQL and RabbitMQ (this run's own database
and vhost; the servers themselves are never stopped: an outage is a TCP relay of the test's own).

- A wrong password, an unknown database, a refused vhost or an unencoded "@" make `lotse migrate`
  and the services say one line naming the variable, without the password, and exit 1 at once
  (they waited 60 s and ended in a traceback).
- A server that does not answer is still waited for, within the wait, then said in one line too.
- After an outage, one line says the broker or the database went away and one that it is back; the
  libraries' own reconnect chatter is not at warning level any more.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import suppress
from urllib.parse import urlsplit, urlunsplit

import pytest

from lotse.shared.config import Settings, with_overrides
from lotse.shared.dependencies import BROKER, DATABASE, DependencyError
from lotse.shared.logs import quiet_reconnects
from lotse.shared.runtime import infrastructure
from tests.conftest import TEST_AMQP_URL, TEST_DATABASE_URL, eventually, service_env
from tests.e2e.conftest import free_port
from tests.e2e.test_contract_process import CuttableRelay

SECRET = "Wr0ng-Secret-xyz"  # never to be printed


def _url(url: str, *, password: str | None = None, path: str | None = None, port: int | None = None) -> str:
    parts = urlsplit(url)
    user = parts.username or ""
    secret = parts.password if password is None else password
    netloc = f"{user}:{secret}@{parts.hostname}:{port or parts.port}"
    return urlunsplit(parts._replace(netloc=netloc, path=parts.path if path is None else path))


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.username}@{parts.hostname}:{parts.port}{parts.path}"


def _lotse(*args: str, **env: str) -> tuple[subprocess.CompletedProcess[str], float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "lotse.shared.cli", *args], capture_output=True, text=True,
                          env={**os.environ, **service_env(LOTSE_METRICS_PORT="", **env)}, timeout=40, check=False)
    return done, time.monotonic() - started


def _plain_lines(stderr: str) -> list[str]:
    """What is not one of the services' JSON log lines."""
    lines = []
    for line in stderr.splitlines():
        with suppress(ValueError):
            if isinstance(json.loads(line), dict):
                continue
        lines.append(line)
    return lines


DATABASE_REFUSALS = [
    pytest.param(_url(TEST_DATABASE_URL, password=SECRET), "password authentication failed", id="password"),
    pytest.param(_url(TEST_DATABASE_URL, path="/lotse_no_such_db_hc"), 'database "lotse_no_such_db_hc" does not exist',
                 id="database"),
    pytest.param(_url(TEST_DATABASE_URL, password="p@" + SECRET), 'contains an unencoded "@" (write it as %40)',
                 id="unencoded-at"),
]


@pytest.mark.parametrize(("database_url", "cause"), DATABASE_REFUSALS)
def test_migrate_says_a_refused_database_in_one_line(database_url: str, cause: str) -> None:
    done, _ = _lotse("migrate", LOTSE_DATABASE_URL=database_url)
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert line.startswith(f"lotse migrate: LOTSE_DATABASE_URL ({_where(database_url)}): "), line
    assert cause in line
    assert SECRET not in done.stdout + done.stderr


def test_migrate_says_a_database_that_does_not_answer_in_one_line() -> None:
    database_url = _url(TEST_DATABASE_URL, port=free_port())
    done, _ = _lotse("migrate", LOTSE_DATABASE_URL=database_url)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"lotse migrate: LOTSE_DATABASE_URL ({_where(database_url)}): "
                                        "connection refused (is it running, and on this port?)"]


SERVICE_REFUSALS = [
    pytest.param("intake", DATABASE, _url(TEST_DATABASE_URL, password=SECRET), "password authentication failed",
                 id="intake-db-password"),
    pytest.param("matcher", DATABASE, _url(TEST_DATABASE_URL, path="/lotse_no_such_db_hc"), "does not exist",
                 id="matcher-db-name"),
    pytest.param("notifier", BROKER, _url(TEST_AMQP_URL, password=SECRET), "the broker refused the login",
                 id="notifier-amqp-password"),
    pytest.param("matcher", BROKER, _url(TEST_AMQP_URL, path="/lotse_no_such_vhost_hc"),
                 "the broker refused access to vhost 'lotse_no_such_vhost_hc'", id="matcher-vhost"),
    pytest.param("intake", BROKER, _url(TEST_AMQP_URL, password="p@" + SECRET), 'unencoded "@"',
                 id="intake-amqp-unencoded-at"),
]


@pytest.mark.parametrize(("service", "variable", "url", "cause"), SERVICE_REFUSALS)
def test_a_service_stops_at_once_on_a_refusal_naming_the_variable(
    service: str, variable: str, url: str, cause: str
) -> None:
    done, took = _lotse(service, **{variable: url, "LOTSE_HTTP_PORT": str(free_port())})
    assert done.returncode == 1
    [line] = _plain_lines(done.stderr)
    assert line.startswith(f"lotse {service}: {variable} ({_where(url)}): "), line
    assert cause in line
    assert "waiting for" not in done.stderr, "a refusal is not waited for"
    assert took < 20, f"took {took:.1f} s"  # the wait for a server that is away is 60 s
    assert SECRET not in done.stdout + done.stderr


@pytest.mark.parametrize("variable", [DATABASE, BROKER])
async def test_a_server_that_does_not_answer_is_waited_for_then_named(
    settings: Settings, variable: str, caplog: pytest.LogCaptureFixture
) -> None:
    field = "database_url" if variable == DATABASE else "amqp_url"
    away = with_overrides(settings, **{field: _url(getattr(settings, field), port=free_port())})
    caplog.set_level(logging.WARNING, logger="lotse.shared.runtime")
    with pytest.raises(DependencyError) as raised:
        async with infrastructure(away, "hc-test", wait_s=1.0):
            pass
    assert not raised.value.permanent and raised.value.variable == variable
    assert str(raised.value).endswith("connection refused (is it running, and on this port?)")
    waits = [r for r in caplog.records if r.getMessage().startswith("waiting for")]
    assert waits and all(r.variable == variable for r in waits)  # type: ignore[attr-defined]


class _Collected(logging.Handler):
    """Records as the services' log handler would write them (after its filter)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.addFilter(quiet_reconnects)

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def said(self, message: str) -> list[logging.LogRecord]:
        return [r for r in self.records if r.msg == message]  # getMessage() of an old record can raise


@pytest.fixture
def collected() -> Iterator[_Collected]:
    root = logging.getLogger()
    handler, level = _Collected(), root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    libraries = {name: logging.getLogger(name).level for name in ("aiormq", "aio_pika", "asyncpg")}
    for name in libraries:
        logging.getLogger(name).setLevel(logging.DEBUG)  # everything they say reaches the filter
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        for name, was in libraries.items():
            logging.getLogger(name).setLevel(was)


def _relayed(url: str, relay: CuttableRelay) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{parts.netloc.rpartition('@')[0]}@127.0.0.1:{relay.port}"))


async def test_an_outage_is_said_once_when_it_starts_and_once_when_it_ends(
    settings: Settings, collected: _Collected
) -> None:
    database, broker = urlsplit(TEST_DATABASE_URL), urlsplit(TEST_AMQP_URL)
    db_relay = CuttableRelay(database.hostname or "127.0.0.1", database.port or 5432)
    amqp_relay = CuttableRelay(broker.hostname or "127.0.0.1", broker.port or 5672)
    await db_relay.start()
    await amqp_relay.start()
    relayed = dataclasses.replace(settings, database_url=_relayed(settings.database_url, db_relay),
                                  amqp_url=_relayed(settings.amqp_url, amqp_relay))
    try:
        async with infrastructure(relayed, "hc-outage", wait_s=5.0) as infra:
            async def query() -> None:
                with suppress(Exception):
                    await infra.pool.fetchval("SELECT 1", timeout=1)

            await db_relay.cut()
            await amqp_relay.cut()

            async def noticed() -> bool:
                await query()  # a pool notices a lost database when it is used
                return bool(collected.said("database unreachable") and collected.said("broker connection lost"))

            await eventually(noticed, timeout=20, interval=0.2)
            await query()
            await db_relay.start()
            await amqp_relay.start()

            async def back() -> bool:
                await query()
                return bool(collected.said("database reachable again") and collected.said("broker connection restored"))

            await eventually(back, timeout=30, interval=0.2)
            assert await infra.pool.fetchval("SELECT 1") == 1
    finally:
        await db_relay.cut()
        await amqp_relay.cut()
    for line in ("database unreachable", "broker connection lost", "database reachable again",
                 "broker connection restored"):
        assert len(collected.said(line)) == 1, line
    assert collected.said("database unreachable")[0].levelno == logging.WARNING
    assert collected.said("database reachable again")[0].levelno == logging.INFO
    assert collected.said("broker connection restored")[0].levelno == logging.INFO
    # The libraries' chatter: no warning or error from aiormq or aio-pika's callbacks, no traceback.
    loud = [r for r in collected.records if r.levelno >= logging.WARNING
            and r.name in ("aiormq.connection", "aio_pika.tools")]
    assert not loud, [r.msg for r in loud]
    assert not [r for r in collected.records if r.name.startswith("asyncpg") and r.exc_info]
