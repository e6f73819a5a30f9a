"""Without JavaScript, on a 320 px phone, فاطمه حسینی gives her name in Latin letters on the form
(review 8f, finding 3): the field follows the name with its hint, keeps what she typed after an
error, and her manage page shows it for editing."""

from __future__ import annotations

import uuid

import asyncpg
from playwright.async_api import Browser

from tests.browser.conftest import without_javascript
from tests.browser.test_forms import fill_newcomer
from tests.integration.test_self_service import manage_link

LABEL = "Your name in Latin letters, as in your passport"


async def test_she_gives_her_latin_name_without_javascript(
    browser: Browser, base_url: str, pool: asyncpg.Pool
) -> None:
    async with without_javascript(browser, "en-GB") as page:
        await page.set_viewport_size({"width": 320, "height": 700})
        await page.goto(f"{base_url}/register/newcomer")
        field = page.get_by_label(LABEL)
        assert await field.get_attribute("aria-describedby") == "name_latin-hint"
        assert "Only if your name is not written in Latin letters" in await page.inner_text("#name_latin-hint")
        await fill_newcomer(page, "fatima.hosseini@example.org")
        await page.fill("#name", "فاطمه حسینی")
        await field.fill("Fatemeh Hosseini")
        await page.click("#register")  # no consent ticked: the form comes back with what she typed
        assert await page.get_by_label(LABEL).input_value() == "Fatemeh Hosseini"
        assert await page.evaluate("document.documentElement.scrollWidth") <= 320
        await page.check("#consent_data_processing")
        await page.click("#register")
        await page.wait_for_url("**/register/newcomer/thanks")
        row = await pool.fetchrow("SELECT id, profile->>'name_latin' AS latin FROM participants")
        assert row["latin"] == "Fatemeh Hosseini"

        await pool.execute("UPDATE participants SET status = 'verified' WHERE id = $1", row["id"])
        await page.goto(f"{base_url}{manage_link(uuid.UUID(str(row['id'])))}")
        assert await page.get_by_label(LABEL).input_value() == "Fatemeh Hosseini"
