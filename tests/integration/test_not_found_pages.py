"""Addresses without a page: a page in the visitor's language, not aiohttp's "404: Not Found"
(review 5, finding 9); the JSON API keeps the contract's error shape."""

from __future__ import annotations

import pytest

from lotse.intake.headers import HEADERS
from lotse.intake.i18n import LOCALE_COOKIE
from lotse.shared.i18n import SUPPORTED_LOCALES, translations
from tests.conftest import IntakeClient
from tests.integration.test_dashboard import login


def _in(locale: str, text: str) -> str:
    return str(translations("lotse.intake", "intake", locale).gettext(text))


@pytest.mark.parametrize("path", ["/manage/", "/register/refugee", "/nonexistent", "/respond/", "/new-link/x"])
async def test_a_public_address_without_a_page_answers_a_page_in_the_browsers_language(
    intake_client: IntakeClient, path: str
) -> None:
    response = await intake_client.get(path, headers={"Accept-Language": "uk"})
    html = await response.text()
    assert response.status == 404
    assert response.content_type == "text/html"
    assert '<html lang="uk"' in html and f"<h1>{_in('uk', 'Page not found')}</h1>" in html
    assert 'href="/"' in html and 'href="/new-link"' in html
    assert _in("uk", "Get a new link to your registration") in html
    for name, value in HEADERS.items():
        assert response.headers[name] == value


@pytest.mark.parametrize("locale", [locale for locale in SUPPORTED_LOCALES if locale != "en"])
async def test_the_page_exists_in_every_language(intake_client: IntakeClient, locale: str) -> None:
    html = await (await intake_client.get(f"/nonexistent?lang={locale}")).text()
    heading = _in(locale, "Page not found")
    assert heading != "Page not found" and f"<h1>{heading}</h1>" in html
    # The links keep the language chosen with ?lang=.
    assert f'href="/?lang={locale}"' in html and f'href="/new-link?lang={locale}"' in html


async def test_the_remembered_language_wins_over_the_browsers(intake_client: IntakeClient) -> None:
    intake_client.session.cookie_jar.update_cookies({LOCALE_COOKIE: "vi"})
    html = await (await intake_client.get("/register/refugee", headers={"Accept-Language": "uk"})).text()
    assert f"<h1>{_in('vi', 'Page not found')}</h1>" in html


async def test_a_wrong_method_on_a_page_answers_a_page_with_its_allowed_methods(intake_client: IntakeClient) -> None:
    response = await intake_client.post("/", headers={"Accept-Language": "pl"})
    html = await response.text()
    assert response.status == 405 and response.content_type == "text/html"
    assert "GET" in response.headers["Allow"]
    assert f"<h1>{_in('pl', 'This page cannot be opened this way')}</h1>" in html and 'href="/new-link"' in html


async def test_an_invalid_links_own_page_is_kept(intake_client: IntakeClient) -> None:
    html = await (await intake_client.get("/manage/garbage?lang=en")).text()
    assert "This link does not work" in html and "Page not found" not in html


@pytest.mark.parametrize(("method", "path", "status", "code"), [
    ("GET", "/api/v1/nothing-here", 404, "not_found"),
    ("GET", "/api/v1/newcomers", 405, "method_not_allowed"),
])
async def test_the_api_keeps_the_contracts_error_shape(
    intake_client: IntakeClient, method: str, path: str, status: int, code: str
) -> None:
    response = await intake_client.request(method, path, headers={"Accept-Language": "uk"})
    assert response.status == status and response.content_type == "application/json"
    body = await response.json()
    assert body["error"]["code"] == code and set(body["error"]) == {"code", "message", "fields"}


async def test_a_missing_static_file_gets_no_page(intake_client: IntakeClient) -> None:
    response = await intake_client.get("/static/nothing.css")  # a stylesheet's request: a page is no use
    assert response.status == 404 and response.content_type != "text/html"


async def test_the_dashboard_answers_its_own_page_in_the_coordinators_language(intake_client: IntakeClient) -> None:
    anonymous = await intake_client.get("/dashboard/nonexistent")
    assert anonymous.status == 404 and "<h1>Seite nicht gefunden</h1>" in await anonymous.text()
    await login(intake_client)
    for path in ("/dashboard/nonexistent?lang=en", "/dashboard/matches/not-a-uuid?lang=en"):
        response = await intake_client.get(path)
        html = await response.text()
        assert response.status == 404 and response.content_type == "text/html", path
        assert "<h1>Page not found</h1>" in html and 'href="/dashboard"' in html
        assert 'action="/dashboard/logout"' in html, "a logged-in coordinator keeps the navigation"
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["X-Frame-Options"] == HEADERS["X-Frame-Options"]
    wrong_method = await intake_client.get("/dashboard/logout")
    assert wrong_method.status == 405 and "This page cannot be opened this way" in await wrong_method.text()
