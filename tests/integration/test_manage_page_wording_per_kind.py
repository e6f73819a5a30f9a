"""The manage page's words fit what a match is about (review 8a, finding 12): an introduction asks a
course provider whether to offer a place, a newcomer whether to take the course or whether the job
interests them (nobody "meets" a course); "Still open: 1 of 2 openings" (was "1 of 2 openings are
still open")."""

from __future__ import annotations

import html as html_lib
import uuid

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import employer_payload, newcomer_payload, provider_payload
from tests.integration.test_manage_offers import _add_match, _verified
from tests.integration.test_self_service import manage_link

MEET = "Introduced: please tell us whether you would like to meet."


async def _page(intake_client: IntakeClient, participant: uuid.UUID, lang: str = "en") -> str:
    response = await intake_client.get(manage_link(participant), params={"lang": lang})
    assert response.status == 200
    return html_lib.unescape(await response.text())


async def test_an_introduction_asks_what_fits_a_course_or_a_job(intake_client: IntakeClient,
                                                                 pool: asyncpg.Pool) -> None:
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    provider = await _verified(intake_client, pool, "/api/v1/language-providers", provider_payload())
    course = await pool.fetchval("SELECT id FROM courses WHERE provider_id = $1", provider)
    employer = await _verified(intake_client, pool, "/api/v1/employers", employer_payload())
    position = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1", employer)
    await pool.execute("UPDATE positions SET openings = 2 WHERE id = $1", position)
    await _add_match(pool, newcomer, course, "language_course", "introduced")
    await _add_match(pool, newcomer, position, "employer", "introduced")

    to_provider = await _page(intake_client, provider)
    assert "Introduced: please tell us whether you would like to offer this newcomer a place in your course." \
        in to_provider and MEET not in to_provider
    assert "ob Sie dieser Person einen Platz in Ihrem Kurs anbieten möchten." in await _page(
        intake_client, provider, "de")
    to_newcomer = await _page(intake_client, newcomer)
    assert "Introduced: please tell us whether you would like to take this course." in to_newcomer
    assert "Introduced: please tell us whether you are interested in this position." in to_newcomer
    assert MEET not in to_newcomer
    # The employer still meets the person; one of the two openings is taken by the introduction.
    to_employer = await _page(intake_client, employer)
    assert MEET in to_employer
    assert "Still open: 1 of 2 openings" in to_employer and "are still open" not in to_employer
    assert "Noch offen: 1 von 2 Stellen" in await _page(intake_client, employer, "de")
