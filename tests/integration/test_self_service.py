"""The pages behind the email links (manage, verify, respond, erase), as a person uses them."""

from __future__ import annotations

import html as html_lib
import inspect
import re
import uuid
from typing import Any

import asyncpg
import pytest

from lotse.intake import self_service
from lotse.intake.participants_db import CONSENT_TEXT_VERSION
from lotse.intake.validation import REQUIRED
from lotse.shared import tokens
from lotse.shared.i18n import translations
from tests.conftest import TEST_SECRET_KEY, IntakeClient
from tests.integration.intake_fixtures import (
    employer_payload,
    form_fields,
    mentor_payload,
    newcomer_payload,
    provider_payload,
)

SIGNER = tokens.TokenSigner(TEST_SECRET_KEY)
PAYLOADS = {"newcomers": newcomer_payload, "mentors": mentor_payload, "employers": employer_payload,
            "language-providers": provider_payload}


def edit_form(page: str) -> dict[str, Any]:
    """What a browser would submit from the manage page's edit form, as it is shown."""
    form: dict[str, Any] = {}
    for name, value in form_fields(page, "name"):
        if name in form:
            form[name] = [*(form[name] if isinstance(form[name], list) else [form[name]]), value]
        else:
            form[name] = value
    return form


async def _registered(intake_client: IntakeClient, pool: asyncpg.Pool, segment: str,
                      **overrides: Any) -> uuid.UUID:
    created = await intake_client.post(f"/api/v1/{segment}", json=PAYLOADS[segment](**overrides))
    assert created.status == 201, await created.text()
    participant_id = uuid.UUID((await created.json())["id"])
    await pool.execute("UPDATE participants SET status = 'verified' WHERE id = $1", participant_id)
    return participant_id


def manage_link(participant_id: uuid.UUID) -> str:
    return f"/manage/{SIGNER.sign(tokens.MANAGE, pid=str(participant_id))}"


def page_lang(page: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', page)
    assert found
    return found.group(1)


# (API segment, field, what is stored once it is emptied: a column or the profile's key).
OPTIONAL = [
    ("newcomers", "about", ("about", None)),
    ("mentors", "about", ("about", None)),
    ("employers", "about", ("about", None)),
    ("language-providers", "about", ("about", None)),
    ("newcomers", "children_ages", ("household", {"partner": True, "partner_seeks_work": True,
                                                   "children_ages": []})),
    ("mentors", "max_distance_km", ("max_distance_km", 30)),  # the registration's default
    ("mentors", "occupation_field", ("occupation_field", None)),
]
REQUIRED_FIELDS = [
    ("newcomers", "name"), ("newcomers", "district"), ("newcomers", "occupation_field"),
    ("newcomers", "preferred_locale"), ("newcomers", "country_of_origin"), ("mentors", "name"), ("mentors", "capacity"),
    ("employers", "organisation"), ("employers", "contact_name"), ("language-providers", "organisation"),
]


async def _stored(pool: asyncpg.Pool, participant_id: uuid.UUID, key: str) -> object:
    row = dict(await pool.fetchrow("SELECT * FROM participants WHERE id = $1", participant_id))
    return row[key] if key in row else row["profile"].get(key)


@pytest.mark.parametrize(("segment", "field", "expected"), OPTIONAL)
async def test_an_emptied_optional_field_is_cleared(
    intake_client: IntakeClient, pool: asyncpg.Pool, segment: str, field: str, expected: tuple[str, object]
) -> None:
    mentors_field = {"occupation_field": "education"} if segment == "mentors" else {}
    participant_id = await _registered(intake_client, pool, segment, about="Seit 1990 in Thüringen.",
                                       **mentors_field)
    link = manage_link(participant_id)
    form = edit_form(await (await intake_client.get(link)).text())
    assert form[field], f"{field} is not shown filled in"
    saved = await intake_client.post(link, data={**form, field: ""}, allow_redirects=False)
    assert saved.status == 303
    key, value = expected
    assert await _stored(pool, participant_id, key) == value
    shown = edit_form(await (await intake_client.get(link)).text())
    assert shown[field] == ("30" if field == "max_distance_km" else "")


@pytest.mark.parametrize(("segment", "field"), REQUIRED_FIELDS)
async def test_an_emptied_required_field_is_an_error_not_saved(
    intake_client: IntakeClient, pool: asyncpg.Pool, segment: str, field: str
) -> None:
    participant_id = await _registered(intake_client, pool, segment)
    link = manage_link(participant_id)
    before = await _stored(pool, participant_id, field)
    form = edit_form(await (await intake_client.get(link)).text())
    refused = await intake_client.post(link, data={**form, field: "", "about": "Neu geschrieben"},
                                       allow_redirects=False)
    page = await refused.text()
    assert refused.status == 422
    required = translations("lotse.intake", "intake", page_lang(page)).gettext(REQUIRED)
    assert f'href="#{field}"' in page and html_lib.escape(required) in page
    assert f'id="{field}-error"' in page and "Neu geschrieben</textarea>" in page  # the input is kept
    assert await _stored(pool, participant_id, field) == before
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE type = 'participant.updated'") == 0


async def test_the_emptied_about_of_a_ukrainian_newcomer_is_deleted(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    participant_id = await _registered(intake_client, pool, "newcomers", preferred_locale="uk",
                                       about="Медсестра, люблю ходити в гори.")
    link = manage_link(participant_id)
    form = edit_form(await (await intake_client.get(link)).text())
    form.update({"about": "", "children_ages": "", "needs": []})
    form.pop("partner", None)
    form.pop("partner_seeks_work", None)
    saved = await intake_client.post(link, data=form, allow_redirects=False)
    assert saved.status == 303
    row = await pool.fetchrow("SELECT about, profile FROM participants WHERE id = $1", participant_id)
    assert row["about"] is None and row["profile"]["needs"] == []
    assert row["profile"]["household"] == {"partner": False, "partner_seeks_work": False, "children_ages": []}
    assert "Медсестра" not in await (await intake_client.get(link)).text()


async def _introduced(pool: asyncpg.Pool, newcomer: uuid.UUID, mentor: uuid.UUID) -> uuid.UUID:
    match_id = uuid.uuid4()
    await pool.execute(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation, status, decided_at,
                                introduced_at)
           VALUES ($1, 'mentor', $2, $3, 0.7, '[]', 'introduced', now(), now())""",
        match_id, newcomer, mentor,
    )
    return match_id


@pytest.mark.parametrize("browser", [{}, {"Accept-Language": "en-US,en;q=0.9"},
                                     {"Accept-Language": "de", "Cookie": "lotse_locale=de"}])
async def test_email_links_open_in_the_persons_language(
    intake_client: IntakeClient, pool: asyncpg.Pool, browser: dict[str, str]
) -> None:
    created = await intake_client.post("/api/v1/newcomers", json=newcomer_payload(name="Trần Thị Mai"))
    mai = uuid.UUID((await created.json())["id"])
    verify = await intake_client.get(f"/verify/{SIGNER.sign(tokens.VERIFY, pid=str(mai))}", headers=browser)
    assert verify.status == 200 and page_lang(await verify.text()) == "vi"

    mentor = await _registered(intake_client, pool, "mentors")
    match_id = await _introduced(pool, mai, mentor)
    links = [manage_link(mai), f"{manage_link(mai)}/erase",
             f"/respond/{SIGNER.sign(tokens.RESPOND, mid=str(match_id), pid=str(mai))}",
             f"/checkin/{SIGNER.sign(tokens.CHECKIN, mid=str(match_id), pid=str(mai))}"]
    for link in links:
        page = await intake_client.get(link, headers=browser)
        assert page.status == 200 and page_lang(await page.text()) == "vi", link
    # The mentor chose German: the same browser sees the mentor's answer page in German.
    mentors_page = await intake_client.get(
        f"/respond/{SIGNER.sign(tokens.RESPOND, mid=str(match_id), pid=str(mentor))}", headers=browser)
    assert page_lang(await mentors_page.text()) == "de"


async def test_a_language_picked_on_the_page_wins_and_stays_through_a_post(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    mai = await _registered(intake_client, pool, "newcomers")
    link = manage_link(mai)
    page = await (await intake_client.get(f"{link}?lang=en")).text()
    assert page_lang(page) == "en"
    assert f'action="{link}?lang=en"' in page and f'href="{link}/erase?lang=en"' in page
    paused = await intake_client.post(f"{link}?lang=en", data={"action": "pause"}, allow_redirects=False)
    assert paused.headers["Location"] == f"{link}?done=pause&lang=en"
    assert page_lang(await (await intake_client.get(paused.headers["Location"])).text()) == "en"
    refused = await intake_client.post(f"{link}/erase?lang=uk", data={})
    assert refused.status == 422 and page_lang(await refused.text()) == "uk"

    # Choosing another language for e-mails in the form changes the pages too.
    form = edit_form(page)
    saved = await intake_client.post(link, data={**form, "preferred_locale": "fr"}, allow_redirects=False)
    assert page_lang(await (await intake_client.get(saved.headers["Location"])).text()) == "fr"


async def test_a_language_picked_on_an_answer_page_stays_through_the_answer(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    mai = await _registered(intake_client, pool, "newcomers")  # chose Vietnamese
    match_id = await _introduced(pool, mai, await _registered(intake_client, pool, "mentors"))
    link = f"/respond/{SIGNER.sign(tokens.RESPOND, mid=str(match_id), pid=str(mai))}"
    page = await (await intake_client.get(f"{link}?lang=en")).text()
    assert page_lang(page) == "en" and f'action="{link}?lang=en"' in page
    answered = await intake_client.post(f"{link}?lang=en", data={"answer": "accept"}, allow_redirects=False)
    assert answered.status == 303 and answered.headers["Location"].endswith("&lang=en")
    assert page_lang(await (await intake_client.get(answered.headers["Location"])).text()) == "en"


async def test_the_deleted_and_gone_pages_speak_the_persons_language(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    participant_id = await _registered(intake_client, pool, "newcomers", preferred_locale="uk")
    link = manage_link(participant_id)
    erased = await intake_client.post(f"{link}/erase", data={"confirm": "yes"})
    assert erased.status == 200 and page_lang(await erased.text()) == "uk"
    for gone in (await intake_client.get(link), await intake_client.post(link, data={"action": "pause"})):
        assert gone.status == 410 and page_lang(await gone.text()) == "uk"


async def test_the_manage_page_shows_everything_given_and_a_newcomer_who_moved_says_so(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    participant_id = await _registered(intake_client, pool, "newcomers", country_of_origin="UA", arrival="abroad",
                                       preferred_locale="en")
    link = manage_link(participant_id)
    page = await (await intake_client.get(link)).text()
    form = edit_form(page)
    assert form["country_of_origin"] == "UA" and form["arrival"] == "abroad"
    assert '<option value="UA" selected>Ukraine</option>' in page  # a select of names (review 4, finding 15)
    # Consent times are Thuringia's, in the reader's format (review 4, finding 20), not UTC.
    await pool.execute("UPDATE consents SET recorded_at = '2026-11-24 00:53+00' WHERE participant_id = $1",
                       participant_id)
    text = " ".join(re.sub(r"<[^>]+>", "", await (await intake_client.get(link)).text()).split())
    when = "Nov 24, 2026, 1:53 AM"  # babel's narrow space before AM is whitespace to split()
    assert f"Consent to data processing: Given on {when} (text version {CONSENT_TEXT_VERSION})." in text
    assert f"Sharing your e-mail address: Given on {when} (text version {CONSENT_TEXT_VERSION})." in text
    german = " ".join(re.sub(r"<[^>]+>", "", await (await intake_client.get(f"{link}?lang=de")).text()).split())
    assert "Erteilt am 24.11.2026, 01:53 " in german and "UTC" not in german

    refused = await intake_client.post(link, data={**form, "country_of_origin": "UKR", "arrival": "home"})
    page = await refused.text()
    # The arrival group's link leads to its first radio (finding 12), as on the register form.
    assert refused.status == 422 and 'href="#country_of_origin"' in page and 'href="#arrival-abroad"' in page
    assert 'id="country_of_origin-error"' in page and "UKR" in page  # the summary echoes the refused code

    moved = await intake_client.post(link, data={**form, "country_of_origin": "pl", "arrival": "arrived"},
                                     allow_redirects=False)
    assert moved.status == 303
    profile = await pool.fetchval("SELECT profile FROM participants WHERE id = $1", participant_id)
    assert profile["arrival"] == "arrived" and profile["country_of_origin"] == "PL"
    event = await pool.fetchrow("SELECT payload FROM outbox WHERE type = 'participant.updated'")
    assert event is not None and event["payload"]["participant_id"] == str(participant_id)

    await intake_client.post(link, data={"action": "unshare"}, allow_redirects=False)
    page = await (await intake_client.get(link)).text()
    assert "Sharing your e-mail address: Withdrawn on " in " ".join(page.split())


async def test_a_refused_edit_has_the_register_forms_error_summary_on_one_connection(
    intake_client: IntakeClient, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finding 12 on the manage page: the summary takes focus without JavaScript, the title says
    Error, group links lead to a control. It is drawn from the post's own connection and row."""
    participant_id = await _registered(intake_client, pool, "newcomers", preferred_locale="en")
    link = manage_link(participant_id)
    form = edit_form(await (await intake_client.get(link)).text())
    acquired: list[object] = []
    loads: list[uuid.UUID] = []
    real_acquire, real_load = asyncpg.pool.Pool.acquire, self_service.load

    def counting_acquire(self: asyncpg.Pool, *args: Any, **kwargs: Any) -> Any:
        # The outbox relay and intake's scheduled jobs (those at midnight too: CI once crossed it)
        # share the pool and run when they like: only the request's own count, made from its handler.
        if any(frame.filename.endswith("web/manage.py") for frame in inspect.stack(0)):
            acquired.append(self)
        return real_acquire(self, *args, **kwargs)

    async def counting_load(conn: asyncpg.Connection, pid: uuid.UUID) -> asyncpg.Record:
        loads.append(pid)
        return await real_load(conn, pid)

    monkeypatch.setattr(asyncpg.pool.Pool, "acquire", counting_acquire)
    monkeypatch.setattr(self_service, "load", counting_load)
    refused = await intake_client.post(link, data={**form, "name": "", "needs": "nonsense", "arrival": "home",
                                                   "about": "Bald in Gera"})
    page = await refused.text()
    monkeypatch.undo()
    assert refused.status == 422 and (len(acquired), loads) == (1, [participant_id])
    assert "<title>Error: Your registration – Lotse</title>" in page
    summary = page[page.index('<div class="error-summary"'):]
    summary = summary[:summary.index("</div>")]
    assert 'autofocus' in summary and 'aria-labelledby="error-summary-title"' in summary
    assert 'href="#name"' in summary and 'href="#arrival-abroad"' in summary and 'href="#arrival"' not in summary
    assert re.search(r'href="#needs-[a-z_]+"', summary) and 'href="#needs"' not in summary
    assert 'id="arrival-abroad"' in page and "Bald in Gera</textarea>" in page  # the input is kept
    plain = await (await intake_client.get(link)).text()
    assert "<title>Your registration – Lotse</title>" in plain and "error-summary" not in plain


async def test_a_manage_error_names_the_language_row_the_person_sees(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    participant_id = await _registered(intake_client, pool, "mentors", preferred_locale="en")
    link = manage_link(participant_id)
    form = edit_form(await (await intake_client.get(link)).text())
    form |= {"languages-0-code": "", "languages-0-level": "", "languages-1-code": "de", "languages-1-level": ""}
    page = await (await intake_client.post(link, data=form)).text()
    assert 'href="#languages-1-level">Level of language 2:' in page and 'id="languages-1-level-error"' in page
    assert "languages-0-level-error" not in page


async def test_a_mentor_sees_and_changes_the_occupation_field(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    participant_id = await _registered(intake_client, pool, "mentors", occupation_field="it")
    link = manage_link(participant_id)
    page = await (await intake_client.get(link)).text()
    form = edit_form(page)
    assert form["occupation_field"] == "it"
    assert 'min="1" max="10" inputmode="numeric"' in page  # real attributes, not escaped text
    await intake_client.post(link, data={**form, "occupation_field": "crafts"}, allow_redirects=False)
    assert await _stored(pool, participant_id, "occupation_field") == "crafts"


async def test_the_erase_pages_missing_tick_is_tied_to_its_checkbox(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    participant_id = await _registered(intake_client, pool, "newcomers", preferred_locale="uk")
    erase = f"{manage_link(participant_id)}/erase"
    first = await (await intake_client.get(erase)).text()
    assert "aria-invalid" not in first and "confirm-error" not in first
    refused = await intake_client.post(erase, data={})
    page = await refused.text()
    assert refused.status == 422 and page_lang(page) == "uk"
    checkbox = re.search(r'<input type="checkbox" id="confirm"[^>]*>', page)
    assert checkbox and 'aria-describedby="confirm-error"' in checkbox.group(0)
    assert 'aria-invalid="true"' in checkbox.group(0) and 'id="confirm-error"' in page


async def test_a_newcomer_sees_and_changes_whether_online_meetings_are_fine(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    participant_id = await _registered(intake_client, pool, "newcomers", preferred_locale="uk")
    # Stored before newcomers were asked: shown as it is matched, accepting online.
    await pool.execute("UPDATE participants SET profile = profile - 'online_ok' WHERE id = $1", participant_id)
    link = manage_link(participant_id)
    page = await (await intake_client.get(link)).text()
    form = edit_form(page)
    assert form["online_ok"] == "on" and "Зустрічі з ментором онлайн мені теж підходять" in page

    saved = await intake_client.post(link, data={k: v for k, v in form.items() if k != "online_ok"},
                                     allow_redirects=False)
    assert saved.status == 303
    assert await _stored(pool, participant_id, "online_ok") is False
    assert "online_ok" not in edit_form(await (await intake_client.get(link)).text())
    event = await pool.fetchrow("SELECT payload FROM outbox WHERE type = 'participant.updated'")
    assert event is not None and event["payload"]["participant_id"] == str(participant_id)

    await intake_client.post(link, data={**form, "online_ok": "on"}, allow_redirects=False)
    assert await _stored(pool, participant_id, "online_ok") is True
