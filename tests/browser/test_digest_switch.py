"""Review 12, F10: a coordinator on a phone, JavaScript off, turns the overview e-mail off from the
header's link; the page says so (the message takes focus, as every dashboard message does) and the
box stays unticked, and the page fits the phone."""

from __future__ import annotations

import asyncpg
from playwright.async_api import Browser

from tests.browser.conftest import dashboard_without_javascript, focused, screenshot


async def test_the_overview_email_is_switched_off_from_the_header(browser: Browser, base_url: str,
                                                                  pool: asyncpg.Pool) -> None:
    async with dashboard_without_javascript(browser, base_url, pool) as page:
        await page.click("header a:has-text('Übersicht per E-Mail')")
        await page.wait_for_url("**/dashboard/account/digest")
        box = page.get_by_label("Die Übersicht per E-Mail an mich senden")
        assert await box.is_checked()
        await box.uncheck()
        await page.click("main button[type=submit]")
        await page.wait_for_url("**/dashboard/account/digest?msg=digest_off")
        focused_id, _ = await focused(page)
        assert focused_id == "flash" and "Sie bekommen keine Übersicht" in await page.inner_text("#flash")
        assert not await page.get_by_label("Die Übersicht per E-Mail an mich senden").is_checked()
        assert await page.evaluate("document.documentElement.scrollWidth") <= 390
        assert await page.get_attribute("header a[href='/dashboard/account/digest']", "aria-current") == "page"
        await screenshot(page, "dashboard-digest-switch")
