"""Review 8f, finding 1: Oksana types gmial.com on her phone, without JavaScript. The form asks
"Did you mean …@gmail.com?" at the field; she corrects it, and the thanks page names the address
the e-mail went to and what to do if it is wrong."""

from __future__ import annotations

import uuid

import asyncpg
from playwright.async_api import Browser

from tests.browser.conftest import screenshot, without_javascript
from tests.browser.test_forms import fill_newcomer


async def test_a_domain_slip_is_caught_and_the_thanks_page_names_the_address(
    browser: Browser, base_url: str, pool: asyncpg.Pool
) -> None:
    name = f"oksana.melnyk.{uuid.uuid4().hex[:6]}"
    async with without_javascript(browser, "uk-UA") as page:
        await page.set_viewport_size({"width": 390, "height": 844})
        await page.goto(f"{base_url}/register/newcomer")
        await fill_newcomer(page, f"{name}@gmial.com")
        await page.check("#consent_data_processing")
        await page.click("#register")
        assert f"Можливо, ви мали на увазі {name}@gmail.com?" in await page.inner_text("#email-error")
        assert await page.locator("#error-summary a[href='#email']").is_visible()
        assert await page.input_value("#email") == f"{name}@gmial.com"  # kept as typed, hers to change
        await screenshot(page, "mistyped-address-hint-uk")

        await page.fill("#email", f"{name}@gmail.com")
        await page.check("#consent_data_processing")
        await page.click("#register")
        await page.wait_for_url("**/register/newcomer/thanks")
        assert name not in page.url
        notice = await page.inner_text("main")
        assert f"Ми надіслали листа на адресу {name}@gmail.com." in notice
        assert "Адреса неправильна?" in notice
        await screenshot(page, "mistyped-address-thanks-uk")
    stored = await pool.fetch("SELECT email FROM participants WHERE email LIKE $1", f"{name}@%")
    assert [row["email"] for row in stored] == [f"{name}@gmail.com"]
