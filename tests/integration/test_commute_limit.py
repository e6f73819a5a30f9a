"""How far a newcomer would commute for a job (`max_commute_km`: 25, 50, 100, or null for anywhere,
they would also move). Review finding: a family in the Kyffhäuserkreis was introduced to a job in
Gera, 101 km away, and nobody had asked them. Asked on the form, the manage page and the API; a
position beyond it is not suggested, and a changed answer withdraws one that no longer fits."""

from __future__ import annotations

import csv
import io
import re
import uuid
from typing import Any

import asyncpg
import pytest

from lotse.matcher.consumer import MatcherConsumer
from lotse.shared import events
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import employer_payload, newcomer_payload
from tests.integration.test_dashboard import login
from tests.integration.test_matcher import NURSING, _verified, deliver, matcher, open_suggestions
from tests.integration.test_openapi_conformance import Document, call, request_schema, violations
from tests.integration.test_self_service import _stored, edit_form, manage_link
from tests.integration.test_web_forms import NEWCOMER_FORM

__all__ = ["matcher"]  # the fixture

KYFFHAEUSER, GERA, JENA, GREIZ = "16065", "16052", "16053", "16076"  # Gera: 101, 35 and 26 km away


@pytest.fixture
async def openapi(intake_client: IntakeClient) -> Document:
    served: Document = await (await intake_client.get("/api/v1/openapi.json")).json()
    return served


async def _clinic_in_gera(intake_client: IntakeClient, pool: asyncpg.Pool) -> uuid.UUID:
    """An employer in Gera with a nursing position a newcomer with German A2 can take."""
    return await _verified(intake_client, pool, "/api/v1/employers", employer_payload(
        district=GERA, positions=NURSING, offers=["language_course_during_work"]))


def _radio(page: str, value: str) -> str:
    found = re.search(rf'<input type="radio" id="max_commute_km-{value}"[^>]*>', page)
    assert found, f"no radio for {value}"
    return found.group(0)


async def test_the_api_takes_and_shows_the_answer(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str], openapi: Document,
) -> None:
    schema = request_schema(openapi, "/api/v1/newcomers")
    answered = newcomer_payload(max_commute_km=50)
    assert violations(openapi, schema, answered) == [] and violations(openapi, schema, newcomer_payload()) == []
    assert violations(openapi, schema, newcomer_payload(max_commute_km=None)) == []
    assert violations(openapi, schema, newcomer_payload(max_commute_km=30))  # the document says the choices too

    fifty = await _verified(intake_client, pool, "/api/v1/newcomers", answered)
    unsaid = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    older = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    # Stored before newcomers were asked: read as no limit.
    await pool.execute("UPDATE participants SET profile = profile - 'max_commute_km' WHERE id = $1", older)
    expected = {str(fifty): 50, str(unsaid): None, str(older): None}

    for person, km in expected.items():
        status, detail = await call(intake_client, openapi, "GET", "/api/v1/participants/{id}",
                                    url=f"/api/v1/participants/{person}", headers=coordinator_headers)
        assert status == 200 and detail["max_commute_km"] == km
        status, export = await call(intake_client, openapi, "GET", "/api/v1/participants/{id}/export",
                                    url=f"/api/v1/participants/{person}/export", headers=coordinator_headers)
        assert status == 200 and export["participant"]["max_commute_km"] == km
    status, page = await call(intake_client, openapi, "GET", "/api/v1/participants", params={"kind": "newcomer"},
                              headers=coordinator_headers)
    assert status == 200 and {p["id"]: p["max_commute_km"] for p in page["items"]} == expected


@pytest.mark.parametrize("km", [30, 0, "50", 50.5, True, [50]])
async def test_a_bad_answer_is_a_422_naming_the_field(
    intake_client: IntakeClient, pool: asyncpg.Pool, km: Any
) -> None:
    response = await intake_client.post("/api/v1/newcomers", json=newcomer_payload(max_commute_km=km),
                                        headers={"Accept-Language": "de"})
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["code"] == "validation_failed" and list(error["fields"]) == ["max_commute_km"]
    assert error["fields"]["max_commute_km"] == "Muss einer dieser Werte sein: 25, 50, 100."
    assert await pool.fetchval("SELECT count(*) FROM participants") == 0


async def test_a_job_beyond_the_limit_is_not_suggested_one_within_it_is(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    await _clinic_in_gera(intake_client, pool)
    far = await _verified(intake_client, pool, "/api/v1/newcomers",
                          newcomer_payload(district=KYFFHAEUSER, max_commute_km=50))
    moves = await _verified(intake_client, pool, "/api/v1/newcomers",
                            newcomer_payload(district=KYFFHAEUSER, max_commute_km=None))
    near = await _verified(intake_client, pool, "/api/v1/newcomers",
                           newcomer_payload(district=GREIZ, max_commute_km=50))
    for newcomer in (far, moves, near):
        await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")

    assert await open_suggestions(pool, far, "employer") == []  # 101 km: beyond the 50 km
    assert len(await open_suggestions(pool, moves, "employer")) == 1  # anywhere: as before the question
    [suggested] = await open_suggestions(pool, near, "employer")
    distance = next(e for e in suggested["explanation"] if e["factor"] == "distance")
    assert distance["detail"] == "Greiz – Gera: 26 km apart, within the 50 km the newcomer would commute."
    # The far newcomer waits for a job rather than being offered one they cannot take.
    assert await pool.fetchval("SELECT count(*) FROM waitlist WHERE newcomer_id = $1 AND kind = 'employer'", far)


async def test_a_shorter_answer_on_the_manage_page_withdraws_a_job_now_too_far(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    await _clinic_in_gera(intake_client, pool)
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers",
                               newcomer_payload(district=JENA, preferred_locale="uk"))
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
    assert len(await open_suggestions(pool, newcomer, "employer")) == 1  # 35 km, no limit said

    link = manage_link(newcomer)
    page = await (await intake_client.get(link)).text()
    assert "Як далеко ви готові їздити на роботу?" in page and " checked" in _radio(page, "any")
    form = edit_form(page)
    assert form["max_commute_km"] == "any"
    saved = await intake_client.post(link, data={**form, "max_commute_km": "25"}, allow_redirects=False)
    assert saved.status == 303 and await _stored(pool, newcomer, "max_commute_km") == 25
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE type = $1 AND payload->>'participant_id' = $2",
                               events.PARTICIPANT_UPDATED, str(newcomer)) == 1
    await deliver(matcher, pool, events.PARTICIPANT_UPDATED, participant_id=newcomer, kind="newcomer")
    assert await open_suggestions(pool, newcomer, "employer") == []
    assert " checked" in _radio(await (await intake_client.get(link)).text(), "25")

    # 50 km takes the job in again; "anywhere" is stored as null.
    await intake_client.post(link, data={**form, "max_commute_km": "50"})
    await deliver(matcher, pool, events.PARTICIPANT_UPDATED, participant_id=newcomer, kind="newcomer")
    assert len(await open_suggestions(pool, newcomer, "employer")) == 1
    await intake_client.post(link, data={**form, "max_commute_km": "any"})
    assert await pool.fetchval("SELECT profile->'max_commute_km' = 'null'::jsonb FROM participants WHERE id = $1",
                               newcomer) is True


@pytest.mark.parametrize(("lang", "question", "anywhere"), [
    ("de", "Wie weit würden Sie für eine Stelle pendeln?", "Egal – ich würde auch umziehen"),
    ("uk", "Як далеко ви готові їздити на роботу?", "Неважливо – переїзд теж можливий"),
])
async def test_the_form_asks_in_the_persons_language(
    intake_client: IntakeClient, lang: str, question: str, anywhere: str
) -> None:
    page = await (await intake_client.get(f"/register/newcomer?lang={lang}")).text()
    assert question in page and anywhere in page
    assert re.search(r'<legend>[^<]*' + re.escape(question), page)  # the radios' group says the question
    assert " checked" in _radio(page, "any")  # the default, as the matcher reads no answer
    assert all(" checked" not in _radio(page, km) for km in ("25", "50", "100"))
    # It stands with the job questions, after "I am looking for a job myself".
    assert page.index('id="seeks_work"') < page.index('id="max_commute_km-25"') < page.index('name="arrival"')
    assert 'id="max_commute_km' not in await (await intake_client.get(f"/register/mentor?lang={lang}")).text()


async def test_the_form_keeps_the_answer_after_an_error_and_stores_it(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    broken = await intake_client.post("/register/newcomer?lang=de",
                                      data={**NEWCOMER_FORM, "email": "lan-at-example", "max_commute_km": "50"})
    assert broken.status == 422
    page = await broken.text()
    assert " checked" in _radio(page, "50") and " checked" not in _radio(page, "any")

    tampered = await intake_client.post("/register/newcomer?lang=de",
                                        data={**NEWCOMER_FORM, "max_commute_km": "30"})
    assert tampered.status == 422
    said = await tampered.text()
    assert 'href="#max_commute_km-25"' in said  # the summary leads to the first choice
    assert 'id="max_commute_km-error"' in said and "25, 50, 100" in said

    sent = await intake_client.post("/register/newcomer", data={**NEWCOMER_FORM, "max_commute_km": "50"},
                                    allow_redirects=False)
    anywhere = await intake_client.post("/register/newcomer", data={
        **NEWCOMER_FORM, "email": "lan.any@example.org", "max_commute_km": "any"}, allow_redirects=False)
    assert sent.status == anywhere.status == 303
    stored = dict(await pool.fetch("SELECT email, profile->>'max_commute_km' FROM participants"))
    assert stored == {"lan.form@example.org": "50", "lan.any@example.org": None}


async def test_the_dashboard_shows_the_answer_and_the_csv_ends_with_it(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    fifty = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(max_commute_km=50))
    anywhere = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    employer = await _clinic_in_gera(intake_client, pool)

    def text(page: str) -> str:
        return " ".join(re.sub(r"<[^>]+>", " ", page).split())

    shown = text(await (await intake_client.get(f"/dashboard/participants/{fifty}?lang=de")).text())
    assert "Pendelt für eine Stelle bis 50 km" in shown
    shown = text(await (await intake_client.get(f"/dashboard/participants/{anywhere}?lang=de")).text())
    assert "Pendelt für eine Stelle beliebig weit, würde auch umziehen" in shown

    body = (await (await intake_client.get("/dashboard/export/participants.csv")).read()).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    # The person's own Latin spelling (name_latin) came after it, as the last column.
    assert header[-4:-1] == ["waiting_since", "max_commute_km", "name_latin"]  # announced_deletion_on last
    assert {row[0]: row[-3] for row in rows} == {str(fifty): "50", str(anywhere): "", str(employer): ""}
