"""Olena's manage link has expired: from the broken-link page she asks for a new one, in
Ukrainian, without JavaScript, and the page says the same as for an address nobody registered."""

from __future__ import annotations

import asyncpg
from playwright.async_api import Browser

from lotse.shared.events import NOTIFICATION_REQUESTED
from tests.browser.conftest import without_javascript
from tests.integration.intake_fixtures import newcomer_payload


async def test_a_new_link_is_asked_for_from_a_broken_link_without_javascript(
    browser: Browser, base_url: str, pool: asyncpg.Pool
) -> None:
    async with without_javascript(browser, "uk-UA") as page:
        created = await page.request.post(f"{base_url}/api/v1/newcomers",
                                          data=newcomer_payload(email="olena.newlink@example.org",
                                                                preferred_locale="uk"))
        assert created.status == 201
        olena = (await created.json())["id"]
        asked = "SELECT count(*) FROM outbox WHERE type = $1 AND payload->>'participant_id' = $2"
        before = await pool.fetchval(asked, NOTIFICATION_REQUESTED, olena)

        await page.goto(f"{base_url}/manage/not-a-valid-token")
        await page.get_by_role("link", name="Отримати нове посилання на вашу реєстрацію").first.click()
        await page.wait_for_url("**/new-link**")
        await page.fill("#email", "olena.newlink@example")  # mistyped: kept, the field named
        await page.press("#email", "Enter")
        assert await page.input_value("#email") == "olena.newlink@example"
        assert await page.locator("#email-error").is_visible()
        await page.fill("#email", "olena.newlink@example.org")
        await page.press("#email", "Enter")
        await page.wait_for_url("**/new-link/sent**")
        known = await page.inner_text("main")
        assert await pool.fetchval(asked, NOTIFICATION_REQUESTED, olena) == before + 1

        await page.goto(f"{base_url}/new-link")
        await page.fill("#email", "nobody.newlink@example.org")
        await page.press("#email", "Enter")
        await page.wait_for_url("**/new-link/sent**")
        assert await page.inner_text("main") == known  # tells nobody who is registered
