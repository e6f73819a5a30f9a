"""Review 8c, finding 7: an organisation's "did not come about" / "never started" flag is labelled on
the dashboard by who said what ("Kursanbieter: hat nie angefangen", "Arbeitgeber: kam nicht zustande"),
from the match's kind and the organisation's latest check-in answer; the flag code stays
checkin_did_not_happen. The handle-the-flag hint speaks of an unanswered introduction's repeat only
under that flag."""

from __future__ import annotations

import uuid

import asyncpg

from lotse.intake import lifecycle
from lotse.shared import matches
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import Person, add_match
from tests.integration.test_dashboard import login
from tests.integration.test_organisation_checkin import _job_and_course
from tests.integration.test_own_matches import _text

GENERIC = "Nachfrage: Arbeitgeber oder Kursanbieter meldet, es kam nicht zustande oder wurde abgebrochen"
REPEAT = "Ist eine Vorstellung dann immer noch unbeantwortet, wird sie eine Woche später wieder markiert"


async def _check_in(pool: asyncpg.Pool, match_id: uuid.UUID, who: Person, answer: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await lifecycle.check_in(conn, match_id, who.id, answer, None)


async def _page(client: IntakeClient, path: str, lang: str = "de") -> str:
    return _text(await (await client.get(path, params={"lang": lang, "flagged": "1"})).text())


async def test_the_flag_says_which_side_and_which_answer(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    await login(intake_client)
    oksana, employer, provider, job, seat = await _job_and_course(pool)
    await _check_in(pool, job, employer, "not_hired")
    await _check_in(pool, seat, provider, "not_started")
    assert {await pool.fetchval("SELECT flag_code FROM matches WHERE id = $1", m) for m in (job, seat)} == {
        matches.FLAG_CHECKIN_DID_NOT_HAPPEN}

    job_label = "Nachfrage – Arbeitgeber: kam nicht zustande"
    seat_label = "Nachfrage – Kursanbieter: hat nie angefangen"
    listed = await _page(intake_client, "/dashboard/matches")
    # The rows, not the filter form above them: its "why flagged" select lists every flag's label.
    listed = listed[listed.index("Markierung", listed.index("Erstellt")):]
    assert job_label in listed and seat_label in listed and GENERIC not in listed
    for match_id, label in ((job, job_label), (seat, seat_label)):
        page = await _page(intake_client, f"/dashboard/matches/{match_id}")
        assert f"Markiert: {label}" in page and GENERIC not in page
        assert "Markierung erledigen" in page and REPEAT not in page  # no introduction to answer here
    person = await _page(intake_client, f"/dashboard/participants/{oksana.id}")
    assert job_label in person and seat_label in person
    english = await _page(intake_client, f"/dashboard/matches/{seat}", "en")
    assert "Check-in – Course provider: never started" in english

    # Stopped attending later: the label follows the latest answer.
    await _check_in(pool, seat, provider, "stopped")
    assert "Nachfrage – Kursanbieter: nimmt nicht mehr teil" in await _page(intake_client, f"/dashboard/matches/{seat}")


async def test_the_weekly_repeat_is_said_for_an_unanswered_introduction(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    oksana, employer, _provider, _job, _seat = await _job_and_course(pool)
    position = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1", employer.id)
    unanswered = await add_match(pool, "employer", oksana, position, flag_code=matches.FLAG_UNANSWERED)
    assert REPEAT in await _page(intake_client, f"/dashboard/matches/{unanswered}")
