"""A course provider in a browser: every required course field is marked, yet a spare course left
empty never blocks the registration (the form is `novalidate`; the server ignores blank rows)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.async_api import Browser

COURSE = {"title": "Deutsch B1 abends", "level": "B1", "schedule": "evening", "format": "in_person",
          "district": "16052", "seats": "12", "starts_on": (date.today() + timedelta(days=20)).isoformat()}


@pytest.mark.parametrize("javascript", [True, False])
async def test_a_provider_adds_a_spare_course_and_registers_with_it_empty(
    browser: Browser, base_url: str, javascript: bool
) -> None:
    context = await browser.new_context(java_script_enabled=javascript, locale="en-GB")
    page = await context.new_page()
    try:
        await page.goto(f"{base_url}/register/language-provider?lang=en")
        assert await page.locator("label[for='courses-0-title'] span").inner_text() == "*"
        await page.fill("#name", "Anna Schmidt")
        await page.fill("#email", f"anna.{int(javascript)}@vhs-browser.example.org")
        await page.select_option("#district", "16052")
        await page.fill("#organisation", "VHS Gera")
        await page.select_option("#languages-0-code", "de")
        await page.select_option("#languages-0-level", "native")
        for field, value in COURSE.items():
            selector = f"#courses-0-{field}"
            if await page.locator(f"select{selector}").count():
                await page.select_option(selector, value)
            else:
                await page.fill(selector, value)
        await page.click("button[name='add_row'][value='courses']")
        await page.wait_for_selector("#courses-1-title")
        assert await page.input_value("#courses-0-title") == COURSE["title"]  # kept across the round trip
        await page.check("#consent_data_processing")
        await page.click("#register")
        await page.wait_for_url("**/register/language-provider/thanks**")
        assert "you can add more courses or change them on your page" in await page.inner_text("main")
    finally:
        await context.close()
