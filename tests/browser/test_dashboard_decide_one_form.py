"""One form per suggestion in the review queue (review 8a, finding 8), used with JavaScript off:
Approve works with the reason box closed (the required reason does not hold it up), Reject is
inside "Ablehnen …" with its reason, and Enter in the note sends nothing by itself."""

from __future__ import annotations

import asyncpg
from playwright.async_api import Browser

from tests.browser.conftest import dashboard_without_javascript
from tests.browser.test_dashboard import two_waiting


async def test_approve_and_reject_from_the_one_form_without_javascript(browser: Browser, base_url: str,
                                                                       pool: asyncpg.Pool) -> None:
    _, first, second = await two_waiting(pool)
    async with dashboard_without_javascript(browser, base_url, pool) as page:
        search = await page.locator("#q").bounding_box()  # a text field as wide as the form's others
        assert search is not None and search["width"] >= 200, search
        card = page.locator(f"#match-{second}")
        approve_box = await card.locator("button:has-text('Freigeben')").bounding_box()
        summary_box = await card.locator("summary").bounding_box()
        assert approve_box and summary_box and summary_box["y"] - (approve_box["y"] + approve_box["height"]) >= 8
        assert not await card.locator("select[name=reason]").is_visible()  # closed until Reject is wanted
        await card.locator("summary").click()
        await card.locator("select[name=reason]").select_option("distance")
        note = card.locator("textarea[name=note]")
        await note.fill("Zu weit")
        await note.press("Enter")  # a new line in the note, not a decision
        await page.wait_for_timeout(300)
        assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", second) == "suggested"
        await card.locator("button:has-text('Ablehnen')").click()
        await page.wait_for_url("**msg=rejected**")
        row = await pool.fetchrow("SELECT status, end_reason, reason FROM matches WHERE id = $1", second)
        assert (row["status"], row["end_reason"]) == ("rejected", "distance") and "Zu weit" in row["reason"]

        await page.goto(f"{base_url}/dashboard")
        card = page.locator(f"#match-{first}")
        await card.locator("textarea[name=note]").fill("Telefoniert")
        await card.locator("button:has-text('Freigeben')").click()
        await page.wait_for_url("**msg=approved**")
        row = await pool.fetchrow("SELECT status, note FROM matches WHERE id = $1", first)
        assert tuple(row) == ("approved", "Telefoniert")
