"""The manage page's edit form gives the registration form's context (review 8b, finding 7): the
"Your situation" and "Your household" fieldsets with their legends, the children's ages hint,
language rows grouped, and the error summary above every field it names (the new address too)."""

from __future__ import annotations

import re

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.test_self_service import _registered, manage_link


def _fieldset(page: str, legend: str) -> str:
    """The fieldset's content up to its own end: groups of radios or checkboxes nest fieldsets in it."""
    found = re.search(r"<fieldset[^>]*>\s*<legend>" + re.escape(legend) + r"</legend>", page)
    assert found, legend
    depth = 1
    for tag in re.finditer(r"<(/?)fieldset\b", page[found.end():]):
        depth += -1 if tag[1] else 1
        if depth == 0:
            return page[found.end():found.end() + tag.start()]
    raise AssertionError(f"{legend}: no end")


async def test_the_edit_form_has_the_registration_forms_groups(intake_client: IntakeClient,
                                                               pool: asyncpg.Pool) -> None:
    participant_id = await _registered(intake_client, pool, "newcomers", preferred_locale="vi")
    page = await (await intake_client.get(f"{manage_link(participant_id)}?lang=en")).text()
    form = page[page.index('id="edit-form"'):]
    household = _fieldset(form, "Your household")
    assert 'id="partner"' in household and 'id="partner_seeks_work"' in household
    hint = re.search(r'<p class="hint" id="children_ages-hint">([^<]*)</p>', household)
    assert hint and "for example: 4, 9" in hint.group(1)
    ages = re.search(r'<input type="text" id="children_ages"[^>]*>', household)
    assert ages and 'aria-describedby="children_ages-hint"' in ages.group(0)
    situation = _fieldset(form, "Your situation")
    assert 'id="country_of_origin"' in situation and 'id="arrival"' in situation
    languages = form[form.index('<fieldset id="languages">'):form.index('<fieldset>')]
    # Review L5c: a row per language, named by its legend, its labels plain.
    rows = re.findall(r'<fieldset class="language-row">\s*<legend>Language (\d)</legend>\s*'
                      r'<label for="languages-(\d)-code">Language</label>.*?'
                      r'<label for="languages-\2-level">Level</label>',
                      languages, re.S)
    assert rows == [("1", "0"), ("2", "1"), ("3", "2"), ("4", "3")]


async def test_a_refused_new_address_is_below_the_summary(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    participant_id = await _registered(intake_client, pool, "newcomers", preferred_locale="uk")
    refused = await intake_client.post(manage_link(participant_id),
                                       data={"action": "email_change", "new_email": "olena@gmial"})
    assert refused.status == 422
    page = await refused.text()
    assert 'href="#new_email"' in page
    assert page.index('id="error-summary"') < page.index('id="new_email"')
