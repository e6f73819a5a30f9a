"""The public forms and the self-service page over HTTP, without JavaScript (plain form posts)."""

from __future__ import annotations

import re
import uuid

import asyncpg
import pytest

from lotse.shared import tokens
from tests.conftest import TEST_SECRET_KEY, IntakeClient
from tests.integration.intake_fixtures import newcomer_payload

SIGNER = tokens.TokenSigner(TEST_SECRET_KEY)

NEWCOMER_FORM = {
    "name": "Nguyễn Thị Lan", "email": "lan.form@example.org", "preferred_locale": "vi", "district": "16052",
    "languages-0-code": "vi", "languages-0-level": "native", "languages-1-code": "de", "languages-1-level": "A2",
    "languages-2-code": "", "languages-2-level": "", "country_of_origin": "vn", "occupation_field": "nursing",
    "arrival": "abroad", "needs": ["childcare", "language_course"], "wants_mentor": "on",
    "course_schedules": "evening", "partner": "on", "partner_seeks_work": "on", "children_ages": "4",
    "about": "Krankenschwester, <b>bald</b> in Gera.", "consent_data_processing": "on",
}


@pytest.mark.parametrize("segment", ["newcomer", "mentor", "employer", "language-provider"])
async def test_every_form_renders_with_labelled_inputs(intake_client: IntakeClient, segment: str) -> None:
    page = await intake_client.get(f"/register/{segment}", headers={"Accept-Language": "uk"})
    assert page.status == 200
    html = await page.text()
    assert '<html lang="uk"' in html and "novalidate" in html
    ids = set(re.findall(r'<(?:input|select|textarea)[^>]* id="([^"]+)"', html))
    labelled = set(re.findall(r'<label[^>]* for="([^"]+)"', html))
    assert ids and ids <= labelled, f"inputs without a label: {ids - labelled}"
    assert (await intake_client.get("/register/nobody")).status == 404


async def test_the_nurse_registers_after_fixing_an_error(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    broken = {**NEWCOMER_FORM, "email": "lan-at-example", "children_ages": "4, 19"}
    first = await intake_client.post("/register/newcomer?lang=vi", data=broken)
    assert first.status == 422
    html = await first.text()
    assert 'href="#email"' in html and 'href="#children_ages"' in html
    assert 'aria-invalid="true"' in html and "Phải là địa chỉ email hợp lệ." in html
    assert 'value="Nguyễn Thị Lan"' in html and 'value="childcare" checked' in html  # values kept
    assert "&lt;b&gt;bald&lt;/b&gt;" in html  # markup stays text

    done = await intake_client.post("/register/newcomer", data=NEWCOMER_FORM, allow_redirects=False)
    assert done.status == 303 and done.headers["Location"] == "/register/newcomer/thanks"
    assert (await intake_client.get(done.headers["Location"])).status == 200
    row = await pool.fetchrow("SELECT * FROM participants WHERE email = 'lan.form@example.org'")
    assert row["status"] == "pending_verification" and row["preferred_locale"] == "vi"
    assert row["profile"]["household"] == {"partner": True, "partner_seeks_work": True, "children_ages": [4]}
    assert row["profile"]["country_of_origin"] == "VN" and row["about"] == "Krankenschwester, <b>bald</b> in Gera."
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE type = 'participant.registered'") == 1


async def test_an_error_names_the_language_row_the_person_filled_in(intake_client: IntakeClient) -> None:
    """Row 1 left blank, row 2 without a level: the blank row is not sent on, which made the
    error say "Language 1" and sit under the empty first row."""
    form = {**NEWCOMER_FORM, "languages-0-code": "", "languages-0-level": "", "languages-1-code": "de",
            "languages-1-level": "", "languages-2-code": "uk", "languages-2-level": "C3"}
    refused = await intake_client.post("/register/newcomer?lang=en", data=form)
    html = await refused.text()
    assert refused.status == 422
    assert 'href="#languages-1-level">Level of language 2:' in html and 'id="languages-1-level-error"' in html
    assert 'href="#languages-2-level">Level of language 3:' in html and 'id="languages-2-level-error"' in html
    assert "languages-0-level-error" not in html and "language 1:" not in html


@pytest.mark.parametrize(("locale", "languages", "consent"), [
    ("en", "Please give at least one language you speak, with its level.",
     "Please agree that the welcome centre stores your details."),
    ("de", "Bitte geben Sie mindestens eine Sprache an", "Bitte stimmen Sie zu, dass das Welcome Center"),
    ("uk", "Вкажіть принаймні одну мову", "Будь ласка, погодьтеся, щоб центр зберігав ваші дані."),
])
async def test_the_form_says_what_to_do_not_how_many_items(
    intake_client: IntakeClient, locale: str, languages: str, consent: str
) -> None:
    """Finding 13: "Languages: Must have between 1 and 20 items." beside four rows, and "Must be true."."""
    form = {key: value for key, value in NEWCOMER_FORM.items()
            if not key.startswith("languages-") and key != "consent_data_processing"}
    html = await (await intake_client.post(f"/register/newcomer?lang={locale}", data=form)).text()
    assert languages in html and consent in html
    assert "20" not in " ".join(re.findall(r'<p class="error"[^>]*>([^<]*)<', html))
    body = newcomer_payload(languages=[], consent={"data_processing": False})
    api = await intake_client.post("/api/v1/newcomers?lang=en", json=body)
    fields = (await api.json())["error"]["fields"]  # the API keeps its precise messages and paths
    assert fields == {"languages": "Must have between 1 and 20 items.", "consent.data_processing": "Must be true."}


async def test_a_mentor_who_ticks_nothing_to_help_with_is_asked_to_choose(intake_client: IntakeClient) -> None:
    form = {"name": "Renate Albrecht", "email": "renate@example.org", "preferred_locale": "de",
            "district": "16051", "languages-0-code": "de", "languages-0-level": "native", "capacity": "2",
            "consent_data_processing": "on"}
    html = await (await intake_client.post("/register/mentor?lang=de-simple", data=form)).text()
    assert "Wobei können Sie helfen? Bitte wählen Sie mindestens eine Sache." in html


async def test_an_employer_adds_a_second_position_without_javascript(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    form = {"name": "Klaus Richter", "email": "jobs@richter.example.org", "preferred_locale": "de",
            "district": "16054", "languages-0-code": "de", "languages-0-level": "native",
            "organisation": "Elektro Richter", "contact_name": "Klaus Richter", "positions-0-title": "Elektriker",
            "positions-0-occupation_field": "crafts", "positions-0-openings": "2",
            "positions-0-min_german_level": "B1", "consent_data_processing": "on"}
    more = await intake_client.post("/register/employer", data={**form, "add_row": "positions"})
    html = await more.text()
    assert more.status == 200 and 'id="positions-1-title"' in html and 'value="Elektriker"' in html
    # The page opens at the new position (review 11b, L2), and only there.
    new_field = re.search(r'<input [^>]*id="positions-1-title"[^>]*>', html)
    assert new_field and 'autofocus="autofocus"' in new_field.group(0)
    assert len(re.findall(r"<[^>]* autofocus[ =>]", html)) == 1
    second = {"positions-1-title": "Mechatroniker", "positions-1-occupation_field": "crafts",
              "positions-1-openings": "1", "positions-1-min_german_level": "A2"}
    done = await intake_client.post("/register/employer", data={**form, **second}, allow_redirects=False)
    assert done.status == 303
    titles = {r["title"] for r in await pool.fetch("SELECT title FROM positions")}
    assert titles == {"Elektriker", "Mechatroniker"}


async def test_self_service_edit_pause_consent_and_erasure(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    await intake_client.post("/register/newcomer", data=NEWCOMER_FORM, allow_redirects=False)
    participant_id = await pool.fetchval("SELECT id FROM participants")
    await pool.execute("UPDATE participants SET status = 'verified' WHERE id = $1", participant_id)
    link = f"/manage/{SIGNER.sign(tokens.MANAGE, pid=str(participant_id))}"

    page = await intake_client.get(link)
    html = await page.text()
    assert page.status == 200 and "lan.form@example.org" in html and 'value="Nguyễn Thị Lan"' in html

    edit = {k: v for k, v in NEWCOMER_FORM.items() if k not in ("email", "consent_data_processing")}
    edit.update({"action": "edit", "district": "16053", "needs": ["housing"]})
    saved = await intake_client.post(link, data=edit, allow_redirects=False)
    assert saved.status == 303
    row = await pool.fetchrow("SELECT district, profile FROM participants WHERE id = $1", participant_id)
    assert row["district"] == "16053" and row["profile"]["needs"] == ["housing"]
    bad = await intake_client.post(link, data={**edit, "district": "99999"})
    assert bad.status == 422 and 'href="#district"' in await bad.text()

    await intake_client.post(link, data={"action": "pause"}, allow_redirects=False)
    assert await pool.fetchval("SELECT status FROM participants WHERE id = $1", participant_id) == "paused"
    await intake_client.post(link, data={"action": "unshare"}, allow_redirects=False)
    shares = await pool.fetchval("SELECT given FROM consents WHERE participant_id = $1 AND purpose = 'share_contact' "
                                 "ORDER BY recorded_at DESC, id DESC LIMIT 1", participant_id)
    assert shares is False
    # The edit and the pause; a consent changes no score, so it asks the matcher for nothing (review 8e, finding 6).
    updates = await pool.fetchval("SELECT count(*) FROM outbox WHERE type = 'participant.updated'")
    assert updates == 2

    unconfirmed = await intake_client.post(f"{link}/erase", data={})
    assert unconfirmed.status == 422
    erased = await intake_client.post(f"{link}/erase", data={"confirm": "yes"})
    assert erased.status == 200
    row = await pool.fetchrow("SELECT status, name, email FROM participants WHERE id = $1", participant_id)
    assert row["status"] == "erased" and row["name"] is None and row["email"] is None
    assert (await intake_client.get(link)).status == 410


async def test_a_manage_link_opens_only_its_own_registration(intake_client: IntakeClient) -> None:
    assert (await intake_client.get("/manage/forged-token")).status == 400
    verify_token = SIGNER.sign(tokens.VERIFY, pid=str(uuid.uuid4()))
    assert (await intake_client.get(f"/manage/{verify_token}")).status == 400
    assert (await intake_client.get(f"/manage/{SIGNER.sign(tokens.MANAGE, pid=str(uuid.uuid4()))}")).status == 410


async def test_plain_german_is_tagged_de_x_simple_but_keeps_its_key(intake_client: IntakeClient) -> None:
    """Finding 12: `de-simple` is no BCP 47 tag; pages and API errors say `de-x-simple` instead."""
    html = await (await intake_client.get("/register/newcomer?lang=de-simple")).text()
    assert '<html lang="de-x-simple"' in html and 'lang="de-simple"' not in html
    assert '<option value="de-simple" lang="de-x-simple" selected>' in html  # the switcher's key stays
    refused = await intake_client.post("/api/v1/newcomers", json={"name": "x"},
                                       headers={"Accept-Language": "de-simple"})
    assert refused.status == 422 and refused.headers["Content-Language"] == "de-x-simple"


async def test_the_landing_page_and_language_switch(intake_client: IntakeClient) -> None:
    page = await intake_client.get("/?lang=fr")
    assert page.status == 200 and '<html lang="fr"' in await page.text()
    assert "lotse_locale=fr" in page.headers.get("Set-Cookie", "")
    again = await intake_client.get("/register/mentor")
    assert '<html lang="fr"' in await again.text()  # the choice is remembered


async def test_the_newcomer_is_asked_about_online_meetings_ticked_and_may_untick(
        intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    page = await (await intake_client.get("/register/newcomer?lang=de")).text()
    box = re.search(r'<input type="checkbox" id="online_ok"[^>]*>', page)
    assert box and " checked" in box.group(0) and 'aria-describedby="online_ok-hint"' in box.group(0)
    assert "Ein Treffen mit meiner Mentorin oder meinem Mentor ist für mich auch online in Ordnung" in page
    mentor_page = await (await intake_client.get("/register/mentor?lang=de")).text()
    assert re.search(r'<input type="checkbox" id="online_ok"[^>]* checked', mentor_page) is None  # the mentor's own

    done = await intake_client.post("/register/newcomer", data=NEWCOMER_FORM, allow_redirects=False)  # unticked
    ticked = await intake_client.post("/register/newcomer", data={
        **NEWCOMER_FORM, "email": "lan.online@example.org", "online_ok": "on"}, allow_redirects=False)
    assert done.status == ticked.status == 303
    stored = dict(await pool.fetch("SELECT email, profile->'online_ok' FROM participants"))
    assert stored == {"lan.form@example.org": False, "lan.online@example.org": True}


@pytest.mark.parametrize(("locale", "message"), [
    ("en", "Only possible if “My partner comes with me” is ticked too."),
    ("uk", "Можливо лише, якщо також позначено «Мій партнер / моя партнерка їде зі мною»."),
    ("de-simple", "Das geht nur, wenn Sie auch „Meine Partnerin oder mein Partner kommt mit“ ankreuzen."),
])
async def test_a_box_that_needs_another_names_that_box_by_its_label(
    intake_client: IntakeClient, locale: str, message: str
) -> None:
    """Review 5, finding 8: the form said "… unless partner is true", the API's field code."""
    form = {key: value for key, value in NEWCOMER_FORM.items() if key != "partner"}
    refused = await intake_client.post(f"/register/newcomer?lang={locale}", data=form)
    assert refused.status == 422
    html = await refused.text()
    assert message in html and "unless partner" not in html and "якщо partner" not in html
    # The API keeps the validator's message, naming the other field by its full path.
    api = await intake_client.post("/api/v1/newcomers", json=newcomer_payload(
        household={"partner": False, "partner_seeks_work": True}))
    fields = (await api.json())["error"]["fields"]
    assert list(fields) == ["household.partner_seeks_work"] and "household.partner " in fields[
        "household.partner_seeks_work"]
