"""An erased mentor's places offered and taken are null, not a number, in the coordinators' API (detail
and list) and empty in the participants CSV: an erased row keeps no per-person load
(participants_view.SHOWN_PLACES and SHOWN_PLACES_TAKEN, the one rule both read). A mentor who is not
erased beside them still shows both, so the test sees the columns filled where they apply."""

from __future__ import annotations

from typing import Any

import asyncpg

from lotse.shared import matches
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import add_match, add_participant
from tests.integration.test_api_pause_and_places import openapi as openapi  # the fixture, re-exported
from tests.integration.test_csv_excel import _rows
from tests.integration.test_dashboard import login
from tests.integration.test_openapi_conformance import Document, call

TWO_PLACES = {"capacity": 2, "helps_with": ["housing"]}


def _places(participant: dict[str, Any]) -> tuple[Any, Any]:
    return participant["places"], participant["places_taken"]


async def test_an_erased_mentors_places_are_null_in_the_api_and_empty_in_the_csv(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str], openapi: Document,
) -> None:
    olena = await add_participant(pool, "newcomer", name="Olena Koval", locale="uk")
    li = await add_participant(pool, "newcomer", name="Li Wei", locale="zh")
    erased = await add_participant(pool, "mentor", name="Thomas Berger", locale="de", profile=TWO_PLACES)
    kept = await add_participant(pool, "mentor", name="Sabine Krüger", locale="de", profile=TWO_PLACES)
    await add_match(pool, "mentor", olena, erased.id, status=matches.ACTIVE)  # held a place before the erasure
    await add_match(pool, "mentor", li, kept.id, status=matches.ACTIVE)
    gone = await intake_client.delete(f"/api/v1/participants/{erased.id}", headers=coordinator_headers)
    assert gone.status == 204
    expected = {str(erased.id): (None, None), str(kept.id): (2, 1)}

    for person_id, shown in expected.items():
        status, detail = await call(intake_client, openapi, "GET", "/api/v1/participants/{id}",
                                    url=f"/api/v1/participants/{person_id}", headers=coordinator_headers)
        assert status == 200 and _places(detail) == shown, detail
    listed: dict[str, tuple[Any, Any]] = {}
    for status_filter in ("erased", "verified"):
        status, page = await call(intake_client, openapi, "GET", "/api/v1/participants",
                                  url=f"/api/v1/participants?kind=mentor&status={status_filter}",
                                  headers=coordinator_headers)
        assert status == 200
        listed |= {p["id"]: _places(p) for p in page["items"]}
    assert listed == expected

    await login(intake_client)
    rows = {row["id"]: row for row in await _rows(intake_client, "/dashboard/export/participants.csv?kind=mentor")}
    assert {pid: (row["status"], row["places"], row["places_taken"]) for pid, row in rows.items()} == {
        str(erased.id): ("erased", "", ""), str(kept.id): ("verified", "2", "1")}
