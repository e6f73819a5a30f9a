"""Review finding 19: a newcomer who starts in German and switches the language halfway keeps
what she typed, with JavaScript and without (the switcher belongs to the form: form=)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import asyncpg
import pytest
from playwright.async_api import Browser, Page

from tests.browser.conftest import screenshot
from tests.browser.test_forms import fill_newcomer
from tests.browser.test_narrow_phone import _registered
from tests.integration.intake_fixtures import employer_payload, provider_payload
from tests.integration.test_self_service import manage_link


@pytest.mark.parametrize("javascript", [False, True])
async def test_switching_the_language_halfway_keeps_the_input(
    browser: Browser, base_url: str, pool: asyncpg.Pool, javascript: bool
) -> None:
    context = await browser.new_context(java_script_enabled=javascript, locale="de-DE")
    page = await context.new_page()
    try:
        await page.goto(f"{base_url}/register/newcomer")
        assert await page.get_attribute("html", "lang") == "de"
        await page.fill("#name", "Olena Kovalenko")
        await page.fill("#email", "olena.switch")  # not an address yet: no error may show
        await page.select_option("#district", "16053")
        await page.select_option("#languages-0-code", "uk")
        await page.check("#needs-childcare")
        await page.fill("#about", "Ich bin Lehrerin.")

        # Keyboard order in the header as before: brand, language list, its button (Enter's hidden
        # "Register" copy up there is no tab stop).
        await page.focus("header .brand")
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.id") == "lang-switch"
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.name") == "switch_lang"

        await page.select_option("#lang-switch", "uk")
        await page.click("header button[name=switch_lang]")
        await page.wait_for_load_state()
        assert await page.get_attribute("html", "lang") == "uk"
        assert await page.input_value("#name") == "Olena Kovalenko"
        assert await page.input_value("#email") == "olena.switch"
        assert await page.input_value("#district") == "16053"
        assert await page.input_value("#languages-0-code") == "uk"
        assert await page.is_checked("#needs-childcare")
        assert await page.input_value("#about") == "Ich bin Lehrerin."
        assert await page.input_value("#lang-switch") == "uk"
        assert await page.locator("#error-summary").count() == 0
        assert await page.locator(".error").count() == 0
        await screenshot(page, f"language-switched-{'js' if javascript else 'nojs'}")
    finally:
        await context.close()
    assert await pool.fetchval("SELECT count(*) FROM participants") == 0


async def _switch(page: Page, code: str) -> None:
    await page.select_option("#lang-switch", code)
    await page.click("header button[name=switch_lang]")
    await page.wait_for_load_state()
    assert await page.get_attribute("html", "lang") == code


async def _register(page: Page, email: str) -> None:
    await fill_newcomer(page, email)
    await page.check("#consent_data_processing")
    await page.click("#register")
    await page.wait_for_url("**/register/newcomer/thanks**")


@pytest.mark.parametrize("javascript", [False, True])
async def test_after_switching_de_to_vi_the_emails_come_in_vietnamese(
    browser: Browser, base_url: str, pool: asyncpg.Pool, javascript: bool
) -> None:
    """Review round 6, finding 1: "Language for e-mails" was the first page's default and stayed
    German after the switch; the verification e-mail and every later one follow the stored choice."""
    email = f"lan.switch.{'js' if javascript else 'nojs'}@example.org"
    context = await browser.new_context(java_script_enabled=javascript, locale="de-DE")
    page = await context.new_page()
    try:
        await page.goto(f"{base_url}/register/newcomer")
        assert await page.input_value("#preferred_locale") == "de"
        await page.fill("#name", "Nguyễn Thị Lan")
        await _switch(page, "vi")
        assert await page.input_value("#preferred_locale") == "vi"
        await _register(page, email)
    finally:
        await context.close()
    # The notifier writes every e-mail, the verification first, in this stored language.
    assert await pool.fetchval("SELECT preferred_locale FROM participants WHERE email = $1", email) == "vi"


async def test_the_address_bar_shows_the_language_switched_to_with_javascript(
    browser: Browser, base_url: str, pool: asyncpg.Pool
) -> None:
    """Review round 6, finding 7: a switch is a form post, so the address kept the old ?lang=; with
    JavaScript it now shows the new one (static/language.js), and a reload is a plain GET in it.
    Without JavaScript the address stays as it was (known, see _language.html)."""
    context = await browser.new_context(locale="de-DE")
    page = await context.new_page()
    try:
        await page.goto(f"{base_url}/register/newcomer?lang=uk")
        await page.fill("#name", "Olena Kovalenko")
        await page.select_option("#lang-switch", "vi")
        await page.click("header button[name=switch_lang]")
        await page.wait_for_url("**/register/newcomer?lang=vi")
        assert await page.get_attribute("html", "lang") == "vi"
        assert await page.input_value("#name") == "Olena Kovalenko"
        methods: list[str] = []
        page.on("request", lambda sent: methods.append(sent.method) if sent.resource_type == "document" else None)
        await page.reload()
        assert methods == ["GET"] and await page.get_attribute("html", "lang") == "vi"

        # Unchanged where nothing was switched: a page opened without ?lang= keeps its address.
        await page.goto(f"{base_url}/register/mentor")
        assert page.url == f"{base_url}/register/mentor"
    finally:
        await context.close()


@pytest.mark.parametrize("javascript", [False, True])
async def test_the_manage_page_keeps_a_typed_new_address_on_switching(
    browser: Browser, base_url: str, pool: asyncpg.Pool, javascript: bool
) -> None:
    """Review round 6, finding 6: the new-address field belongs to the form the switcher sends."""
    created = await pool.fetchval("SELECT count(*) FROM participants")
    context = await browser.new_context(java_script_enabled=javascript, locale="vi-VN")
    page = await context.new_page()
    try:
        email = f"lan.manage.{'js' if javascript else 'nojs'}@example.org"
        await page.goto(f"{base_url}/register/newcomer")
        await _register(page, email)
        participant_id = await pool.fetchval("SELECT id FROM participants WHERE email = $1", email)
        await page.goto(f"{base_url}{manage_link(uuid.UUID(str(participant_id)))}")
        await page.fill("#name", "Lan Nguyen")
        await page.fill("#new_email", "lan.moi@example.org")
        await _switch(page, "en")
        assert await page.input_value("#name") == "Lan Nguyen"
        assert await page.input_value("#new_email") == "lan.moi@example.org"
        assert (await pool.fetchval("SELECT count(*) FROM email_changes")) == 0

        # Enter in the address field asks for the change (the edit form's default button).
        await page.focus("#new_email")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**done=email_change**")
        assert await page.get_attribute("html", "lang") == "en"
    finally:
        await context.close()
    assert await pool.fetchval("SELECT count(*) FROM participants") == created + 1
    assert await pool.fetchval("SELECT new_email FROM email_changes WHERE participant_id = $1",
                               participant_id) == "lan.moi@example.org"


# What is typed into the manage page's "add" form: field id -> (value, how it is put in).
ADD_COURSE = {"courses-0-title": "Deutsch A2 am Abend", "courses-0-level": "A2", "courses-0-schedule": "evening",
              "courses-0-format": "in_person", "courses-0-district": "16053", "courses-0-seats": "8"}
SOON = (date.today() + timedelta(days=20)).isoformat()
ADD_POSITION = {"positions-0-title": "Pflegehelfer/in", "positions-0-occupation_field": "nursing",
                "positions-0-openings": "2", "positions-0-min_german_level": "A2"}


@pytest.mark.parametrize("javascript", [False, True])
@pytest.mark.parametrize(("segment", "typed", "table"), [
    ("language-providers", ADD_COURSE, "courses"), ("employers", ADD_POSITION, "positions")])
async def test_the_manage_page_keeps_a_typed_course_or_position_on_switching(
    browser: Browser, base_url: str, pool: asyncpg.Pool, javascript: bool, segment: str, typed: dict[str, str],
    table: str,
) -> None:
    """The "add a course/position" form was a form of its own, which the switcher does not send:
    a switch lost what was typed there. Its fields now belong to the form the switcher sends."""
    context = await browser.new_context(java_script_enabled=javascript, locale="de-DE")
    page = await context.new_page()
    try:
        payload = provider_payload if segment == "language-providers" else employer_payload
        owner = await _registered(page, base_url, pool, segment, payload())
        before = await pool.fetchval(f"SELECT count(*) FROM {table}")
        await page.goto(f"{base_url}{manage_link(owner)}")
        assert await page.get_attribute("html", "lang") == "de"
        for field, value in typed.items():
            if await page.locator(f"select#{field}").count():
                await page.select_option(f"#{field}", value)
            else:
                await page.fill(f"#{field}", value)
        if table == "courses":
            await page.check("#courses-0-childcare")
            await page.fill("#courses-0-starts_on", SOON)
        await page.fill("#name", "Anna Neumann")  # the main form keeps its input as before

        await _switch(page, "uk")
        for field, value in typed.items():
            assert await page.input_value(f"#{field}") == value, field
        if table == "courses":
            assert await page.is_checked("#courses-0-childcare")
            assert await page.input_value("#courses-0-starts_on") == SOON
        assert await page.input_value("#name") == "Anna Neumann"
        assert await page.locator(".error").count() == 0
        assert await pool.fetchval(f"SELECT count(*) FROM {table}") == before  # nothing stored on a switch

        # Its own button still adds it, in the language switched to.
        await page.click("#add-offer button[value=offer_add]")
        await page.wait_for_url("**done=offer_add**")
        assert await page.get_attribute("html", "lang") == "uk"
        await screenshot(page, f"manage-add-{table}-switched-{'js' if javascript else 'nojs'}")
    finally:
        await context.close()
    title = typed[f"{table}-0-title"]
    assert await pool.fetchval(f"SELECT count(*) FROM {table} WHERE title = $1", title) == 1
