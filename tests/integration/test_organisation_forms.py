"""Employers and course providers register as organisations: every required course or position field
marked, a way to add more courses or positions said on the form, the thanks page and the confirmation
e-mail, questions about the organisation rather than the person, and which name the e-mails greet."""

from __future__ import annotations

import re
import uuid
from typing import Any

import asyncpg
import pytest

from lotse.notifier.consumer import NotifierConsumer
from lotse.shared import events
from lotse.shared.i18n import SOURCE_LOCALE, SUPPORTED_LOCALES
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import employer_payload, provider_payload
from tests.integration.notifier_fixtures import FastRetries, deliver_all, delivery, sink, smtp_settings, to
from tests.integration.test_self_service import _registered, manage_link

__all__ = ["delivery", "sink", "smtp_settings"]  # fixtures used by name

COURSE_FIELDS = ("title", "level", "schedule", "format", "district", "seats", "starts_on")
POSITION_FIELDS = ("title", "occupation_field", "openings", "min_german_level")


def _marked_required(html: str, control: str) -> bool:
    """The control's label ends in the visible `*` and the control says it is required."""
    label = re.search(rf'<label for="{control}">[^<]*<span aria-hidden="true">\*</span></label>', html)
    tag = re.search(rf'<(?:input|select)[^>]* id="{control}"[^>]*>', html)
    return bool(label and tag and 'aria-required="true"' in tag[0])


async def _form(intake_client: IntakeClient, segment: str, lang: str = "en") -> str:
    page = await intake_client.get(f"/register/{segment}?lang={lang}")
    assert page.status == 200
    return await page.text()


async def test_a_course_provider_sees_required_course_fields_and_how_to_add_more(intake_client: IntakeClient) -> None:
    html = await _form(intake_client, "language-provider")
    assert "<legend>Course 1</legend>" in html
    assert all(_marked_required(html, f"courses-0-{field}") for field in COURSE_FIELDS)
    assert not _marked_required(html, "courses-0-childcare")  # optional, and a checkbox
    assert "More than one course? Press “Add another course”, now or later on your page" in html
    assert 'name="add_row" value="courses"' in html  # the button that says so, without JavaScript


async def test_an_employer_sees_required_position_fields_and_how_to_add_more(intake_client: IntakeClient) -> None:
    html = await _form(intake_client, "employer")
    assert all(_marked_required(html, f"positions-0-{field}") for field in POSITION_FIELDS)
    assert "More than one position? Press “Add another position”" in html


@pytest.mark.parametrize("segment", ["employer", "language-provider"])
async def test_an_organisation_is_asked_about_the_organisation_not_its_hobbies(
    intake_client: IntakeClient, segment: str
) -> None:
    html = await _form(intake_client, segment)
    assert "what you enjoy" not in html and "Include German, even if you are just starting" not in html
    assert "Languages spoken in your organisation" in html and '<label for="about">About your organisation' in html
    assert "what your organisation does and what newcomers can expect" in html
    # The error summary names the field in the same words.
    broken = await intake_client.post(f"/register/{segment}?lang=en", data={"about": "x" * 2001})
    assert broken.status == 422
    assert re.search(r'<a href="#about">About your organisation: ', await broken.text())


async def test_an_organisation_s_manage_page_asks_about_the_organisation(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    employer = await _registered(intake_client, pool, "employers", preferred_locale="en")
    page = await (await intake_client.get(manage_link(employer))).text()
    assert '<label for="about">About your organisation' in page and "About you<" not in page


async def test_people_keep_their_own_questions(intake_client: IntakeClient) -> None:
    html = await _form(intake_client, "newcomer")
    assert "what you enjoy" in html and "Include German, even if you are just starting" in html
    assert "Languages spoken in your organisation" not in html and "More than one course?" not in html


async def test_the_employer_form_says_which_name_the_e_mails_greet(intake_client: IntakeClient) -> None:
    html = await _form(intake_client, "employer")
    assert re.search(r'<label for="name">Your name.*?</label>\s*<p class="hint" id="name-hint">The person filling '
                     r"in this form\. Our e-mails go to you and greet you by this name\.</p>", html)
    assert re.search(r'<label for="contact_name">Contact person.*?</label>\s*<p class="hint" id="contact_name-hint">'
                     r"Who newcomers can ask about your positions\. This can be you\.</p>", html)
    assert 'aria-describedby="name-hint"' in html


@pytest.mark.parametrize("locale", [locale for locale in SUPPORTED_LOCALES if locale != SOURCE_LOCALE])
async def test_the_organisation_wording_is_translated(intake_client: IntakeClient, locale: str) -> None:
    english = await _form(intake_client, "employer")
    local = await _form(intake_client, "employer", locale)
    for text in ("Languages spoken in your organisation", "About your organisation",
                 "Our e-mails go to you and greet you by this name.", "More than one position?"):
        assert text in english and text not in local, (locale, text)


@pytest.mark.parametrize(("segment", "says"), [
    ("language-provider", "you can add more courses or change them on your page"),
    ("employer", "you can add more positions or change them on your page"),
])
async def test_the_thanks_page_says_more_can_be_added_later(intake_client: IntakeClient, segment: str,
                                                            says: str) -> None:
    page = await (await intake_client.get(f"/register/{segment}/thanks?lang=en")).text()
    assert says in page
    assert "you can add more" not in await (await intake_client.get("/register/newcomer/thanks?lang=en")).text()


@pytest.mark.parametrize(("path", "body", "says"), [
    ("/api/v1/language-providers", provider_payload, "To add a course, change its seats or close it, use your page:"),
    ("/api/v1/employers", employer_payload, "To add a position, change its openings or close it, use your page:"),
])
async def test_the_confirmation_e_mail_says_where_to_add_more(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any,
    path: str, body: Any, says: str,
) -> None:
    payload = body(preferred_locale="en")
    created = await intake_client.post(path, json=payload)
    assert created.status == 201, await created.text()
    participant_id = uuid.UUID((await created.json())["id"])
    notifier = NotifierConsumer(pool, None, lambda: None)
    async with pool.acquire() as conn, conn.transaction():
        confirmed = events.new_event(events.NOTIFICATION_REQUESTED, notification="registration_confirmed",
                                     participant_id=str(participant_id))
        await notifier.handle(conn, confirmed)
    await deliver_all(delivery)
    [mail] = [m for m in to(sink, payload["email"]) if m.headers["Subject"] == "Lotse: Your registration is confirmed"]
    assert says in mail.text and says in (mail.html or "")
    assert re.search(rf"{re.escape(says)}\r?\n\S*/manage/", mail.text)  # the link on a line of its own
