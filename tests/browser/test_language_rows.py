"""Review L5c: the registration form's language rows read "Language 2" above one select and "Level"
above the other, and the error summary "Language 2: Level: …". Each row is now a group named
"Language 2" with plain "Language" and "Level" controls, and the summary says "Level of language 2",
as chromium's accessibility tree has it, without JavaScript."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect


async def test_each_language_row_is_a_group_named_by_its_number(browser: Browser, base_url: str) -> None:
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    try:
        await page.goto(f"{base_url}/register/newcomer?lang=en")
        rows = await page.locator("#languages-0-code").evaluate(
            "e => e.form.querySelectorAll('select[id^=languages-][id$=-code]').length")
        assert rows > 1
        for n in range(1, rows + 1):
            row = page.get_by_role("group", name=f"Language {n}", exact=True)
            await expect(row.get_by_role("combobox", name="Language", exact=True)).to_have_id(f"languages-{n - 1}-code")
            await expect(row.get_by_role("combobox", name="Level", exact=True)).to_have_id(f"languages-{n - 1}-level")

        # The first row left empty, the second without its level: the summary names that level whole.
        await page.select_option("#languages-1-code", "de")
        await page.click("#register")
        await page.wait_for_selector("#error-summary")
        link = page.locator("#error-summary a[href='#languages-1-level']")
        await expect(link).to_have_text(re.compile(r"^Level of language 2: \w"))
        await link.click()
        second = page.get_by_role("group", name="Language 2", exact=True)
        await expect(second.get_by_role("combobox", name="Level", exact=True)).to_be_focused()
        assert await page.input_value("#languages-1-code") == "de"  # the posted form kept the choice
    finally:
        await context.close()
