"""Review finding 19: a newcomer who starts in German and switches the language halfway keeps
what she typed, with JavaScript and without (the switcher belongs to the form: form=)."""

from __future__ import annotations

import asyncpg
import pytest
from playwright.async_api import Browser

from tests.browser.conftest import screenshot


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
