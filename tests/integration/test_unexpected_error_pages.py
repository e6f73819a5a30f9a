"""An unexpected exception on a page answers a page in the person's language that says it was not
their doing and shows a short reference, logged once with the exception; never the exception itself.
The JSON API keeps the contract's 500, and a page that cannot be drawn falls back to a plain one."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import jinja2
import pytest
from aio_pika.abc import AbstractRobustConnection
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from lotse.intake.auth import COORDINATOR, PUBLIC, declare
from lotse.intake.headers import HEADERS
from lotse.intake.web import error_pages
from lotse.shared.config import Settings
from tests.conftest import COORDINATOR_EMAIL, COORDINATOR_PASSWORD, IntakeClient
from tests.integration.test_dashboard import login
from tests.integration.test_error_pages import _dash, _dashboard_page, _in, _public_page

SECRET = "secret detail 4711 of the failure"
PUBLIC_TEXT = ("This was not caused by anything you did. Please try again. If it happens again, "
               "please contact the welcome centre.")
DASHBOARD_TEXT = ("This was not caused by anything you did. Please try again. If it happens again, "
                  "please report the error with its reference.")
HEADING = "Something went wrong on our side"
# The routes a test adds, by name; each raises what no view expects.
ROUTES = {"/boom": ("test_boom", PUBLIC), "/dashboard/boom": ("test_dashboard_boom", COORDINATOR),
          "/dashboard/boom-open": ("test_dashboard_boom_open", PUBLIC), "/api/v1/boom": ("test_api_boom", PUBLIC)}


async def _boom(_: web.Request) -> web.Response:
    raise RuntimeError(SECRET)


@pytest.fixture
async def boom_client(
    settings: Settings, pool: asyncpg.Pool, amqp: AbstractRobustConnection
) -> AsyncIterator[IntakeClient]:
    """The real app with test-only routes that fail unexpectedly."""
    from lotse.intake.app import init_app

    app = init_app(dataclasses.replace(settings, coordinator_email=COORDINATOR_EMAIL,
                                       coordinator_password=COORDINATOR_PASSWORD,
                                       centre_contact="welcome@example.org"))
    for path, (name, policy) in ROUTES.items():
        declare(app.router.add_route("*", path, _boom, name=name), policy)
    client = TestClient(TestServer(app))
    await client.start_server()
    yield client
    await client.close()


def _logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Every record that carries the test's exception, whoever logged it."""
    found = [r for r in caplog.records if r.exc_info and SECRET in str(r.exc_info[1])]
    caplog.clear()
    return found


def _reference(caplog: pytest.LogCaptureFixture, method: str, route: str) -> str:
    logged = _logged(caplog)
    assert len(logged) == 1, [r.getMessage() for r in logged]
    record: Any = logged[0]
    assert (record.method, record.route) == (method, route)
    assert re.fullmatch(r"[0-9a-f]{8}", record.reference)
    return str(record.reference)


def _shows_no_failure(html: str) -> None:
    assert SECRET not in html and "RuntimeError" not in html and "Traceback" not in html


async def test_a_public_page_that_fails_says_it_was_not_you_with_a_reference(
    boom_client: IntakeClient, caplog: pytest.LogCaptureFixture
) -> None:
    for query, header, locale in (("", "uk", "uk"), ("?lang=fr", "uk", "fr")):
        response = await boom_client.get(f"/boom{query}", headers={"Accept-Language": header})
        html = await _public_page(response, 500, locale, HEADING)
        reference = _reference(caplog, "GET", "test_boom")
        assert _in(locale, PUBLIC_TEXT) in html
        assert _in(locale, "Error reference: %(reference)s") % {"reference": reference} in html
        assert f'href="/boom{query}">{_in(locale, "Try again")}</a>' in html
        assert f'href="/{query}"' in html and "welcome@example.org" in html
        _shows_no_failure(html)

    # A form sent: opening its address would not send it again, so no "Try again" link.
    response = await boom_client.post("/boom?lang=vi", data={"email": "someone@example.org"})
    html = await _public_page(response, 500, "vi", HEADING)
    reference = _reference(caplog, "POST", "test_boom")
    assert reference in html and _in("vi", "Try again") not in html and 'href="/boom' not in html
    _shows_no_failure(html)

    # The API keeps the contract's 500, logged once by errors.api_errors.
    api = await boom_client.get("/api/v1/boom", headers={"Accept-Language": "uk"})
    assert api.status == 500 and api.content_type == "application/json"
    assert await api.json() == {"error": {"code": "internal_error", "message": "Internal error.", "fields": {}}}
    assert len(_logged(caplog)) == 1


async def test_a_dashboard_page_that_fails_says_it_was_not_you_with_a_reference(
    boom_client: IntakeClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_database(_: web.Request) -> None:
        raise AssertionError("the page of an unexpected error must not need the database")

    monkeypatch.setattr(error_pages.auth, "current_coordinator", no_database)
    boom_client.session.cookie_jar.update_cookies({"lotse_session": "some session"})
    for query, locale in (("", "de"), ("?lang=en", "en")):
        response = await boom_client.get(f"/dashboard/boom-open{query}")
        html = await _dashboard_page(response, 500, locale, HEADING)
        reference = _reference(caplog, "GET", "test_dashboard_boom_open")
        assert _dash(locale, DASHBOARD_TEXT) in html
        assert _dash(locale, "Error reference: %(reference)s") % {"reference": reference} in html
        assert 'action="/dashboard/logout"' not in html, "no navigation without a coordinator known already"
        _shows_no_failure(html)
    monkeypatch.undo()

    await login(boom_client)
    for query, locale in (("?lang=de", "de"), ("?lang=en", "en")):  # the language chosen above is remembered
        response = await boom_client.get(f"/dashboard/boom{query}")
        html = await _dashboard_page(response, 500, locale, HEADING)
        reference = _reference(caplog, "GET", "test_dashboard_boom")
        assert _dash(locale, "Error reference: %(reference)s") % {"reference": reference} in html
        assert f'href="/dashboard/boom{query}">{_dash(locale, "Try again")}</a>' in html
        assert 'action="/dashboard/logout"' in html, "the coordinator keeps the navigation"
        _shows_no_failure(html)


async def test_an_error_page_that_cannot_be_drawn_falls_back_to_a_plain_page(
    boom_client: IntakeClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> web.Response:
        raise jinja2.TemplateError("the error template is broken")

    monkeypatch.setattr(error_pages, "render", broken)
    monkeypatch.setattr(error_pages.dashboard_render, "render", broken)
    for path, route in (("/boom", "test_boom"), ("/dashboard/boom-open", "test_dashboard_boom_open")):
        response = await boom_client.get(path, headers={"Accept-Language": "uk"})
        text = await response.text()
        assert response.status == 500 and response.content_type == "text/plain", text
        reference = _reference(caplog, "GET", route)
        assert text == f"500 Internal Server Error\nReference: {reference}\n"
        for name, value in HEADERS.items():
            assert response.headers[name] == value

    # Any other error page too keeps its status (and a 405 its Allow header).
    missing = await boom_client.get("/nonexistent")
    assert (missing.status, await missing.text()) == (404, "404 Not Found\n")
    wrong = await boom_client.post("/")
    assert wrong.status == 405 and "GET" in wrong.headers["Allow"]
