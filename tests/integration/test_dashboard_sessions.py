"""Dashboard sessions that expire mid-task, and login throttling that counts failures only."""

from __future__ import annotations

import html
import re
import uuid
from urllib.parse import parse_qs, urlsplit

import asyncpg
import pytest

from lotse.intake import devices
from lotse.intake.accounts import create_coordinator
from tests.conftest import COORDINATOR_EMAIL, COORDINATOR_PASSWORD, IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.test_dashboard import _suggest, _verified, csrf_of, login


def hidden_next(page: str) -> str:
    found = re.search(r'name="next" value="([^"]*)"', page)
    assert found, "login form without its next field"
    return html.unescape(found.group(1))


async def expire_sessions(pool: asyncpg.Pool) -> None:
    # What a lunch break does: the idle timeout is 30 minutes.
    await pool.execute("UPDATE auth_sessions SET last_seen_at = now() - interval '31 minutes'")


async def test_an_action_after_the_idle_timeout_says_so_and_returns_to_the_form_page(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    csrf = await login(intake_client)
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    match_id = await _suggest(pool, newcomer, mentor)
    await expire_sessions(pool)

    refused = await intake_client.post(f"/dashboard/matches/{match_id}/reject",
                                       data={"csrf": csrf, "reason": "other", "note": "called her"},
                                       allow_redirects=False)
    assert refused.status == 303
    location = urlsplit(refused.headers["Location"])
    assert location.path == "/dashboard/login"
    # The queue, not the action; and the rejection was not carried out, which the page says.
    assert parse_qs(location.query) == {"next": ["/dashboard"], "expired": ["unsaved"]}

    page = await intake_client.get(refused.headers["Location"])
    text = await page.text()
    assert page.status == 200 and hidden_next(text) == "/dashboard"
    assert "Ihre Sitzung war abgelaufen, darum wurde Ihre letzte Aktion nicht gespeichert." in text
    english = await (await intake_client.get(refused.headers["Location"] + "&lang=en")).text()
    assert "Your session had expired, so your last action was not saved. Please log in and do it again." in english
    # A page looked at after the timeout lost nothing: the plain notice.
    looked = await intake_client.get("/dashboard/login?next=%2Fdashboard&expired=1&lang=en")
    assert "Your session has expired" in await looked.text()

    again = await intake_client.post("/dashboard/login", data={
        "csrf": csrf_of(text), "email": COORDINATOR_EMAIL, "password": COORDINATOR_PASSWORD,
        "next": hidden_next(text)}, allow_redirects=False)
    assert again.status == 303 and again.headers["Location"] == "/dashboard"
    assert (await intake_client.get("/dashboard")).status == 200
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", match_id) == "suggested"


@pytest.mark.parametrize(("action", "page"), [
    ("/dashboard/rounds", "/dashboard"),
    ("/dashboard/rounds/{id}/approve", "/dashboard/rounds/{id}"),  # the round page has the form
    ("/dashboard/matches/{id}/approve", "/dashboard"),
    ("/dashboard/matches/{id}/end", "/dashboard/matches/{id}"),
    ("/dashboard/participants/{id}", "/dashboard/participants/{id}"),
    ("/dashboard/team", "/dashboard/team"),
    ("/dashboard/logout", "/dashboard"),
])
async def test_every_expired_action_lands_on_a_page_a_get_can_show(
    intake_client: IntakeClient, pool: asyncpg.Pool, action: str, page: str
) -> None:
    csrf = await login(intake_client)
    await expire_sessions(pool)
    some_id = str(uuid.uuid4())
    refused = await intake_client.post(action.format(id=some_id), data={"csrf": csrf}, allow_redirects=False)
    assert refused.status == 303
    query = parse_qs(urlsplit(refused.headers["Location"]).query)
    lost = "1" if action == "/dashboard/logout" else "unsaved"  # logging out loses nothing
    assert query == {"next": [page.format(id=some_id)], "expired": [lost]}


async def test_a_page_after_the_timeout_keeps_its_filters_and_a_first_visit_is_not_expired(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    first = await intake_client.get("/dashboard/matches", allow_redirects=False)
    assert parse_qs(urlsplit(first.headers["Location"]).query) == {"next": ["/dashboard/matches"]}
    await login(intake_client)
    await expire_sessions(pool)
    later = await intake_client.get("/dashboard/matches?status=approved&kind=mentor", allow_redirects=False)
    query = parse_qs(urlsplit(later.headers["Location"]).query)
    assert query == {"next": ["/dashboard/matches?status=approved&kind=mentor"], "expired": ["1"]}


@pytest.mark.parametrize(("given", "kept"), [
    ("/dashboard/matches?status=approved", "/dashboard/matches?status=approved"),
    ("/dashboard/team", "/dashboard/team"),
    # A link from before this release, or typed: an action URL is never a place to land.
    ("/dashboard/matches/8eab358e-0000-4000-8000-000000000000/reject", "/dashboard"),
    ("/dashboard/participants/8eab358e-0000-4000-8000-000000000000/nothing", "/dashboard/participants/"
                                                                             "8eab358e-0000-4000-8000-000000000000"),
    ("/dashboard/login", "/dashboard"),
    # Another site, however it is written.
    ("https://evil.example/dashboard", "/dashboard"),
    ("//evil.example/dashboard", "/dashboard"),
    ("/\\evil.example/dashboard", "/dashboard"),
    ("/dashboard\\..\\..\\evil", "/dashboard"),
    ("/dashboard\r\nSet-Cookie: x=y", "/dashboard"),
    ("/dashboardevil", "/dashboard"),
    ("javascript:alert(1)", "/dashboard"),
    ("/verify/abc", "/dashboard"),
])
async def test_next_is_a_dashboard_page_of_this_site(
    intake_client: IntakeClient, pool: asyncpg.Pool, given: str, kept: str
) -> None:
    page = await intake_client.get("/dashboard/login", params={"next": given})
    assert hidden_next(await page.text()) == kept
    logged_in = await intake_client.post("/dashboard/login", data={
        "csrf": csrf_of(await page.text()), "email": COORDINATOR_EMAIL, "password": COORDINATOR_PASSWORD,
        "next": given}, allow_redirects=False)
    assert logged_in.status == 303 and logged_in.headers["Location"] == kept


async def _dashboard_login(client: IntakeClient, email: str, password: str) -> int:
    page = await client.get("/dashboard/login")
    response = await client.post("/dashboard/login", data={"csrf": csrf_of(await page.text()), "email": email,
                                                           "password": password, "next": "/dashboard"},
                                 allow_redirects=False)
    return response.status


async def _api_login(client: IntakeClient, email: str, password: str) -> int:
    return (await client.post("/api/v1/auth/login", json={"email": email, "password": password})).status


async def test_successful_logins_never_use_up_the_limit(intake_client: IntakeClient) -> None:
    statuses = [await _dashboard_login(intake_client, COORDINATOR_EMAIL, COORDINATOR_PASSWORD) for _ in range(15)]
    statuses += [await _api_login(intake_client, COORDINATOR_EMAIL, COORDINATOR_PASSWORD) for _ in range(15)]
    assert statuses == [303] * 15 + [200] * 15


@pytest.mark.parametrize("attempt", [_dashboard_login, _api_login])
async def test_failures_lock_the_account_but_not_the_colleagues_at_the_same_address(
    intake_client: IntakeClient, pool: asyncpg.Pool, attempt: object
) -> None:
    assert callable(attempt)
    async with pool.acquire() as conn:
        await create_coordinator(conn, "colleague@example.org", "another long password")
    ok = 303 if attempt is _dashboard_login else 200
    failures = [await attempt(intake_client, COORDINATOR_EMAIL, "wrong") for _ in range(11)]
    assert failures == [401] * 10 + [429]
    # Locked: not even the right password is checked until the window has passed.
    assert await attempt(intake_client, COORDINATOR_EMAIL.upper(), COORDINATOR_PASSWORD) == 429
    assert await attempt(intake_client, "colleague@example.org", "another long password") == ok


@pytest.mark.parametrize("attempt", [_dashboard_login, _api_login])
async def test_a_success_forgives_the_accounts_failures(intake_client: IntakeClient, attempt: object) -> None:
    # Both logins go through login_throttle.authenticate: check, password, forgive.
    assert callable(attempt)
    ok = 303 if attempt is _dashboard_login else 200
    assert [await attempt(intake_client, COORDINATOR_EMAIL, "wrong") for _ in range(9)] == [401] * 9
    assert await attempt(intake_client, COORDINATOR_EMAIL, COORDINATOR_PASSWORD) == ok
    # The failures that follow are another browser's: the device cookie of this login would count
    # them against this device instead (review 9a, F4; tests/integration/test_device_cookies.py).
    intake_client.session.cookie_jar.clear(lambda cookie: cookie.key.startswith(devices.COOKIE_PREFIX))
    assert [await attempt(intake_client, COORDINATOR_EMAIL, "wrong") for _ in range(10)] == [401] * 10
    assert await attempt(intake_client, COORDINATOR_EMAIL, "wrong") == 429


async def test_guessing_across_accounts_from_one_address_meets_the_address_limit(intake_client: IntakeClient) -> None:
    statuses = [await _api_login(intake_client, f"guess{i}@example.org", "wrong") for i in range(31)]
    assert statuses == [401] * 30 + [429]
    assert await _api_login(intake_client, COORDINATOR_EMAIL, COORDINATOR_PASSWORD) == 429


async def test_a_success_does_not_forgive_the_addresss_failures(intake_client: IntakeClient) -> None:
    # One valid account must not let a guesser at the same address reset the address's count.
    assert [await _api_login(intake_client, f"guess{i}@example.org", "wrong") for i in range(29)] == [401] * 29
    assert await _api_login(intake_client, COORDINATOR_EMAIL, COORDINATOR_PASSWORD) == 200
    assert [await _api_login(intake_client, f"guess{i}@example.org", "wrong") for i in (29, 30)] == [401, 429]
