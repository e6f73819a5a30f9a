"""Refusals, an unavailable database and other failures on pages answer a page in the person's
language, not a plain English line; the JSON API keeps the contract's error shape."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aio_pika.abc import AbstractRobustConnection
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from lotse.intake import accounts, registrations
from lotse.intake.accounts import create_coordinator
from lotse.intake.headers import HEADERS
from lotse.shared.config import Settings
from lotse.shared.i18n import translations
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import newcomer_payload
from tests.integration.test_dashboard import login
from tests.integration.test_self_service import manage_link

PLAIN_EMAIL, PLAIN_PASSWORD = "plain@example.org", "a long enough password"


def _in(locale: str, text: str) -> str:
    return str(translations("lotse.intake", "intake", locale).gettext(text))


def _dash(locale: str, text: str) -> str:
    return str(translations("lotse.intake.dashboard", "dashboard", locale).gettext(text))


async def _public_page(response: Any, status: int, locale: str, heading: str) -> str:
    html: str = await response.text()
    assert response.status == status and response.content_type == "text/html", html
    assert locale == "en" or _in(locale, heading) != heading, "the heading is translated, not English again"
    assert f'<html lang="{locale}"' in html and f"<h1>{_in(locale, heading)}</h1>" in html, html
    for name, value in HEADERS.items():
        assert response.headers[name] == value
    return html


async def _dashboard_page(response: Any, status: int, locale: str, heading: str) -> str:
    html: str = await response.text()
    assert response.status == status and response.content_type == "text/html", html
    assert locale == "en" or _dash(locale, heading) != heading, "the heading is translated, not English again"
    assert f'<html lang="{locale}"' in html and f"<h1>{_dash(locale, heading)}</h1>" in html, html
    assert 'href="/dashboard"' in html
    assert response.headers["Cache-Control"] == "no-store"
    for name, value in HEADERS.items():
        assert response.headers[name] == value
    return html


async def _api_error(response: Any, status: int, code: str) -> None:
    assert response.status == status and response.content_type == "application/json"
    body = await response.json()
    assert body["error"]["code"] == code and set(body["error"]) == {"code", "message", "fields"}


async def _ok(_: web.Request) -> web.Response:
    return web.Response(text="should not be reached")


@pytest.fixture
async def undeclared_client(
    settings: Settings, pool: asyncpg.Pool, amqp: AbstractRobustConnection
) -> AsyncIterator[IntakeClient]:
    """The real app with routes someone forgot to declare a policy for: refused, never left open."""
    from lotse.intake.app import init_app

    app = init_app(settings)
    for path in ("/undeclared", "/dashboard/undeclared", "/api/v1/undeclared"):
        app.router.add_get(path, _ok)
    client = TestClient(TestServer(app))
    await client.start_server()
    yield client
    await client.close()


async def test_a_route_without_a_policy_refuses_with_a_page(undeclared_client: IntakeClient) -> None:
    for query, header, locale in (("", "uk", "uk"), ("?lang=fr", "uk", "fr")):
        response = await undeclared_client.get(f"/undeclared{query}", headers={"Accept-Language": header})
        html = await _public_page(response, 403, locale, "You cannot open this page")
        assert _in(locale, "This page is not open to the public. Please start again from the start page.") in html
        assert f'href="/{query}"' in html
    for query, locale in (("", "de"), ("?lang=en", "en")):
        response = await undeclared_client.get(f"/dashboard/undeclared{query}")
        await _dashboard_page(response, 403, locale, "No access")
    await _api_error(await undeclared_client.get("/api/v1/undeclared", headers={"Accept-Language": "uk"}),
                     403, "forbidden")


async def test_a_coordinator_on_an_admin_page_reads_it_is_for_administrators(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    async with pool.acquire() as conn:
        await create_coordinator(conn, PLAIN_EMAIL, PLAIN_PASSWORD, role="coordinator")
    csrf = await login(intake_client, PLAIN_EMAIL, PLAIN_PASSWORD)
    for query, locale in (("", "de"), ("?lang=en", "en")):
        for method, data in (("GET", None), ("POST", {"csrf": csrf, "action": "invite"})):
            response = await intake_client.request(method, f"/dashboard/team{query}", data=data)
            html = await _dashboard_page(response, 403, locale, "Only for administrators")
            assert _dash(locale, "This page is for the team's administrators. If something needs doing here, "
                                 "please ask one of them.") in html
            assert 'action="/dashboard/logout"' in html, "the coordinator keeps the navigation"
            assert 'href="/dashboard/team"' not in html, "and sees no Team link"


async def test_a_form_without_its_security_token_answers_reload_the_page(intake_client: IntakeClient) -> None:
    await login(intake_client)
    for query, locale in (("", "de"), ("?lang=en", "en")):
        for data in ({}, {"csrf": "forged"}):
            response = await intake_client.post(f"/dashboard/rounds{query}", data=data)
            html = await _dashboard_page(response, 403, locale, "The form could not be sent")
            assert _dash(locale, "For your protection, a form only works from a page that has just been loaded. "
                                 "Please go back, reload the page and send the form again.") in html


async def test_the_database_away_answers_try_again_later_with_retry_after(
    intake_client: IntakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def database_away(*_: object, **__: object) -> None:
        raise asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation")

    # A public page that reads the database while answering (/new-link no longer does: it looks the
    # address up after its answer, test_new_link).
    monkeypatch.setattr(registrations, "verify", database_away)
    monkeypatch.setattr(accounts, "resolve_session", database_away)
    for query, header, locale in (("", "uk", "uk"), ("?lang=vi", "uk", "vi")):  # ?lang= is remembered: last
        response = await intake_client.get(f"/verify/some-token{query}", headers={"Accept-Language": header})
        html = await _public_page(response, 503, locale, "The service is not available right now")
        assert response.headers["Retry-After"] == "5"
        assert _in(locale, "Please try again in a few minutes.") in html
        assert f'href="/verify/some-token{query}">{_in(locale, "Try again")}</a>' in html

    intake_client.session.cookie_jar.update_cookies({"lotse_session": "some session"})
    for query, locale in (("", "de"), ("?lang=en", "en")):
        response = await intake_client.get(f"/dashboard/matches{query}")
        html = await _dashboard_page(response, 503, locale, "The dashboard is not available right now")
        assert response.headers["Retry-After"] == "5"
        assert f'href="/dashboard/matches{query}">{_dash(locale, "Try again")}</a>' in html

    api = await intake_client.get("/api/v1/participants", headers={"Authorization": "Bearer some-token"})
    await _api_error(api, 503, "unavailable")
    assert api.headers["Retry-After"] == "5"


async def test_an_unknown_form_action_or_a_too_large_form_answers_a_page(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    created = await intake_client.post("/api/v1/newcomers", json=newcomer_payload())
    participant = uuid.UUID((await created.json())["id"])
    await pool.execute("UPDATE participants SET status = 'verified' WHERE id = $1", participant)
    for locale in ("uk", "de"):
        response = await intake_client.post(f"{manage_link(participant)}?lang={locale}", data={"action": "bogus"})
        html = await _public_page(response, 400, locale, "This request could not be processed")
        assert _in(locale, "Please go back to the previous page and try again.") in html
        assert f'href="/?lang={locale}"' in html

        too_large = await intake_client.post(f"/register/newcomer?lang={locale}", data={"about": "x" * 300_000})
        await _public_page(too_large, 413, locale, "This request could not be processed")
