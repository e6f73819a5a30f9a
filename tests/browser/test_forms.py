"""The nurse from Hanoi registers on a phone, in Vietnamese, with and without JavaScript."""

from __future__ import annotations

import asyncpg
from playwright.async_api import Browser, Page

from tests.browser.conftest import screenshot


async def fill_newcomer(page: Page, email: str) -> None:
    await page.fill("#name", "Nguyễn Thị Lan")
    await page.fill("#email", email)
    await page.select_option("#district", "16052")
    await page.select_option("#languages-0-code", "vi")
    await page.select_option("#languages-0-level", "native")
    await page.select_option("#languages-1-code", "de")
    await page.select_option("#languages-1-level", "A2")
    await page.select_option("#country_of_origin", "VN")
    await page.select_option("#occupation_field", "nursing")
    await page.check("#arrival-abroad")
    await page.check("#needs-childcare")
    await page.check("#needs-language_course")
    await page.check("#wants_mentor")
    await page.check("#course_schedules-evening")
    await page.fill("#children_ages", "4")


async def test_an_error_is_shown_by_the_field_then_fixed(page: Page, base_url: str, pool: asyncpg.Pool) -> None:
    await page.goto(f"{base_url}/register/newcomer?lang=vi")
    assert await page.get_attribute("html", "lang") == "vi"
    await fill_newcomer(page, "lan-at-example.org")  # no @: invalid
    await page.click("#register")
    summary = page.locator("#error-summary")
    assert await summary.is_visible()
    assert "Phải là địa chỉ email hợp lệ." in await page.inner_text("#email-error")
    assert await page.input_value("#name") == "Nguyễn Thị Lan"  # kept
    assert await page.is_checked("#needs-childcare")
    await screenshot(page, "newcomer-form-error-vi", readme_as="newcomer-form-vi.png")

    await page.click("#error-summary a[href='#email']")
    await page.fill("#email", "lan.browser@example.org")
    await page.check("#consent_data_processing")
    await page.click("#register")
    await page.wait_for_url("**/register/newcomer/thanks")
    await screenshot(page, "newcomer-registered-vi")
    row = await pool.fetchrow(
        "SELECT status, preferred_locale FROM participants WHERE email = 'lan.browser@example.org'")
    assert row["status"] == "pending_verification" and row["preferred_locale"] == "vi"


async def test_the_form_works_with_the_keyboard_and_without_javascript(browser: Browser, base_url: str,
                                                                        pool: asyncpg.Pool) -> None:
    context = await browser.new_context(java_script_enabled=False, locale="uk-UA")
    page = await context.new_page()
    try:
        await page.goto(f"{base_url}/register/mentor")
        assert await page.get_attribute("html", "lang") == "uk"
        await page.fill("#name", "Ivan Petrenko")
        await page.fill("#email", "ivan.browser@example.org")
        await page.select_option("#district", "16055")
        await page.select_option("#languages-0-code", "uk")
        await page.select_option("#languages-0-level", "native")
        await page.fill("#capacity", "2")
        await page.check("#helps_with-housing")
        await page.focus("#consent_data_processing")
        await page.keyboard.press("Space")  # a checkbox ticked from the keyboard
        await page.focus("#register")
        await page.keyboard.press("Enter")
        await page.wait_for_url("**/register/mentor/thanks")
    finally:
        await context.close()
    assert await pool.fetchval("SELECT count(*) FROM participants WHERE email = 'ivan.browser@example.org'") == 1


async def test_the_language_switcher(page: Page, base_url: str) -> None:
    await page.goto(f"{base_url}/")
    await page.select_option("#lang-switch", "zh")
    await page.click("header form button")
    assert await page.get_attribute("html", "lang") == "zh"
    await page.goto(f"{base_url}/register/employer")
    assert await page.get_attribute("html", "lang") == "zh"  # remembered
