"""Details of the public forms that only a browser shows: input constraints, Enter, focus after errors."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, Page

from tests.browser.conftest import focused


async def test_input_constraints_reach_the_browser(page: Page, base_url: str) -> None:
    await page.goto(f"{base_url}/register/newcomer?lang=uk")
    # The country is chosen by its name in the reader's language; the form sends its code.
    await page.select_option("#country_of_origin", label="Україна")
    assert await page.input_value("#country_of_origin") == "UA"

    await page.goto(f"{base_url}/register/mentor?lang=en")
    capacity = page.locator("#capacity")
    assert await capacity.evaluate("e => [e.min, e.max, e.inputMode]") == ["1", "10", "numeric"]
    await capacity.fill("11")
    assert await capacity.evaluate("e => e.validity.rangeOverflow")


@pytest.mark.parametrize(("segment", "field", "javascript"), [
    ("employer", "positions-0-title", True), ("language-provider", "courses-0-title", False)])
async def test_enter_in_a_row_submits_the_registration(browser: Browser, base_url: str, segment: str, field: str,
                                                       javascript: bool) -> None:
    context = await browser.new_context(java_script_enabled=javascript, locale="de-DE")
    page = await context.new_page()
    try:
        await page.goto(f"{base_url}/register/{segment}")
        await page.fill(f"#{field}", "Pflegefachkraft")
        await page.press(f"#{field}", "Enter")
        await page.wait_for_selector("#error-summary")  # validated, so it was the registration
        group = field.split("-")[0]
        assert await page.locator(f"#{group}-1-title").count() == 0  # no row added
        assert await page.input_value(f"#{field}") == "Pflegefachkraft"
    finally:
        await context.close()


@pytest.mark.parametrize("javascript", [True, False])
async def test_after_errors_focus_is_on_the_summary(browser: Browser, base_url: str, javascript: bool) -> None:
    context = await browser.new_context(java_script_enabled=javascript, locale="de-DE")
    page = await context.new_page()
    try:
        await page.goto(f"{base_url}/register/newcomer?lang=en")
        await page.fill("#name", "Nguyễn Thị Lan")
        await page.click("#register")
        await page.wait_for_selector("#error-summary")
        assert await page.title() == "Error: Register as a newcomer – Lotse"
        # Read through Playwright's own script, which runs even where the page's is disabled.
        assert (await focused(page))[0] == "error-summary"
        await page.click("#error-summary a[href='#languages-0-code']")
        assert await page.evaluate("document.activeElement.id") == "languages-0-code"
    finally:
        await context.close()


@pytest.mark.parametrize("path", ["/register/newcomer?lang=en", "/dashboard/login"])
async def test_the_skip_link_shows_when_tab_reaches_it(page: Page, base_url: str, path: str) -> None:
    """Finding 12: the skip link took focus but stayed a clipped 1 px box, so nobody saw it."""
    await page.goto(f"{base_url}{path}")
    await page.keyboard.press("Tab")
    focused = page.locator(":focus")
    assert await focused.get_attribute("href") == "#main"
    box = await focused.bounding_box()
    assert box is not None and box["width"] > 20 and box["height"] > 10
    viewport = page.viewport_size
    assert viewport is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] and 0 <= box["y"] < viewport["height"]
    assert await focused.evaluate("e => getComputedStyle(e).clip") in ("auto", "")
    await page.keyboard.press("Enter")
    # The fragment changes after the key's default action, not within press(): wait for it.
    await page.wait_for_function("location.hash === '#main'")
