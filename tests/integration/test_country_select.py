"""Review 4, finding 15: the country of origin is chosen from names in the reader's language, not
typed as a code ("UK", "ukraine" were refused); the API keeps its two-letter codes, and Kosovo's
XK is accepted."""

from __future__ import annotations

import re
import uuid

import asyncpg

from lotse.intake.web.vocabulary import countries
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import newcomer_payload
from tests.integration.test_self_service import manage_link


async def test_the_form_offers_country_names_in_the_readers_language(intake_client: IntakeClient) -> None:
    page = await (await intake_client.get("/register/newcomer?lang=uk")).text()
    field = page[page.index('<select id="country_of_origin"'):]
    field = field[:field.index("</select>")]
    assert '<option value="UA">Україна</option>' in field and '<option value="XK">Косово</option>' in field
    assert '<option value="DE">Німеччина</option>' in field
    assert len(re.findall("<option ", field)) == 1 + 250  # "Please choose", 249 assigned codes and XK
    assert 'maxlength' not in field and "<input" not in field
    # Sorted as the reader's alphabet: Ä with A in German, not after Z.
    german = [name for _, name in countries("de")]
    assert german.index("Ägypten") < german.index("Albanien")


async def test_kosovo_is_accepted_from_the_api_and_the_form(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    created = await intake_client.post("/api/v1/newcomers", json=newcomer_payload(country_of_origin="XK",
                                                                                  preferred_locale="sr"))
    assert created.status == 201, await created.text()
    participant_id = uuid.UUID((await created.json())["id"])
    page = await (await intake_client.get(manage_link(participant_id))).text()
    assert '<option value="XK" selected>Косово</option>' in page
    refused = await intake_client.post("/api/v1/newcomers", json=newcomer_payload(country_of_origin="UK"))
    assert refused.status == 422
