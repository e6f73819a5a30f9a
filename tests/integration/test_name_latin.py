"""Review 8f, finding 3: فاطمه حسینی registered in Persian and no reader of Latin letters could say or
find her name: the dashboard showed only that spelling, the review queue found her neither by
"Hosseini" nor by her address, and her German mentor read "Vorstellung: فاطمه حسینی". Arabic script
has no short vowels, so no table writes it; she now gives her name in Latin letters (`name_latin`,
newcomers and mentors, optional) on the form, the manage page or through the API, and it is shown
beside the name, searched, and erased with it."""

from __future__ import annotations

import csv
import html
import io
import re
import uuid

import asyncpg
import pytest
from aio_pika.abc import AbstractRobustConnection

from lotse.notifier import digest
from lotse.notifier.bidi import FSI, PDI
from lotse.shared import events, matches
from lotse.shared.mailsink import MailSink
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.notifier_fixtures import (
    FastRetries,
    RunningNotifier,
    add_coordinator,
    add_match,
    add_participant,
    deliver_all,
    delivery,
    mails_to,
    match_event,
    publish,
    smtp_settings,
    to,
)
from tests.integration.test_dashboard import _suggest, _verified, login
from tests.integration.test_match_life import _introduced
from tests.integration.test_names_in_latin_on_pages import _pages
from tests.integration.test_notifier_match_emails import JENA, SUHL, set_profile
from tests.integration.test_openapi_conformance import Document, call, request_schema, violations
from tests.integration.test_self_service import edit_form, manage_link
from tests.integration.test_web_forms import NEWCOMER_FORM

__all__ = ["delivery", "smtp_settings"]  # fixtures used by name

FATEMEH, LATIN = "فاطمه حسینی", "Fatemeh Hosseini"
BOTH = f"{FATEMEH} ({LATIN})"
# In an email her name is kept in its own right-to-left island (review 12, F2: notifier/bidi.py).
BOTH_IN_MAIL = f"{FSI}{FATEMEH}{PDI} ({LATIN})"
EMAIL = "fatima.hosseini@example.org"


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
async def openapi(intake_client: IntakeClient) -> Document:
    served: Document = await (await intake_client.get("/api/v1/openapi.json")).json()
    return served


async def test_the_api_takes_it_and_the_coordinators_read_it_back(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str], openapi: Document,
) -> None:
    for path, payload in (("/api/v1/newcomers", newcomer_payload), ("/api/v1/mentors", mentor_payload)):
        schema = request_schema(openapi, path)
        assert violations(openapi, schema, payload(name=FATEMEH, name_latin=LATIN)) == []
        assert violations(openapi, schema, payload(name_latin=None)) == []
        assert violations(openapi, schema, payload(name_latin="F" * 201))  # the document says the length
    fatemeh = await _verified(intake_client, pool, "/api/v1/newcomers",
                              newcomer_payload(name=FATEMEH, name_latin=LATIN))
    mentor = await _verified(intake_client, pool, "/api/v1/mentors",
                             mentor_payload(name="王芳", name_latin="Wang Fang"))
    none_given = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    # A mentor stored before the question: read as none given.
    await pool.execute("UPDATE participants SET profile = profile - 'name_latin' WHERE id = $1", none_given)
    expected = {fatemeh: LATIN, mentor: "Wang Fang", none_given: None}
    for person, latin in expected.items():
        status, detail = await call(intake_client, openapi, "GET", "/api/v1/participants/{id}",
                                    url=f"/api/v1/participants/{person}", headers=coordinator_headers)
        assert status == 200 and detail["name_latin"] == latin
        status, export = await call(intake_client, openapi, "GET", "/api/v1/participants/{id}/export",
                                    url=f"/api/v1/participants/{person}/export", headers=coordinator_headers)
        assert status == 200 and export["participant"]["name_latin"] == latin


@pytest.mark.parametrize(("value", "message"), [
    (FATEMEH, "Bitte schreiben Sie ihn in lateinischen Buchstaben (A–Z, Akzente sind in Ordnung)."),
    ("F" * 201, "Höchstens 200 Zeichen."),
])
async def test_a_wrong_value_is_a_422_naming_the_field(
    intake_client: IntakeClient, pool: asyncpg.Pool, value: str, message: str
) -> None:
    response = await intake_client.post("/api/v1/mentors", json=mentor_payload(name_latin=value),
                                        headers={"Accept-Language": "de"})
    assert response.status == 422
    error = (await response.json())["error"]
    assert error["fields"] == {"name_latin": message}
    assert await pool.fetchval("SELECT count(*) FROM participants") == 0


async def test_the_form_asks_right_after_the_name_and_keeps_it_after_an_error(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    # A plain POST, as a browser without JavaScript sends it.
    form = {**NEWCOMER_FORM, "name": FATEMEH, "name_latin": LATIN, "email": EMAIL, "preferred_locale": "en"}
    page = await (await intake_client.get("/register/newcomer?lang=de")).text()
    assert page.index('id="name"') < page.index('id="name_latin"') < page.index('id="email"')
    assert "Ihr Name in lateinischen Buchstaben, wie im Pass" in page
    assert "Nur wenn Ihr Name nicht in lateinischen Buchstaben (A–Z) geschrieben ist" in page
    assert 'aria-describedby="name_latin-hint"' in page
    assert 'id="name_latin"' in await (await intake_client.get("/register/mentor")).text()
    assert 'id="name_latin"' not in await (await intake_client.get("/register/employer")).text()

    unconsented = {k: v for k, v in form.items() if k != "consent_data_processing"}
    broken = await intake_client.post("/register/newcomer?lang=de", data=unconsented)
    assert broken.status == 422
    assert f'value="{LATIN}"' in await broken.text()
    wrong = await intake_client.post("/register/newcomer?lang=de", data={**form, "name_latin": FATEMEH})
    assert wrong.status == 422
    said = await wrong.text()
    assert 'href="#name_latin"' in said and 'id="name_latin-error"' in said and "lateinischen Buchstaben" in said

    done = await intake_client.post("/register/newcomer", data=form, allow_redirects=False)
    assert done.status == 303
    stored = await pool.fetchrow("SELECT profile->>'name_latin' AS latin, name_search FROM participants")
    assert stored["latin"] == LATIN and "hosseini" in stored["name_search"].split()


async def test_the_manage_page_changes_and_clears_it(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    fatemeh = await _verified(intake_client, pool, "/api/v1/newcomers",
                              newcomer_payload(name=FATEMEH, name_latin="Fatima Hosseini"))
    link = manage_link(fatemeh)
    form = edit_form(await (await intake_client.get(link)).text())
    assert form["name_latin"] == "Fatima Hosseini"
    saved = await intake_client.post(link, data={**form, "name_latin": LATIN}, allow_redirects=False)
    assert saved.status == 303
    row = await pool.fetchrow("SELECT profile->>'name_latin' AS latin, name_search FROM participants")
    assert row["latin"] == LATIN and "fatemeh" in row["name_search"] and "fatima" not in row["name_search"]
    await intake_client.post(link, data={**form, "name_latin": ""}, allow_redirects=False)
    row = await pool.fetchrow("SELECT profile, name_search FROM participants")
    assert row["profile"]["name_latin"] is None and "hosseini" not in row["name_search"]
    assert 'value="None"' not in await (await intake_client.get(link)).text()


async def test_the_dashboard_shows_it_and_both_searches_find_her_by_it_and_her_address(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    fatemeh = await _verified(intake_client, pool, "/api/v1/newcomers",
                              newcomer_payload(name=FATEMEH, name_latin=LATIN, email=EMAIL))
    other = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Olena Kovalenko"))
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(name="Karin Vogt", capacity=2))
    match_id = await _suggest(pool, fatemeh, mentor)
    await _suggest(pool, other, mentor)
    await login(intake_client)
    for page in ("/dashboard", f"/dashboard/participants/{fatemeh}", "/dashboard/participants",
                 f"/dashboard/matches/{match_id}", f"/dashboard/participants/{mentor}", "/dashboard/matches"):
        assert BOTH in _text(await (await intake_client.get(page)).text()), page
    shown = _text(await (await intake_client.get(f"/dashboard/participants/{fatemeh}")).text())
    assert f"Name in lateinischen Buchstaben {LATIN}" in shown

    for typed in ("Hosseini", "hosseini fatemeh", EMAIL, "fatima.hosseini"):
        queue = await (await intake_client.get("/dashboard", params={"q": typed})).text()
        assert f'id="newcomer-{fatemeh}"' in queue and f'id="newcomer-{other}"' not in queue, typed
        found = await (await intake_client.get("/dashboard/participants", params={"q": typed})).text()
        assert f"/dashboard/participants/{fatemeh}" in found and f"/dashboard/participants/{other}" not in found
    # The mentor's address finds the suggestions made to her, as her name does.
    mentor_email = await pool.fetchval("SELECT email FROM participants WHERE id = $1", mentor)
    queue = await (await intake_client.get("/dashboard", params={"q": mentor_email})).text()
    assert f'id="newcomer-{fatemeh}"' in queue and f'id="newcomer-{other}"' in queue


async def test_the_german_mentors_introduction_names_her_in_latin_letters(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    fatemeh = await add_participant(pool, "newcomer", name=FATEMEH, locale="en")
    await set_profile(pool, fatemeh, SUHL, [{"code": "fa", "level": "native"}, {"code": "de", "level": "B1"}],
                      {"arrival": "arrived", "needs": ["school"], "online_ok": True, "name_latin": LATIN})
    karin = await add_participant(pool, "mentor", name="王芳", locale="de")
    await set_profile(pool, karin, JENA, [{"code": "de", "level": "native"}, {"code": "fa", "level": "B2"}],
                      {"helps_with": ["school"], "max_distance_km": 30, "online_ok": True, "capacity": 2,
                       "name_latin": "Wang Fang"})
    match_id = await add_match(pool, "mentor", fatemeh, karin.id)
    await publish(amqp, match_event(events.MATCH_INTRODUCED, match_id, "mentor", fatemeh, karin.id))

    [to_karin] = await mails_to(sink, karin.email)
    assert to_karin.subject == f"Vorstellung: {BOTH_IN_MAIL}"
    assert BOTH_IN_MAIL in to_karin.text and "Dabei wünscht sich Fatemeh Hosseini Hilfe: Schule" in to_karin.text
    [to_fatemeh] = await mails_to(sink, fatemeh.email)  # a mentor's own spelling reaches the newcomer too
    assert "王芳 (Wang Fang)" in to_fatemeh.text


async def test_erasure_removes_it(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    fatemeh = await _verified(intake_client, pool, "/api/v1/newcomers",
                              newcomer_payload(name=FATEMEH, name_latin=LATIN, email=EMAIL))
    erased = await intake_client.delete(f"/api/v1/participants/{fatemeh}", headers=coordinator_headers)
    assert erased.status == 204
    row = await pool.fetchrow("SELECT profile, name_search, name FROM participants WHERE id = $1", fatemeh)
    assert "name_latin" not in row["profile"] and row["name_search"] is None and row["name"] is None
    assert LATIN not in str(await pool.fetchval("SELECT row_to_json(p)::text FROM participants p"))
    detail = await (await intake_client.get(f"/api/v1/participants/{fatemeh}", headers=coordinator_headers)).json()
    assert "name_latin" not in detail  # as every personal profile field: gone, not null


async def test_a_mentor_from_the_api_is_shown_by_her_own_spelling(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    # Her own spelling wins over the table's for a Cyrillic name too (a passport may differ from it).
    mentor = await _verified(intake_client, pool, "/api/v1/mentors",
                             mentor_payload(name="Оксана Мельник", name_latin="Oksana Melnik", preferred_locale="uk"))
    await login(intake_client)
    page = _text(await (await intake_client.get(f"/dashboard/participants/{mentor}")).text())
    assert "Оксана Мельник (Oksana Melnik)" in page and "Melnyk" not in page


async def test_the_public_pages_name_both_sides_by_their_own_spelling(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    fatemeh = await _verified(intake_client, pool, "/api/v1/newcomers",
                              newcomer_payload(name=FATEMEH, name_latin=LATIN, preferred_locale="en"))
    mentor = await _verified(intake_client, pool, "/api/v1/mentors",
                             mentor_payload(name="王芳", name_latin="Wang Fang"))
    match_id = await _introduced(pool, fatemeh, mentor)
    await pool.execute("UPDATE matches SET checkin_sent_at = now() WHERE id = $1", match_id)
    for page, text in (await _pages(intake_client, match_id, mentor, "de")).items():
        assert f"Neu in Thüringen: {BOTH}" in text, page
    for page, text in (await _pages(intake_client, match_id, fatemeh, "en")).items():
        assert "Your mentor: 王芳 (Wang Fang)" in text, page


async def test_the_digest_names_a_flagged_match_by_her_own_spelling(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink,
) -> None:
    _, email = await add_coordinator(pool)
    fatemeh = await add_participant(pool, "newcomer", name=FATEMEH, locale="en")
    await set_profile(pool, fatemeh, SUHL, [{"code": "fa", "level": "native"}], {"name_latin": LATIN})
    karin = await add_participant(pool, "mentor", name="Karin Vogt", locale="de")
    await add_match(pool, "mentor", fatemeh, karin.id, flag_code=matches.FLAG_UNANSWERED)
    async with pool.acquire() as conn:
        assert await digest.request_digests(conn, 3600.0, now=1_800_000_010.0) == 1
    await deliver_all(delivery)
    [mail] = to(sink, email)
    assert f"{BOTH_IN_MAIL} ↔ Karin Vogt –" in mail.text


async def test_the_participants_csv_ends_with_it_and_not_for_an_erased_person(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    fatemeh = await _verified(intake_client, pool, "/api/v1/newcomers",
                              newcomer_payload(name=FATEMEH, name_latin=LATIN, email=EMAIL))
    mentor = await _verified(intake_client, pool, "/api/v1/mentors",
                             mentor_payload(name="王芳", name_latin="Wang Fang"))
    none_given = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    erased = await _verified(intake_client, pool, "/api/v1/newcomers",
                             newcomer_payload(name="Оксана Мельник", name_latin="Oksana Melnyk"))
    assert (await intake_client.delete(f"/api/v1/participants/{erased}", headers=coordinator_headers)).status == 204
    await login(intake_client)
    text = (await (await intake_client.get("/dashboard/export/participants.csv")).read()).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    # The last column when it came (announced_deletion_on followed): the others where they were.
    assert header[-2:] == ["name_latin", "announced_deletion_on"]
    assert {row[0]: (row[3], row[-2]) for row in rows} == {
        str(fatemeh): (FATEMEH, LATIN), str(mentor): ("王芳", "Wang Fang"),
        str(none_given): ("Thomas Berger", ""), str(erased): ("", "")}


async def test_the_decision_buttons_and_the_audit_log_name_both_with_their_latin_spelling(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    # The buttons' names are what a screen reader's list of buttons reads: the pair as the page shows it.
    fatemeh = await _verified(intake_client, pool, "/api/v1/newcomers",
                              newcomer_payload(name=FATEMEH, name_latin=LATIN))
    oksana = await _verified(intake_client, pool, "/api/v1/mentors",
                             mentor_payload(name="Оксана Мельник", preferred_locale="uk"))  # by table
    match_id = await _suggest(pool, fatemeh, oksana)
    round_id = uuid.uuid4()
    await pool.execute("INSERT INTO rounds (id, objective, status) VALUES ($1, 'best_total_score', 'completed')",
                       round_id)
    await pool.execute("UPDATE matches SET round_id = $2 WHERE id = $1", match_id, round_id)
    await login(intake_client)
    which = f"Mentor/in Оксана Мельник (Oksana Melnyk) für {BOTH}"
    for page in ("/dashboard?lang=de", f"/dashboard/matches/{match_id}", f"/dashboard/rounds/{round_id}"):
        shown = html.unescape(await (await intake_client.get(page)).text())
        assert f'aria-label="Freigeben: {which}"' in shown and f'aria-label="Ablehnen: {which}"' in shown, page
    queue = _text(await (await intake_client.get("/dashboard")).text())
    assert "Mentor/in: Оксана Мельник (Oksana Melnyk)" in queue  # the suggestion's heading, as its buttons
    rounds = _text(await (await intake_client.get(f"/dashboard/rounds/{round_id}")).text())
    assert "Оксана Мельник (Oksana Melnyk)" in rounds

    for person in (fatemeh, oksana):  # an entry about a participant (their data exported)
        assert (await intake_client.get(f"/dashboard/participants/{person}/export.json")).status == 200
    audit_page = _text(await (await intake_client.get("/dashboard/audit")).text())
    assert f"Teilnehmende Person {BOTH} (Neu angekommen)" in audit_page
    assert "Teilnehmende Person Оксана Мельник (Oksana Melnyk) (Mentor/in)" in audit_page
