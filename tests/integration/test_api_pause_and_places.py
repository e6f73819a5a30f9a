"""The coordinators' JSON API shows what the dashboard shows: the day a pause ends (paused_until,
migration 0030) and a mentor's places offered and taken (matches in matches.HOLDS_CAPACITY, the
participants list's rule), in a participant's detail and in the list; null where they do not apply.
Every answer is checked against the OpenAPI document the server serves."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import asyncpg
import pytest

from lotse.shared import matches
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import add_match, add_participant
from tests.integration.test_openapi_conformance import Document, call, violations


@pytest.fixture
async def openapi(intake_client: IntakeClient) -> Document:
    """The document the server serves (test_openapi_conformance's `document`)."""
    response = await intake_client.get("/api/v1/openapi.json")
    assert response.status == 200
    served: Document = await response.json()
    return served


def _shown(participant: dict[str, Any]) -> tuple[Any, Any, Any]:
    return participant["paused_until"], participant["places"], participant["places_taken"]


async def test_a_paused_mentor_shows_until_when_and_places_a_newcomer_nulls(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str], openapi: Document,
) -> None:
    olena = await add_participant(pool, "newcomer", name="Olena Koval", locale="uk")
    li = await add_participant(pool, "newcomer", name="Li Wei", locale="zh")
    sabine = await add_participant(pool, "mentor", name="Sabine Krüger", locale="de",
                                   profile={"capacity": 2, "helps_with": ["housing"]})
    await add_match(pool, "mentor", olena, sabine.id, status=matches.ACTIVE)  # holds a place
    await add_match(pool, "mentor", li, sabine.id, status=matches.SUGGESTED)  # holds none
    await add_match(pool, "mentor", li, sabine.id, status=matches.COMPLETED)  # holds none any more
    until = date.today() + timedelta(days=14)
    await pool.execute("UPDATE participants SET status = 'paused', paused_until = $2 WHERE id = $1", sabine.id, until)
    expected = {str(sabine.id): (until.isoformat(), 2, 1), str(olena.id): (None, None, None),
                str(li.id): (None, None, None)}

    for person_id, shown in expected.items():
        status, detail = await call(intake_client, openapi, "GET", "/api/v1/participants/{id}",
                                    url=f"/api/v1/participants/{person_id}", headers=coordinator_headers)
        assert status == 200 and _shown(detail) == shown, detail
    status, page = await call(intake_client, openapi, "GET", "/api/v1/participants", headers=coordinator_headers)
    assert status == 200 and {p["id"]: _shown(p) for p in page["items"]} == expected


async def test_the_document_allows_places_only_to_mentors(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str], openapi: Document,
) -> None:
    """A newcomer with a number of places would be a server bug the conformance tests must catch."""
    olena = await add_participant(pool, "newcomer", name="Olena Koval", locale="uk")
    status, detail = await call(intake_client, openapi, "GET", "/api/v1/participants/{id}",
                                url=f"/api/v1/participants/{olena.id}", headers=coordinator_headers)
    assert status == 200
    schema = {"$ref": "#/components/schemas/ParticipantDetail"}
    assert violations(openapi, schema, {**detail, "places": 1})
    assert violations(openapi, schema, {**detail, "paused_until": "soon"})
