"""Details of the public forms that only a browser shows: input constraints, Enter, focus after errors."""

from __future__ import annotations

from playwright.async_api import Page


async def test_input_constraints_reach_the_browser(page: Page, base_url: str) -> None:
    await page.goto(f"{base_url}/register/newcomer?lang=en")
    assert await page.get_attribute("#country_of_origin", "maxlength") == "2"
    await page.type("#country_of_origin", "VNM")
    assert await page.input_value("#country_of_origin") == "VN"  # the browser stops at two letters

    await page.goto(f"{base_url}/register/mentor?lang=en")
    capacity = page.locator("#capacity")
    assert await capacity.evaluate("e => [e.min, e.max, e.inputMode]") == ["1", "10", "numeric"]
    await capacity.fill("11")
    assert await capacity.evaluate("e => e.validity.rangeOverflow")
