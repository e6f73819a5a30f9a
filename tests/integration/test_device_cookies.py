"""Review 9a, F4: a stranger failing with a coordinator's public address locks the account for
attempts without a device cookie, not for the browser the coordinator has logged in with (OWASP's
device cookies); such a cookie is worth nothing for another account, after a new password or a
deactivation, and has a failure budget of its own."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest

from lotse.intake import devices, login_throttle, team
from lotse.intake.accounts import Coordinator, create_coordinator
from lotse.intake.auth import SESSION_COOKIE
from tests.conftest import COORDINATOR_EMAIL, COORDINATOR_PASSWORD, IntakeClient
from tests.integration.test_change_own_password import _change
from tests.integration.test_dashboard import csrf_of, login

NEW = "a brand new long passphrase"
COLLEAGUE, COLLEAGUE_PASSWORD = "colleague@example.org", "the colleagues long password"


@pytest.fixture
async def stranger(intake_client: IntakeClient) -> AsyncIterator[aiohttp.ClientSession]:
    """Another browser (or a script), which has never logged in: no device cookie."""
    async with aiohttp.ClientSession(str(intake_client.make_url("/")),
                                     cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        yield session


async def _dashboard_login(client: IntakeClient | aiohttp.ClientSession, email: str, password: str) -> int:
    """A login on the dashboard's form; the session cookie it may set is dropped again (logged out),
    the device cookie stays in the browser."""
    page = await client.get("/dashboard/login")
    response = await client.post("/dashboard/login", data={"csrf": csrf_of(await page.text()), "email": email,
                                                           "password": password, "next": "/dashboard"},
                                 allow_redirects=False)
    _logged_out(client)
    return response.status


def _logged_out(client: IntakeClient | aiohttp.ClientSession) -> None:
    jar = client.cookie_jar if isinstance(client, aiohttp.ClientSession) else client.session.cookie_jar
    jar.clear(lambda cookie: cookie.key == SESSION_COOKIE)


async def _api_login(client: IntakeClient | aiohttp.ClientSession, email: str, password: str) -> int:
    return (await client.post("/api/v1/auth/login", json={"email": email, "password": password})).status


def _device_cookies(client: IntakeClient) -> dict[str, str]:
    return {c.key: c.value for c in client.session.cookie_jar if c.key.startswith(devices.COOKIE_PREFIX)}


async def _lock_out(stranger: aiohttp.ClientSession, email: str = COORDINATOR_EMAIL) -> None:
    failures = [await _api_login(stranger, email, f"guess {i}")
                for i in range(login_throttle.LOGIN_FAILURES_PER_ACCOUNT + 1)]
    assert failures == [401] * login_throttle.LOGIN_FAILURES_PER_ACCOUNT + [429]


async def _coordinator_id(pool: asyncpg.Pool, email: str = COORDINATOR_EMAIL) -> object:
    return await pool.fetchval("SELECT id FROM coordinators WHERE email = $1", email)


async def test_a_strangers_failures_lock_the_account_but_not_the_coordinators_browser(
        intake_client: IntakeClient, pool: asyncpg.Pool, stranger: aiohttp.ClientSession,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=login_throttle.__name__)
    page = await intake_client.get("/dashboard/login")
    answer = await intake_client.post("/dashboard/login", allow_redirects=False, data={
        "csrf": csrf_of(await page.text()), "email": COORDINATOR_EMAIL, "password": COORDINATOR_PASSWORD,
        "next": "/dashboard"})
    assert answer.status == 303
    name = devices.cookie_name(await _coordinator_id(pool))
    (set_device,) = [c for c in answer.headers.getall("Set-Cookie") if c.startswith(name + "=")]
    attributes = {part.strip().split("=")[0].lower() for part in set_device.split(";")[1:]}
    assert {"httponly", "path", "samesite", "max-age"} <= attributes and "secure" not in attributes  # http here
    assert "Path=/dashboard;" in set_device + ";" and "SameSite=Strict" in set_device
    _logged_out(intake_client)

    await _lock_out(stranger)
    (locked,) = [r for r in caplog.records if r.getMessage().startswith("login locked out")]
    assert locked.getMessage().endswith("for this account") and locked.trusted_device is False  # type: ignore[attr-defined]
    # Without a device cookie: refused unchecked, the right password too, on the form and the API.
    assert await _dashboard_login(stranger, COORDINATOR_EMAIL, COORDINATOR_PASSWORD) == 429
    assert await _api_login(intake_client, COORDINATOR_EMAIL, COORDINATOR_PASSWORD) == 429
    # The coordinator's own browser logs in, and again later (the renewed cookie works too).
    assert await _dashboard_login(intake_client, COORDINATOR_EMAIL, COORDINATOR_PASSWORD) == 303
    await login(intake_client)
    # ... which has not forgiven the stranger's failures.
    assert await _dashboard_login(stranger, COORDINATOR_EMAIL, COORDINATOR_PASSWORD) == 429


async def test_a_device_cookie_of_another_account_does_not_help(
        intake_client: IntakeClient, pool: asyncpg.Pool, stranger: aiohttp.ClientSession) -> None:
    async with pool.acquire() as conn:
        await create_coordinator(conn, COLLEAGUE, COLLEAGUE_PASSWORD)
    assert await _dashboard_login(intake_client, COLLEAGUE, COLLEAGUE_PASSWORD) == 303
    (colleagues,) = _device_cookies(intake_client).values()
    await _lock_out(stranger)
    assert await _dashboard_login(intake_client, COORDINATOR_EMAIL, COORDINATOR_PASSWORD) == 429
    # Nor the colleague's signed value under the coordinator's cookie name.
    name = devices.cookie_name(await _coordinator_id(pool))
    intake_client.session.cookie_jar.update_cookies({name: colleagues}, intake_client.make_url("/dashboard/login"))
    assert name in _device_cookies(intake_client)
    assert await _dashboard_login(intake_client, COORDINATOR_EMAIL, COORDINATOR_PASSWORD) == 429
    assert await _dashboard_login(intake_client, COLLEAGUE, COLLEAGUE_PASSWORD) == 303  # its own still works


async def test_a_device_cookie_from_before_a_password_reset_does_not_help(
        intake_client: IntakeClient, pool: asyncpg.Pool, stranger: aiohttp.ClientSession) -> None:
    assert await _dashboard_login(intake_client, COORDINATOR_EMAIL, COORDINATOR_PASSWORD) == 303
    before = _device_cookies(intake_client)
    coordinator_id = await _coordinator_id(pool)
    async with pool.acquire() as conn:
        admin = Coordinator(coordinator_id, COORDINATOR_EMAIL, "admin")  # type: ignore[arg-type]
        link = await team.reset_password(conn, admin, coordinator_id)  # type: ignore[arg-type]
        assert await team.use_link(conn, link.token, NEW) == COORDINATOR_EMAIL
    await _lock_out(stranger)
    assert _device_cookies(intake_client) == before  # the browser still sends it
    assert await _dashboard_login(intake_client, COORDINATOR_EMAIL, NEW) == 429


async def test_a_password_changed_in_this_browser_keeps_it_trusted_and_no_other(
        intake_client: IntakeClient, pool: asyncpg.Pool, stranger: aiohttp.ClientSession) -> None:
    assert await _dashboard_login(stranger, COORDINATOR_EMAIL, COORDINATOR_PASSWORD) == 303  # another browser
    await login(intake_client)
    assert (await _change(intake_client, COORDINATOR_PASSWORD, NEW, follow=False)).status == 303
    _logged_out(intake_client)
    failures = [await _api_login(intake_client, COORDINATOR_EMAIL, f"guess {i}")
                for i in range(login_throttle.LOGIN_FAILURES_PER_ACCOUNT + 1)]
    assert failures[-1] == 429
    assert await _dashboard_login(stranger, COORDINATOR_EMAIL, NEW) == 429  # its cookie predates the change
    assert await _dashboard_login(intake_client, COORDINATOR_EMAIL, NEW) == 303


async def test_a_trusted_device_is_locked_after_its_own_smaller_budget(
        intake_client: IntakeClient, stranger: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=login_throttle.__name__)
    assert await _dashboard_login(intake_client, COORDINATOR_EMAIL, COORDINATOR_PASSWORD) == 303
    budget = login_throttle.LOGIN_FAILURES_PER_DEVICE
    assert budget < login_throttle.LOGIN_FAILURES_PER_ACCOUNT
    failures = [await _dashboard_login(intake_client, COORDINATOR_EMAIL, f"guess {i}") for i in range(budget + 1)]
    assert failures == [401] * budget + [429]
    assert await _dashboard_login(intake_client, COORDINATOR_EMAIL, COORDINATOR_PASSWORD) == 429  # unchecked
    (locked,) = [r for r in caplog.records if r.getMessage().startswith("login locked out")]
    assert locked.getMessage() == "login locked out: too many failed logins for this device"
    assert locked.trusted_device is True  # type: ignore[attr-defined]
    # The device's failures are its own: the account is not locked for attempts without the cookie.
    assert await _dashboard_login(stranger, COORDINATOR_EMAIL, COORDINATOR_PASSWORD) == 303


async def _device_cookies_then_deactivated_and_reactivated(intake_client: IntakeClient,
                                                          pool: asyncpg.Pool) -> dict[str, str]:
    """The coordinator logs in on the form (a device cookie), then a colleague, an admin, deactivates
    and reactivates the account without a password reset: the device cookies from that login."""
    async with pool.acquire() as conn:
        admin_id = await create_coordinator(conn, COLLEAGUE, COLLEAGUE_PASSWORD, "admin")
    admin = Coordinator(admin_id, COLLEAGUE, "admin")
    assert await _dashboard_login(intake_client, COORDINATOR_EMAIL, COORDINATOR_PASSWORD) == 303
    before = _device_cookies(intake_client)
    assert before
    coordinator_id = await _coordinator_id(pool)
    async with pool.acquire() as conn:
        await team.set_active(conn, admin, coordinator_id, False)  # type: ignore[arg-type]
        await team.set_active(conn, admin, coordinator_id, True)  # type: ignore[arg-type]
    return before


async def test_a_device_cookie_from_before_a_deactivation_does_not_help_after_reactivation(
        intake_client: IntakeClient, pool: asyncpg.Pool, stranger: aiohttp.ClientSession) -> None:
    """Reactivating without a reset makes the old password work again, but not the old cookies: the
    account may have been deactivated because a browser of it was lost."""
    before = await _device_cookies_then_deactivated_and_reactivated(intake_client, pool)
    await _lock_out(stranger)
    assert _device_cookies(intake_client) == before  # the browser still sends it
    assert await _dashboard_login(intake_client, COORDINATOR_EMAIL, COORDINATOR_PASSWORD) == 429


async def test_a_login_after_reactivation_gets_a_device_cookie_that_works(
        intake_client: IntakeClient, pool: asyncpg.Pool, stranger: aiohttp.ClientSession) -> None:
    before = await _device_cookies_then_deactivated_and_reactivated(intake_client, pool)
    assert await _dashboard_login(intake_client, COORDINATOR_EMAIL, COORDINATOR_PASSWORD) == 303
    assert _device_cookies(intake_client).keys() == before.keys() and _device_cookies(intake_client) != before
    await _lock_out(stranger)
    assert await _dashboard_login(intake_client, COORDINATOR_EMAIL, COORDINATOR_PASSWORD) == 303
    await login(intake_client)  # and the cookie renewed by that login works as well
