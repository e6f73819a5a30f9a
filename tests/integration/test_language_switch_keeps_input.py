"""Review finding 19: switching the page's language halfway through a form keeps what was typed.

The header's switcher belongs to the page's form (form=), so "Change language" posts the form with
`switch_lang`: the same form comes back in the new language, filled in as sent, with no errors
shown and nothing stored. Plain form posts here, as a browser without JavaScript sends them."""

from __future__ import annotations

import re

import asyncpg
import pytest

from tests.conftest import IntakeClient
from tests.integration.test_self_service import _registered, manage_link, page_lang
from tests.integration.test_web_forms import NEWCOMER_FORM

SWITCH_TO_UK = {"switch_lang": "1", "lang": "uk"}


def _value(html: str, field: str) -> str:
    found = re.search(rf'<input type="[a-z]+" id="{field}" name="{field}" value="([^"]*)"', html)
    assert found, field
    return found.group(1)


async def test_the_newcomer_switches_language_halfway_and_keeps_what_she_typed(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    half = {k: v for k, v in NEWCOMER_FORM.items() if k not in ("consent_data_processing", "about")}
    half["email"] = "lan-at-example"  # not yet an address: no error may be shown for it
    switched = await intake_client.post("/register/newcomer?lang=de", data={**half, **SWITCH_TO_UK})
    assert switched.status == 200
    html = await switched.text()
    assert '<html lang="uk" dir="ltr">' in html
    assert "<h1>Реєстрація для новоприбулих</h1>" in html and ">Змінити мову</button>" in html
    assert '<option value="uk" lang="uk" selected>' in html  # the switcher shows the new language
    assert _value(html, "name") == "Nguyễn Thị Lan" and _value(html, "email") == "lan-at-example"
    assert _value(html, "children_ages") == "4"
    assert '<option value="16052" selected>' in html and '<option value="nursing" selected>' in html
    assert 'value="childcare" checked' in html and 'value="abroad" checked' in html
    assert re.search(r'id="wants_mentor" name="wants_mentor" value="on" checked', html)
    assert re.search(r'id="consent_data_processing" name="consent_data_processing" value="on">', html)  # unticked
    assert "error-summary" not in html and 'aria-invalid="true"' not in html and 'class="error"' not in html
    assert await pool.fetchval("SELECT count(*) FROM participants") == 0
    # Remembered like ?lang=, and the form now posts in the new language.
    assert "lotse_locale=uk" in switched.headers.get("Set-Cookie", "")
    assert '<form method="post" action="/register/newcomer?lang=uk" id="register-form"' in html

    done = await intake_client.post("/register/newcomer?lang=uk", data=NEWCOMER_FORM, allow_redirects=False)
    assert done.status == 303  # the kept form registers as usual
    assert await pool.fetchval("SELECT count(*) FROM participants") == 1


@pytest.mark.parametrize(
    ("segment", "typed"),
    [
        ("mentor", {"name": "Ivan Petrenko", "capacity": "2"}),
        (
            "employer",
            {
                "organisation": "Pflege Gera GmbH",
                "positions-0-title": "Pflegefachkraft",
                "positions-1-title": "Koch",
                "positions-1-openings": "3",
            },
        ),
        ("language-provider", {"organisation": "VHS Jena", "courses-0-title": "Deutsch B1"}),
    ],
)
async def test_every_registration_form_keeps_its_input_on_switching(
    intake_client: IntakeClient, pool: asyncpg.Pool, segment: str, typed: dict[str, str]
) -> None:
    switched = await intake_client.post(f"/register/{segment}", data={**typed, **SWITCH_TO_UK})
    assert switched.status == 200
    html = await switched.text()
    assert page_lang(html) == "uk" and "error-summary" not in html
    for field, value in typed.items():
        assert _value(html, field) == value
    assert await pool.fetchval("SELECT count(*) FROM participants") == 0


async def test_the_manage_page_keeps_unsaved_edits_on_switching(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    participant_id = await _registered(intake_client, pool, "newcomers", preferred_locale="de")
    stored = await pool.fetchval("SELECT name FROM participants WHERE id = $1", participant_id)
    link = manage_link(participant_id)
    page = await (await intake_client.get(link)).text()
    assert page_lang(page) == "de" and 'id="edit-form"' in page

    switched = await intake_client.post(
        f"{link}?lang=de",
        data={
            "action": "edit",
            "name": "",
            "about": "Noch nicht gespeichert",
            "district": "16053",
            "country_of_origin": "SY",
            "languages-0-code": "ar",
            "languages-0-level": "native",
            **SWITCH_TO_UK,
        },
    )
    assert switched.status == 200
    html = await switched.text()
    assert page_lang(html) == "uk"  # the switch beats both the person's language and the old ?lang=
    assert _value(html, "name") == ""  # emptied, not yet saved: no "required" shown either
    assert ">Noch nicht gespeichert</textarea>" in html
    assert "error-summary" not in html and 'class="error"' not in html
    assert f'<form method="post" action="{link}?lang=uk" id="edit-form"' in html
    row = await pool.fetchrow("SELECT name, about, district FROM participants WHERE id = $1", participant_id)
    assert row["name"] == stored and row["about"] != "Noch nicht gespeichert" and row["district"] != "16053"


def _email_language(html: str) -> str:
    select = html[html.index('<select id="preferred_locale"'):]
    found = re.search(r'<option value="([a-z-]+)"[^>]* selected', select[:select.index("</select>")])
    assert found
    return found.group(1)


async def test_the_email_language_follows_a_switch_until_the_person_chooses_it(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """Review round 6, finding 1: "Language for e-mails" defaults to the page's language; a switch
    kept that default, so a newcomer who switched from German to Vietnamese got every e-mail in German."""
    first = await (await intake_client.get("/register/newcomer", headers={"Accept-Language": "de"})).text()
    assert _email_language(first) == "de" and '<input type="hidden" name="page_locale" value="de">' in first
    typed = {k: v for k, v in NEWCOMER_FORM.items() if k != "preferred_locale"}
    switched = await intake_client.post(
        "/register/newcomer", data={**typed, "preferred_locale": "de", "page_locale": "de", "switch_lang": "1",
                                    "lang": "vi"}, headers={"Accept-Language": "de"})
    html = await switched.text()
    assert page_lang(html) == "vi" and _email_language(html) == "vi"
    assert '<input type="hidden" name="page_locale" value="vi">' in html

    # Chosen on purpose (not the page's language): kept through a switch, and a second one.
    chosen = await intake_client.post(
        "/register/newcomer?lang=vi", data={**typed, "preferred_locale": "ru", "page_locale": "vi",
                                            "switch_lang": "1", "lang": "uk"})
    assert _email_language(await chosen.text()) == "ru"

    # Registering from the switched page: the verification e-mail (and every later one) is in Vietnamese.
    as_shown = {**typed, "preferred_locale": _email_language(html), "page_locale": "vi"}
    done = await intake_client.post("/register/newcomer?lang=vi", data=as_shown, allow_redirects=False)
    assert done.status == 303
    row = await pool.fetchrow("SELECT id, preferred_locale FROM participants WHERE email = $1", NEWCOMER_FORM["email"])
    assert row["preferred_locale"] == "vi"  # the notifier writes in the stored language (notifier.compose)
    registered = await pool.fetchval("SELECT count(*) FROM outbox WHERE type = 'participant.registered'")
    assert registered == 1


def _edit_form(**typed: str) -> dict[str, str]:
    """The edit form as the page sends it, the address field included (it belongs to that form)."""
    return {"name": "Lan Nguyen", "about": "", "district": "16053", "country_of_origin": "VN",
            "languages-0-code": "vi", "languages-0-level": "native", **typed}


async def test_a_typed_new_address_survives_a_switch_on_the_manage_page(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """Review round 6, finding 6: the switcher sends the edit form, and the new-address field was a
    form of its own, so what was typed there was lost. It now belongs to the edit form (form=)."""
    participant_id = await _registered(intake_client, pool, "newcomers", preferred_locale="vi")
    link = manage_link(participant_id)
    page = await (await intake_client.get(link)).text()
    field = re.search(r'<input type="email" id="new_email"[^>]*>', page)
    assert field and 'form="edit-form"' in field.group(0)
    button = re.search(r'<button[^>]*value="email_change"[^>]*>', page)
    assert button and 'form="edit-form"' in button.group(0) and 'name="action"' in button.group(0)

    switched = await intake_client.post(link, data={**_edit_form(new_email="lan.moi@example.org"), **SWITCH_TO_UK})
    html = await switched.text()
    assert page_lang(html) == "uk" and _value(html, "new_email") == "lan.moi@example.org"
    assert await pool.fetchval("SELECT count(*) FROM email_changes") == 0


async def test_saving_with_a_new_address_typed_also_asks_for_the_change(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """One form now, so Enter in the address field (the header's unnamed default button, no action)
    or "Save changes" after typing an address must not drop it."""
    participant_id = await _registered(intake_client, pool, "newcomers", preferred_locale="vi")
    link = manage_link(participant_id)

    refused = await intake_client.post(link, data=_edit_form(name="Lan N.", new_email="lan@gmial"))
    assert refused.status == 422  # nothing saved, the edits still typed
    html = await refused.text()
    assert 'id="new_email-error"' in html and _value(html, "name") == "Lan N."
    assert await pool.fetchval("SELECT name FROM participants WHERE id = $1", participant_id) != "Lan N."

    saved = await intake_client.post(link, data=_edit_form(name="Lan N.", new_email="lan.moi@example.org"),
                                     allow_redirects=False)
    assert saved.status == 303 and "done=email_change" in saved.headers["Location"]
    assert await pool.fetchval("SELECT name FROM participants WHERE id = $1", participant_id) == "Lan N."
    assert await pool.fetchval("SELECT new_email FROM email_changes WHERE participant_id = $1",
                               participant_id) == "lan.moi@example.org"
