"""Without JavaScript a newcomer says on the form how far she would commute for a job, and later
widens it on her manage page (review finding: a job 101 km away was proposed to a family nobody
had asked)."""

from __future__ import annotations

import uuid

import asyncpg
from playwright.async_api import Browser

from tests.browser.conftest import without_javascript
from tests.browser.test_forms import fill_newcomer
from tests.integration.test_self_service import manage_link


async def test_a_newcomer_answers_how_far_she_would_commute_without_javascript(
    browser: Browser, base_url: str, pool: asyncpg.Pool
) -> None:
    async with without_javascript(browser, "de-DE") as page:
        await page.goto(f"{base_url}/register/newcomer")
        question = page.get_by_role("radiogroup", name="Wie weit würden Sie für eine Stelle pendeln?")
        assert await question.get_by_label("Egal – ich würde auch umziehen").is_checked()  # the default
        await fill_newcomer(page, "lan.commute@example.org")
        await question.get_by_label("Bis 50 km").check()
        await page.check("#consent_data_processing")
        await page.click("#register")
        await page.wait_for_url("**/register/newcomer/thanks")
        row = await pool.fetchrow("SELECT id, profile->'max_commute_km' AS km FROM participants"
                                  " WHERE email = 'lan.commute@example.org'")
        assert row["km"] == 50

        await pool.execute("UPDATE participants SET status = 'verified' WHERE id = $1", row["id"])
        await page.goto(f"{base_url}{manage_link(uuid.UUID(str(row['id'])))}")
        question = page.get_by_role("radiogroup", name="Wie weit würden Sie für eine Stelle pendeln?")
        assert await question.get_by_label("Bis 50 km").is_checked()
        await question.get_by_label("Egal – ich würde auch umziehen").check()
        await page.get_by_role("button", name="Änderungen speichern").click()
        await page.wait_for_url("**?done=edit")
        assert await pool.fetchval("SELECT profile->>'max_commute_km' FROM participants WHERE id = $1",
                                   row["id"]) is None
