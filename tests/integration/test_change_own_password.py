"""Review 8d, finding 6: a signed-in coordinator changes their own password; the other sessions end."""

from __future__ import annotations

import re

import asyncpg
from aiohttp import ClientResponse

from lotse.intake.accounts import create_coordinator
from lotse.intake.auth import SESSION_COOKIE
from lotse.intake.login_throttle import LOGIN_FAILURES_PER_DEVICE
from tests.conftest import COORDINATOR_EMAIL, COORDINATOR_PASSWORD, IntakeClient
from tests.integration.test_dashboard import csrf_of, login

PAGE = "/dashboard/account/password"
NEW = "a much longer new passphrase"
# Audit entries of account changes; a login is one too (coordinator.login), not what these tests look at.
NOT_LOGINS = "action LIKE 'coordinator.%' AND action <> 'coordinator.login'"


def _session(client: IntakeClient) -> str:
    for cookie in client.session.cookie_jar:
        if cookie.key == SESSION_COOKIE:
            return cookie.value
    raise AssertionError("not logged in")


def _use(client: IntakeClient, session: str) -> None:
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies({SESSION_COOKIE: session}, client.make_url("/"))


async def _two_sessions(client: IntakeClient, email: str = COORDINATOR_EMAIL,
                        password: str = COORDINATOR_PASSWORD) -> tuple[str, str]:
    """Two browsers of one coordinator: the other one first, then this one (left in the client)."""
    await login(client, email, password)
    other = _session(client)
    client.session.cookie_jar.clear()  # a second browser: logging in there leaves the first open
    await login(client, email, password)
    return other, _session(client)


async def _api_token(client: IntakeClient, password: str = COORDINATOR_PASSWORD) -> str:
    response = await client.post("/api/v1/auth/login", json={"email": COORDINATOR_EMAIL, "password": password})
    assert response.status == 200
    return str((await response.json())["token"])


async def _change(client: IntakeClient, current: str, password: str, repeat: str | None = None, *,
                  follow: bool = True) -> ClientResponse:
    form = await (await client.get(PAGE)).text()
    return await client.post(PAGE, data={"csrf": csrf_of(form), "current": current, "password": password,
                                         "repeat": password if repeat is None else repeat}, allow_redirects=follow)


async def _can_log_in(client: IntakeClient, password: str) -> bool:
    response = await client.post("/api/v1/auth/login", json={"email": COORDINATOR_EMAIL, "password": password})
    return response.status == 200


async def test_a_coordinator_changes_their_password_and_their_other_sessions_end(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    token = await _api_token(intake_client)
    other, this = await _two_sessions(intake_client)

    queue = await (await intake_client.get("/dashboard?lang=en")).text()
    header = queue.split("<main", 1)[0]
    assert f'<a href="{PAGE}">Change password</a>' in header
    page = await (await intake_client.get(PAGE)).text()
    assert re.search(r'<label for="current">Current password</label>\s*<input type="password" id="current" '
                     r'name="current" autocomplete="current-password" required>', page)
    assert 'id="password" name="password" autocomplete="new-password" required minlength="12" ' \
           'aria-describedby="password-hint">' in page
    assert 'id="repeat" name="repeat" autocomplete="new-password" required minlength="12">' in page
    assert 'aria-current="page">Change password</a>' in page

    changed = await _change(intake_client, COORDINATOR_PASSWORD, NEW, follow=False)
    assert changed.status == 303 and changed.headers["Location"] == f"{PAGE}?msg=password_changed"
    done = await (await intake_client.get(changed.headers["Location"])).text()
    assert "Your password has been changed. Your other sessions have ended." in done

    # This browser stays logged in; the other one and the API token are out.
    assert _session(intake_client) == this
    assert (await intake_client.get("/dashboard", allow_redirects=False)).status == 200
    assert (await intake_client.get("/api/v1/stats", headers={"Authorization": f"Bearer {token}"})).status == 401
    _use(intake_client, other)
    refused = await intake_client.get("/dashboard", allow_redirects=False)
    assert refused.status == 303 and refused.headers["Location"].startswith("/dashboard/login")
    assert await pool.fetchval("SELECT count(*) FROM auth_sessions") == 1

    assert not await _can_log_in(intake_client, COORDINATOR_PASSWORD)
    assert await _can_log_in(intake_client, NEW)
    entry = await pool.fetchrow(f"SELECT actor_id, action, subject_id FROM audit_log WHERE {NOT_LOGINS}")
    me = await pool.fetchval("SELECT id FROM coordinators WHERE email = $1", COORDINATOR_EMAIL)
    assert dict(entry) == {"actor_id": me, "action": "coordinator.password_set", "subject_id": me}


async def test_a_coordinator_who_is_no_admin_has_the_page_too(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await create_coordinator(conn, "anna@welcome.example", "annas first password")
    await login(intake_client, "anna@welcome.example", "annas first password")
    assert f'href="{PAGE}"' in await (await intake_client.get("/dashboard")).text()
    changed = await _change(intake_client, "annas first password", NEW, follow=False)
    assert changed.status == 303
    assert await login(intake_client, "anna@welcome.example", NEW)


async def test_a_wrong_current_password_changes_nothing_and_is_throttled_as_a_login(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    other, _ = await _two_sessions(intake_client)
    wrong = await _change(intake_client, "not my password at all", NEW)
    text = await wrong.text()
    assert wrong.status == 422
    assert "Das aktuelle Passwort ist falsch." in text
    assert '<a href="#current">Aktuelles Passwort: Das aktuelle Passwort ist falsch.</a>' in text
    assert re.search(r'id="current"[^>]* aria-describedby="current-error" aria-invalid="true"', text)
    assert await pool.fetchval("SELECT count(*) FROM auth_sessions") == 2
    assert await pool.fetchval(f"SELECT count(*) FROM audit_log WHERE {NOT_LOGINS}") == 0

    # Wrong current passwords count as failed logins from this browser (against the device cookie
    # its login gave it, review 9a F4): after as many as a login from it allows, even the right one
    # is refused unchecked for a while.
    for _ in range(LOGIN_FAILURES_PER_DEVICE - 1):
        assert (await _change(intake_client, "guess", NEW)).status == 422
    throttled = await _change(intake_client, COORDINATOR_PASSWORD, NEW)
    assert throttled.status == 429
    assert "Zu viele Versuche. Bitte warten Sie ein paar Minuten." in await throttled.text()
    intake_client.session.cookie_jar.clear(lambda cookie: cookie.key == SESSION_COOKIE)  # logged out
    page = await intake_client.get("/dashboard/login")
    again = await intake_client.post("/dashboard/login", data={
        "csrf": csrf_of(await page.text()), "email": COORDINATOR_EMAIL, "password": COORDINATOR_PASSWORD},
        allow_redirects=False)
    assert again.status == 429  # the login from this browser counts them too
    _use(intake_client, other)
    assert (await intake_client.get("/dashboard", allow_redirects=False)).status == 200


async def test_a_short_or_mistyped_new_password_is_refused(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    await _two_sessions(intake_client)
    short = await _change(intake_client, COORDINATOR_PASSWORD, "short")
    text = await short.text()
    assert short.status == 422
    assert '<a href="#password">Neues Passwort: Bitte verwenden Sie mindestens 12 Zeichen.</a>' in text
    assert re.search(r'id="password"[^>]* aria-describedby="password-hint password-error" aria-invalid="true"',
                     text)
    assert "Das aktuelle Passwort ist falsch." not in text

    differ = await _change(intake_client, COORDINATOR_PASSWORD, NEW, NEW + "!")
    text = await differ.text()
    assert differ.status == 422
    assert re.search(r'id="repeat"[^>]* aria-describedby="repeat-error" aria-invalid="true"', text)
    # Both wrong at once: both are named.
    both = await (await _change(intake_client, "wrong", "short")).text()
    assert 'href="#current"' in both and 'href="#password"' in both

    assert await pool.fetchval("SELECT count(*) FROM auth_sessions") == 2
    assert await pool.fetchval(f"SELECT count(*) FROM audit_log WHERE {NOT_LOGINS}") == 0
    intake_client.session.cookie_jar.clear()
    assert await _can_log_in(intake_client, COORDINATOR_PASSWORD)


async def test_the_form_needs_its_csrf_token(intake_client: IntakeClient) -> None:
    await login(intake_client)
    refused = await intake_client.post(PAGE, data={"csrf": "forged", "current": COORDINATOR_PASSWORD,
                                                   "password": NEW, "repeat": NEW})
    assert refused.status == 403
    intake_client.session.cookie_jar.clear()
    assert await _can_log_in(intake_client, COORDINATOR_PASSWORD)


async def test_the_other_browser_is_told_its_password_was_changed(intake_client: IntakeClient,
                                                                  pool: asyncpg.Pool) -> None:
    """Review 8e, finding 9: the other browser read only "Your session has expired". A session that
    merely timed out still says that; a lost action still says it was not saved."""
    other, _ = await _two_sessions(intake_client)
    assert (await _change(intake_client, COORDINATOR_PASSWORD, NEW, follow=False)).status == 303
    _use(intake_client, other)
    refused = await intake_client.get("/dashboard/matches", allow_redirects=False)
    assert refused.headers["Location"].endswith("&expired=password")
    page = await (await intake_client.get(refused.headers["Location"] + "&lang=de")).text()
    assert "Ihr Passwort wurde geändert; bitte melden Sie sich neu an." in page
    assert "abgelaufen" not in page
    english = await (await intake_client.get(refused.headers["Location"] + "&lang=en")).text()
    assert "Your password was changed; please log in again." in english
    # Only the hash and the reason are kept, for cookie sessions only.
    assert await pool.fetchval("SELECT count(*) FROM session_ends WHERE reason = 'password_changed'") == 1

    _use(intake_client, "a session that timed out long ago")
    timed_out = await intake_client.get("/dashboard", allow_redirects=False)
    assert timed_out.headers["Location"].endswith("&expired=1")
