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
