"""Lan starts at the hospital in Gera with a contract: without JavaScript she says on the form that
she is not looking for a job, and later changes her mind on her manage page (review 4, finding 9)."""

from __future__ import annotations

import uuid

import asyncpg
from playwright.async_api import Browser

from tests.browser.conftest import without_javascript
from tests.browser.test_forms import fill_newcomer
from tests.integration.test_self_service import manage_link


async def test_a_newcomer_with_a_contract_unticks_looking_for_a_job_without_javascript(
    browser: Browser, base_url: str, pool: asyncpg.Pool
) -> None:
    async with without_javascript(browser, "de-DE") as page:
        await page.goto(f"{base_url}/register/newcomer")
        looking = page.get_by_label("Ich suche selbst eine Arbeitsstelle")
        assert await looking.is_checked()  # the default: see docs/decisions.md
        await fill_newcomer(page, "lan.contract@example.org")
        await looking.uncheck()
        await page.check("#consent_data_processing")
        await page.click("#register")
        await page.wait_for_url("**/register/newcomer/thanks")
        row = await pool.fetchrow("SELECT id, profile->'seeks_work' AS seeks_work FROM participants"
                                  " WHERE email = 'lan.contract@example.org'")
        assert row["seeks_work"] is False

        await pool.execute("UPDATE participants SET status = 'verified' WHERE id = $1", row["id"])
        await page.goto(f"{base_url}{manage_link(uuid.UUID(str(row['id'])))}")
        looking = page.get_by_label("Ich suche selbst eine Arbeitsstelle")
        assert not await looking.is_checked()
        await looking.check()
        await page.get_by_role("button", name="Änderungen speichern").click()
        await page.wait_for_url("**?done=edit")
        assert await pool.fetchval("SELECT profile->'seeks_work' FROM participants WHERE id = $1", row["id"]) is True
