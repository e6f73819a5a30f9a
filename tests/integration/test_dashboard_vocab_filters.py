"""Review 8a, finding 4: the participants list filters by need, language, country of origin and
occupation field from selects labelled in the coordinator's language; the codes still work in
the query (links, bookmarks), a label typed there is read as its code, and a value that names
nothing is said so on the page instead of an empty list."""

from __future__ import annotations

import re

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload, unique_email
from tests.integration.test_dashboard import _verified, login

NAMES = ("Olena Koval", "Nguyen Van Minh", "Thomas Berger")


async def _found(client: IntakeClient, **params: str) -> set[str]:
    html = await (await client.get("/dashboard/participants", params={"lang": "de", **params})).text()
    return {name for name in NAMES if name in html}


async def _people(client: IntakeClient, pool: asyncpg.Pool) -> None:
    await login(client)
    await _verified(client, pool, "/api/v1/newcomers", newcomer_payload(
        name="Olena Koval", email=unique_email("o"), country_of_origin="UA", occupation_field="it",
        needs=["housing"], languages=[{"code": "uk", "level": "native"}, {"code": "de", "level": "A2"}]))
    await _verified(client, pool, "/api/v1/newcomers", newcomer_payload(
        name="Nguyen Van Minh", email=unique_email("n"), country_of_origin="VN", occupation_field="nursing",
        needs=["childcare"], languages=[{"code": "vi", "level": "native"}]))
    await _verified(client, pool, "/api/v1/mentors", mentor_payload(
        name="Thomas Berger", email=unique_email("t"), helps_with=["childcare"],
        languages=[{"code": "de", "level": "native"}, {"code": "uk", "level": "B1"}]))


async def test_the_filters_are_selects_in_the_coordinators_language(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await _people(intake_client, pool)
    html = await (await intake_client.get("/dashboard/participants", params={"lang": "de"})).text()
    for name in ("need", "language", "country", "occupation"):
        assert re.search(rf'<select id="{name}" name="{name}">', html), name
    assert '<option value="childcare">Kinderbetreuung' in html
    assert '<option value="uk">Ukrainisch</option>' in html
    assert '<option value="VN">Vietnam</option>' in html
    assert '<option value="nursing">' in html
    html = await (await intake_client.get("/dashboard/participants",
                                          params={"lang": "de", "need": "childcare"})).text()
    assert '<option value="childcare" selected>' in html


async def test_codes_and_labels_filter_and_an_unknown_value_is_said(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await _people(intake_client, pool)
    assert await _found(intake_client, need="childcare") == {"Nguyen Van Minh", "Thomas Berger"}
    assert await _found(intake_client, need="Kinderbetreuung") == {"Nguyen Van Minh", "Thomas Berger"}
    assert await _found(intake_client, need="wohnung") == {"Olena Koval"}
    assert await _found(intake_client, language="uk") == {"Olena Koval", "Thomas Berger"}
    assert await _found(intake_client, language="Ukrainisch") == {"Olena Koval", "Thomas Berger"}
    assert await _found(intake_client, country="VN") == {"Nguyen Van Minh"}
    assert await _found(intake_client, country="vietnam", occupation="nursing") == {"Nguyen Van Minh"}
    assert await _found(intake_client, country="UA", occupation="nursing") == set()
    html = await (await intake_client.get("/dashboard/participants", params={"lang": "de", "need": "Quatsch"})).text()
    assert "Nicht danach gefiltert: „Quatsch“ gibt es nicht zur Auswahl." in html
    assert {name for name in NAMES if name in html} == set(NAMES)
    # The export follows the label as its code.
    assert 'participants.csv?need=childcare"' in await (await intake_client.get(
        "/dashboard/participants", params={"lang": "de", "need": "Kinderbetreuung"})).text()
