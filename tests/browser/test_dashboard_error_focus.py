"""A refused login, invitation or one-time-link password: the page's title says "Fehler:" first and
its message takes focus on load with JavaScript off, as the public forms' error summary does
(test_dashboard_error_titles checks the markup on every such page)."""

from __future__ import annotations

import re
import uuid

import asyncpg
from playwright.async_api import Browser, Page

from lotse.intake.accounts import create_coordinator
from tests.browser.conftest import PASSWORD, focused, without_javascript


async def _log_in(page: Page, base_url: str, email: str, password: str) -> None:
    await page.goto(f"{base_url}/dashboard/login")
    await page.fill("#email", email)
    await page.fill("#password", password)
    await page.click("main button[type=submit]")


async def test_a_refused_dashboard_form_says_so_first_and_its_message_has_focus(
    browser: Browser, base_url: str, pool: asyncpg.Pool
) -> None:
    # An admin of its own: the browser tests' app has no bootstrap coordinator, and the team page is
    # for admins.
    admin = f"admin.{uuid.uuid4().hex[:6]}@welcome.example"
    async with pool.acquire() as conn:
        await create_coordinator(conn, admin, PASSWORD, "admin")
    async with without_javascript(browser, "de-DE") as page:
        await _log_in(page, base_url, admin, "not " + PASSWORD)
        assert await page.title() == "Fehler: Anmelden – Lotse"
        assert await focused(page) == ("error-summary", "E-Mail oder Passwort ist falsch.")

        await _log_in(page, base_url, admin, PASSWORD)
        await page.goto(f"{base_url}/dashboard/team")
        await page.fill("#invite-email", admin)
        await page.click("button[value=invite]")
        assert await page.title() == "Fehler: Team – Lotse"
        assert await focused(page) == ("error-summary", "Es gibt bereits ein Konto mit dieser E-Mail-Adresse.")
        assert await page.input_value("#invite-email") == admin

        await page.fill("#invite-email", "fokus@review.test")
        await page.click("button[value=invite]")
        link = await page.input_value("#password-link")
        await page.context.clear_cookies()
        await page.goto(re.sub(r"^https?://[^/]+", base_url, link))
        await page.fill("#password", "a" * 14)
        await page.fill("#repeat", "b" * 14)
        await page.click("main button[type=submit]")
        assert await page.title() == "Fehler: Passwort festlegen – Lotse"
        assert await focused(page) == ("repeat-error", "Die beiden Passwörter stimmen nicht überein.")
