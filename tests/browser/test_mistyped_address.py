"""Review 8f, finding 1: Oksana types gmial.com on her phone, without JavaScript. The form asks
"Did you mean …@gmail.com?" at the field; she corrects it, and the thanks page names the address
the e-mail went to and what to do if it is wrong."""

from __future__ import annotations

import uuid

import asyncpg
from playwright.async_api import Browser

from tests.browser.conftest import screenshot, without_javascript
from tests.browser.test_forms import fill_newcomer
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import newcomer_payload
from tests.integration.test_self_service import manage_link


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


async def test_the_hint_button_takes_the_address_meant_and_enter_keeps_the_typed_one(
    browser: Browser, base_url: str, pool: asyncpg.Pool
) -> None:
    """Review 8j, finding 4, in a browser without JavaScript: "Використати …@gmail.com" sends the form
    with that address; Enter in a field still presses "Register" (the header's copy comes first)."""
    taking, keeping = (f"oksana.{uuid.uuid4().hex[:6]}" for _ in range(2))
    async with without_javascript(browser, "uk-UA") as page:
        await page.goto(f"{base_url}/register/newcomer")
        await fill_newcomer(page, f"{taking}@gmial.com")
        await page.check("#consent_data_processing")
        await page.click("#register")
        await page.get_by_role("button", name=f"Використати {taking}@gmail.com").click()
        await page.wait_for_url("**/register/newcomer/thanks")

        await page.goto(f"{base_url}/register/newcomer")
        await fill_newcomer(page, f"{keeping}@gmial.com")
        await page.check("#consent_data_processing")
        await page.click("#register")
        assert await page.get_by_role("button", name=f"Використати {keeping}@gmail.com").is_visible()
        await page.press("#email", "Enter")  # sent again as typed
        await page.wait_for_url("**/register/newcomer/thanks")
    stored = await pool.fetch("SELECT email FROM participants WHERE email LIKE $1 OR email LIKE $2 ORDER BY email",
                              f"{taking}@%", f"{keeping}@%")
    assert sorted(row["email"] for row in stored) == sorted([f"{taking}@gmail.com", f"{keeping}@gmial.com"])


async def test_the_manage_page_button_sends_the_change_for_the_address_meant(
    browser: Browser, base_url: str, pool: asyncpg.Pool, intake_client: IntakeClient
) -> None:
    """The manage page's "Use …" button sits outside the edit form (form=edit-form, as the field)."""
    created = await intake_client.post("/api/v1/newcomers", json=newcomer_payload(preferred_locale="pl"))
    person = uuid.UUID((await created.json())["id"])
    await pool.execute("UPDATE participants SET status = 'verified' WHERE id = $1", person)
    typed = f"katarzyna.{uuid.uuid4().hex[:6]}@gmial.com"
    async with without_javascript(browser, "pl-PL") as page:
        await page.goto(f"{base_url}{manage_link(person)}")
        await page.fill("#new_email", typed)
        await page.get_by_role("button", name="Zmień adres e-mail").click()
        assert "naciśnij jeszcze raz „Zmień adres e-mail”" in await page.inner_text("#new_email-error")
        await page.get_by_role("button", name=f"Użyj {typed.replace('gmial', 'gmail')}").click()
        await page.wait_for_url("**done=email_change*")
    assert await pool.fetchval("SELECT new_email FROM email_changes WHERE participant_id = $1", person) \
        == typed.replace("gmial", "gmail")
