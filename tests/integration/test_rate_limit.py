"""The per-address registration limit through the real app: what counts, and what a limited person sees."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator

import asyncpg
import pytest
from aio_pika.abc import AbstractRobustConnection
from aiohttp.test_utils import TestClient, TestServer

from lotse.intake.app import ATTEMPTS_PER_REGISTRATION, init_app
from lotse.shared.config import Settings
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import form_fields, mentor_payload, newcomer_payload
from tests.integration.test_intake_api import assert_error_shape

LIMIT = 2

# Everything an employer types: two positions, offers, both consents, free text.
EMPLOYER_FORM: dict[str, str | list[str]] = {
    "name": "Petra Hoffmann", "email": "jobs@klinikum.example.org", "preferred_locale": "de", "district": "16052",
    "languages-0-code": "de", "languages-0-level": "native", "languages-1-code": "en", "languages-1-level": "B2",
    "organisation": "Klinikum Gera", "contact_name": "Petra Hoffmann",
    "positions-0-title": "Pflegefachkraft", "positions-0-occupation_field": "nursing",
    "positions-0-openings": "3", "positions-0-min_german_level": "B1",
    "positions-1-title": "Medizinische/r Laborassistent/in", "positions-1-occupation_field": "healthcare",
    "positions-1-openings": "1", "positions-1-min_german_level": "B2",
    "offers": ["relocation_support", "language_course_during_work"],
    "about": "Wir suchen <Pflege> & Labor – ab sofort.",
    "consent_data_processing": "on", "consent_share_contact": "on",
}


@pytest.fixture
async def limited_client(
    settings: Settings, pool: asyncpg.Pool, amqp: AbstractRobustConnection
) -> AsyncIterator[IntakeClient]:
    client = TestClient(TestServer(init_app(dataclasses.replace(settings, intake_rate_limit_per_minute=LIMIT))))
    await client.start_server()
    yield client
    await client.close()


def form_state(html: str) -> dict[str, list[str]]:
    state: dict[str, list[str]] = {}
    for name, value in form_fields(html, "name"):
        state.setdefault(name, []).append(value)
    return state


async def test_rejected_registrations_do_not_use_up_the_limit(limited_client: IntakeClient) -> None:
    for _ in range(2 * LIMIT):
        assert (await limited_client.post("/api/v1/newcomers", json={"name": "x"})).status == 422
        assert (await limited_client.post("/register/newcomer", data={"name": "x"})).status == 422
        assert (await limited_client.post("/api/v1/mentors", data=b"{", headers={
            "Content-Type": "application/json"})).status == 400

    first = mentor_payload()
    assert (await limited_client.post("/api/v1/mentors", json=first)).status == 201
    # Registering the same address again resends the email, so it counts as well.
    assert (await limited_client.post("/api/v1/mentors", json=first)).status == 201
    limited = await limited_client.post("/api/v1/newcomers", json=newcomer_payload())
    assert limited.status == 429 and 0 < int(limited.headers["Retry-After"]) <= 60
    assert_error_shape(await limited.json(), "rate_limited")
    # Over the limit, a wrong field is still named: fixing it is the next step anyway.
    still_wrong = await limited_client.post("/api/v1/newcomers", json={"name": "x"})
    assert still_wrong.status == 422
    assert_error_shape(await still_wrong.json(), "validation_failed")


async def test_accepted_form_registrations_count(limited_client: IntakeClient, pool: asyncpg.Pool) -> None:
    statuses = []
    for _ in range(LIMIT + 1):
        response = await limited_client.post("/register/employer", data=EMPLOYER_FORM, allow_redirects=False)
        statuses.append(response.status)
    assert statuses == [303] * LIMIT + [429]
    assert (await limited_client.post("/api/v1/mentors", json=mentor_payload())).status == 429
    assert await pool.fetchval("SELECT count(*) FROM participants") == 1


@pytest.mark.parametrize(("locale", "notice"), [
    ("de", "Ihre Angaben stehen unten noch im Formular"),
    ("uk", "Усе, що ви ввели, збережено нижче"),
])
async def test_the_limited_form_comes_back_filled_in(
    limited_client: IntakeClient, pool: asyncpg.Pool, locale: str, notice: str
) -> None:
    for _ in range(LIMIT):
        assert (await limited_client.post("/api/v1/mentors", json=mentor_payload())).status == 201

    response = await limited_client.post(f"/register/employer?lang={locale}", data=EMPLOYER_FORM)
    assert response.status == 429 and 0 < int(response.headers["Retry-After"]) <= 60
    html = await response.text()
    assert f'<html lang="{locale}"' in html and 'role="alert"' in html and notice in html
    # It takes focus on load, as every error summary does: an alert already in the page when it
    # loads is not reliably announced (review 13b, F6).
    assert re.search(r'<div class="error-summary" role="alert"[^>]* id="rate-limited" autofocus>', html)
    assert html.index(notice) < html.index("<form method=\"post\"")  # above the form, seen first
    state = form_state(html)
    for name, sent in EMPLOYER_FORM.items():
        assert sorted(state.get(name, [])) == sorted(sent if isinstance(sent, list) else [sent]), name
    assert "&lt;Pflege&gt;" in html  # kept as text, not markup
    assert await pool.fetchval("SELECT count(*) FROM participants WHERE kind = 'employer'") == 0


async def test_a_flood_of_rejected_requests_meets_a_ceiling(limited_client: IntakeClient) -> None:
    for _ in range(ATTEMPTS_PER_REGISTRATION * LIMIT):
        assert (await limited_client.post("/api/v1/newcomers", json={"name": "x"})).status == 422
    flooded = await limited_client.post("/api/v1/newcomers", json=newcomer_payload())
    assert flooded.status == 429 and 0 < int(flooded.headers["Retry-After"]) <= 60
    assert_error_shape(await flooded.json(), "rate_limited")
    form = await limited_client.post("/register/employer", data=EMPLOYER_FORM)
    assert form.status == 429 and "Retry-After" in form.headers
    assert form_state(await form.text())["positions-1-title"] == ["Medizinische/r Laborassistent/in"]


async def test_the_default_lets_a_room_full_of_families_register_from_one_address(
    settings: Settings, pool: asyncpg.Pool, amqp: AbstractRobustConnection
) -> None:
    """An information evening on the welcome centre's one Wi-Fi address (or a client's test run):
    120 accepted registrations within a minute pass with the default limit; the 121st is refused."""
    defaults = Settings()
    client = TestClient(TestServer(init_app(dataclasses.replace(
        settings, intake_rate_limit_per_minute=defaults.intake_rate_limit_per_minute))))
    await client.start_server()
    try:
        statuses = [(await client.post("/api/v1/newcomers", json=newcomer_payload())).status for _ in range(120)]
        assert statuses == [201] * 120
        refused = await client.post("/api/v1/newcomers", json=newcomer_payload())
        assert refused.status == 429 and "Retry-After" in refused.headers
    finally:
        await client.close()
