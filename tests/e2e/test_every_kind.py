"""Every kind of participant registers through its HTML form and through the API, against the
running services, and is verified through the link in the email it receives."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import aiohttp
import asyncpg
import pytest

from tests.conftest import eventually
from tests.e2e.conftest import System, wait_for_mail
from tests.integration.intake_fixtures import employer_payload, mentor_payload, newcomer_payload, provider_payload

COMMON = {"preferred_locale": "de", "district": "16053", "languages-0-code": "de", "languages-0-level": "native",
          "consent_data_processing": "on"}
FORMS: dict[str, dict[str, str | list[str]]] = {
    "newcomer": {"name": "Lan Nguyen", "languages-1-code": "vi", "languages-1-level": "native",
                 "country_of_origin": "VN", "occupation_field": "nursing", "arrival": "abroad",
                 "needs": ["childcare"], "wants_mentor": "on", "course_schedules": "evening"},
    "mentor": {"name": "Galina Wolff", "capacity": "2", "helps_with": ["housing", "authorities"],
               "max_distance_km": "30"},
    "employer": {"name": "Klaus Richter", "organisation": "Elektro Richter", "contact_name": "Klaus Richter",
                 "positions-0-title": "Elektriker", "positions-0-occupation_field": "crafts",
                 "positions-0-openings": "2", "positions-0-min_german_level": "B1"},
    "language-provider": {"name": "Anna Schmidt", "organisation": "Sprachschule Jena",
                          "courses-0-title": "Deutsch B1", "courses-0-level": "B1", "courses-0-schedule": "weekend",
                          "courses-0-format": "in_person", "courses-0-district": "16053", "courses-0-seats": "12",
                          "courses-0-starts_on": (date.today() + timedelta(days=30)).isoformat()},
}
API = {"newcomers": newcomer_payload, "mentors": mentor_payload, "employers": employer_payload,
       "language-providers": provider_payload}


async def _verified_by_mail(system: System, http: aiohttp.ClientSession, pool: asyncpg.Pool, email: str) -> None:
    [mail] = await wait_for_mail(system.mailsink, email)
    link = re.search(re.escape(system.base_url) + r"(/verify/\S+)", mail.text)
    assert link, mail.text
    async with http.get(link.group(1)) as page:
        assert page.status == 200

    async def verified() -> bool:
        status: str | None = await pool.fetchval("SELECT status FROM participants WHERE email = $1", email)
        return status == "verified"

    await eventually(verified, timeout=10)


@pytest.mark.parametrize("kind", list(FORMS))
async def test_each_kind_through_its_form(system: System, http: aiohttp.ClientSession, pool: asyncpg.Pool,
                                          kind: str) -> None:
    email = f"{kind}.{uuid.uuid4().hex[:8]}@example.org"
    async with http.post(f"/register/{kind}", data={**COMMON, **FORMS[kind], "email": email},
                         allow_redirects=False) as response:
        assert response.status == 303, await response.text()
    await _verified_by_mail(system, http, pool, email)


@pytest.mark.parametrize("path", list(API))
async def test_each_kind_through_the_api(system: System, http: aiohttp.ClientSession, pool: asyncpg.Pool,
                                         path: str) -> None:
    body = API[path]()
    async with http.post(f"/api/v1/{path}", json=body) as response:
        assert response.status == 201, await response.text()
    await _verified_by_mail(system, http, pool, str(body["email"]))
