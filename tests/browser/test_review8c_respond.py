"""The respond page opened from the introduction email's Yes or No (review 8c): switching the
language keeps the answer (finding 5), and on a phone the one button is on the first screen
(finding 6)."""

from __future__ import annotations

import asyncpg
import pytest
from playwright.async_api import Browser, Page

from lotse.shared import tokens
from tests.browser.conftest import screenshot
from tests.browser.test_narrow_phone import _registered
from tests.integration.intake_fixtures import newcomer_payload, provider_payload
from tests.integration.test_match_life import _link
from tests.integration.test_own_matches import _match


async def _course_answer_link(page: Page, base_url: str, pool: asyncpg.Pool, locale: str, answer: str) -> str:
    """The email's Yes or No link of a newcomer introduced to the reviewer's course, "Deutsch B1
    Abendkurs" of the "Volkshochschule Erfurt"."""
    newcomer = await _registered(page, base_url, pool, "newcomers", newcomer_payload(preferred_locale=locale))
    provider = await _registered(page, base_url, pool, "language-providers",
                                 provider_payload(organisation="Volkshochschule Erfurt"))
    course = await pool.fetchval("UPDATE courses SET title = 'Deutsch B1 Abendkurs' WHERE provider_id = $1 "
                                 "RETURNING id", provider)
    match_id = await _match(pool, "language_course", newcomer, course, "introduced")
    return f"{base_url}/respond/{_link(tokens.RESPOND, match_id, newcomer)}?answer={answer}"


async def _switch(page: Page, code: str) -> None:
    await page.select_option("#lang-switch", code)
    await page.click("header .language button")
    await page.wait_for_load_state()
    assert await page.get_attribute("html", "lang") == code


@pytest.mark.parametrize(("javascript", "locale", "answer", "to"),
                         [(False, "vi", "decline", "de"), (True, "de", "accept", "en")])
async def test_switching_the_language_keeps_the_answer_to_confirm(
    browser: Browser, base_url: str, pool: asyncpg.Pool, javascript: bool, locale: str, answer: str, to: str
) -> None:
    context = await browser.new_context(java_script_enabled=javascript, locale="de-DE")
    page = await context.new_page()
    try:
        await page.goto(await _course_answer_link(page, base_url, pool, locale, answer))
        assert await page.get_attribute("html", "lang") == locale
        assert await page.locator("main input[name=answer][type=hidden]").get_attribute("value") == answer
        await _switch(page, to)
        # Still the page to confirm this answer, in the new language, and the address says both.
        assert await page.locator("main input[name=answer][type=hidden]").get_attribute("value") == answer
        assert await page.locator("main input[type=radio]").count() == 0
        assert f"answer={answer}" in page.url and f"lang={to}" in page.url and page.url.count("answer=") == 1
        await screenshot(page, f"respond-switched-{answer}-{'js' if javascript else 'nojs'}")
        # And the answer sent from there is the one confirmed, the next page in the new language.
        await page.click("main form button[type=submit]")
        await page.wait_for_url("**/done**")
        assert await page.get_attribute("html", "lang") == to
        assert f"answer={answer}" in page.url
        # The done page's own query (status, answer) survives a switch too.
        before = page.url.split("?")[1].split("&")
        await _switch(page, locale)
        after = page.url.split("?")[1].split("&")
        assert sorted(p for p in after if not p.startswith("lang=")) == sorted(
            p for p in before if not p.startswith("lang="))
    finally:
        await context.close()


@pytest.mark.parametrize("locale", ["vi", "uk"])
@pytest.mark.parametrize("answer", ["decline", "accept"])
async def test_on_a_phone_the_button_that_sends_the_answer_is_on_the_first_screen(
    browser: Browser, base_url: str, pool: asyncpg.Pool, locale: str, answer: str
) -> None:
    context = await browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844})
    page = await context.new_page()
    try:
        await page.goto(await _course_answer_link(page, base_url, pool, locale, answer))
        assert await page.get_attribute("html", "lang") == locale
        await screenshot(page, f"respond-phone-{answer}-{locale}")
        box = await page.locator("main form button[type=submit]").bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= 844, f"the button ends at {box['y'] + box['height']} px"
        # The match is still named: below the heading, in normal text.
        assert "Deutsch B1 Abendkurs" in await page.inner_text("main .notice", timeout=2000)
    finally:
        await context.close()
