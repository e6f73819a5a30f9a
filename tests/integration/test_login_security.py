"""Review 9a: argon2 runs off intake's event loop (F3), and logins leave a trace (F12): a log line
per failed login and per lock-out, naming the account by id, never by the typed address; a log
line and an audit entry per login, which the dashboard's audit page reads as words."""

from __future__ import annotations

import asyncio
import html
import logging
import threading

import asyncpg
import pytest

from lotse.intake import accounts, login_throttle
from tests.conftest import COORDINATOR_EMAIL, COORDINATOR_PASSWORD, IntakeClient
from tests.integration.test_dashboard import login as dashboard_login


class GatedHasher:
    """The real hasher, whose checks wait until the test opens the gate: held on the event loop,
    such a check would hold every other request too (and open only by timing out)."""

    def __init__(self, real: object) -> None:
        self._real = real
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.opened: list[bool] = []

    def verify(self, hash_: str, password: str) -> bool:
        self.entered.set()
        self.opened.append(self.gate.wait(timeout=5))
        return bool(self._real.verify(hash_, password))  # type: ignore[attr-defined]

    def __getattr__(self, name: str) -> object:
        return getattr(self._real, name)


async def test_a_password_check_leaves_other_requests_answered(
        intake_client: IntakeClient, monkeypatch: pytest.MonkeyPatch) -> None:
    hasher = GatedHasher(accounts._hasher)
    monkeypatch.setattr(accounts, "_hasher", hasher)
    logins = [asyncio.create_task(intake_client.post("/api/v1/auth/login",
                                                     json={"email": f"nobody{i}@example.org", "password": "wrong" * 3}))
              for i in range(2)]
    for _ in range(500):  # until a check has started (each turn lets the server run)
        if hasher.entered.is_set():
            break
        await asyncio.sleep(0.01)
    assert hasher.entered.is_set()
    health = await intake_client.get("/healthz")
    assert health.status == 200
    assert hasher.opened == []  # answered while both checks were still running
    hasher.gate.set()
    assert [(await login).status for login in logins] == [401, 401]
    assert hasher.opened == [True, True]  # released by the test, none by its timeout


def _lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == login_throttle.__name__]


async def test_failed_logins_and_a_lock_out_are_logged_by_account_id(
        intake_client: IntakeClient, pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=login_throttle.__name__)
    coordinator_id = await pool.fetchval("SELECT id FROM coordinators WHERE email = $1", COORDINATOR_EMAIL)
    typed = "Someone.Unknown@example.org"
    answer = await intake_client.post("/api/v1/auth/login", json={"email": typed, "password": "wrong" * 3})
    assert answer.status == 401
    (unknown,) = _lines(caplog)
    assert (unknown.levelno, unknown.getMessage()) == (logging.WARNING, "login failed")
    assert (unknown.account, unknown.client) == ("unknown account", "127.0.0.1")  # type: ignore[attr-defined]
    caplog.clear()

    statuses = [(await intake_client.post("/api/v1/auth/login", json={"email": COORDINATOR_EMAIL.upper(),
                                                                       "password": f"wrong password {i}"})).status
                for i in range(login_throttle.LOGIN_FAILURES_PER_ACCOUNT + 2)]
    assert statuses == [401] * login_throttle.LOGIN_FAILURES_PER_ACCOUNT + [429, 429]
    lines = _lines(caplog)
    failed = [r for r in lines if r.getMessage() == "login failed"]
    locked = [r for r in lines if r.getMessage().startswith("login locked out")]
    assert len(failed) == login_throttle.LOGIN_FAILURES_PER_ACCOUNT and len(locked) == 1  # once, not per refusal
    assert locked[0].getMessage() == "login locked out: too many failed logins for this account"
    assert all(r.levelno == logging.WARNING and r.account == str(coordinator_id)  # type: ignore[attr-defined]
               and r.client == "127.0.0.1" for r in failed + locked)  # type: ignore[attr-defined]
    for record in lines:  # neither the typed address nor the typed password, whatever the formatter prints
        assert "@" not in str(record.__dict__) and "wrong password" not in str(record.__dict__)


async def test_a_login_is_logged_and_audited_and_the_audit_page_reads_it(
        intake_client: IntakeClient, pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=login_throttle.__name__)
    coordinator_id = await pool.fetchval("SELECT id FROM coordinators WHERE email = $1", COORDINATOR_EMAIL)
    api = await intake_client.post("/api/v1/auth/login", json={"email": COORDINATOR_EMAIL,
                                                               "password": COORDINATOR_PASSWORD})
    assert api.status == 200
    await dashboard_login(intake_client)
    (bearer, cookie) = [r for r in _lines(caplog) if r.getMessage() == "login"]
    for record, kind in ((bearer, "bearer"), (cookie, "cookie")):
        assert record.levelno == logging.INFO
        assert (record.account, record.kind, record.client) == (  # type: ignore[attr-defined]
            str(coordinator_id), kind, "127.0.0.1")
    trail = await pool.fetch("SELECT actor_id, actor_role, action, subject_type, subject_id, after FROM audit_log "
                             "ORDER BY id")
    assert [(t["actor_id"], t["actor_role"], t["action"], t["subject_type"], t["subject_id"], t["after"])
            for t in trail] == [(coordinator_id, "admin", "coordinator.login", "coordinator", coordinator_id,
                                 {"kind": kind}) for kind in ("bearer", "cookie")]

    page = html.unescape(await (await intake_client.get("/dashboard/audit", params={"lang": "de"})).text())
    assert page.count("hat sich angemeldet") >= 2 and "coordinator.login</td>" not in page
    assert "im Dashboard" in page and "über die API" in page
    assert '<option value="coordinator.login">hat sich angemeldet</option>' in page
