"""After approving or rejecting in the review queue, the confirmation takes focus, so a screen reader
reads it (review 8b, finding 11), with JavaScript off as on: the page still lands at the newcomer's
section. Its role=status paragraph was in the page at load, which screen readers do not announce,
and focus stayed on the body."""

from __future__ import annotations

import uuid

import asyncpg
from playwright.async_api import Browser

from tests.browser.conftest import dashboard_without_javascript, focused
from tests.browser.test_dashboard import two_waiting


async def test_the_decisions_message_takes_focus_where_the_page_lands(browser: Browser, base_url: str,
                                                                     pool: asyncpg.Pool) -> None:
    dmitri, first, _ = await two_waiting(pool)
    async with dashboard_without_javascript(browser, base_url, pool) as page:
        await page.locator(f"#match-{first} button:has-text('Freigeben')").click()
        await page.wait_for_url(f"**#newcomer-{dmitri}")
        # Olena has nothing left: the next newcomer's place, its message first and focused.
        focused_id, text = await focused(page)
        assert focused_id == f"newcomer-{dmitri}" and text.startswith("Freigegeben: Olena Kovalenko – Galina Wolff"), \
            (focused_id, text)  # it names the pair decided (review 8a, finding 7)
        box = await page.locator(f"#newcomer-{dmitri}").bounding_box()
        # Scrolled to the fragment, the section's top sits at 0 give or take a sub-pixel of layout.
        assert box is not None and -1 < box["y"] < 844, box
        assert "Dmitri Sokolov" in await page.locator("section.newcomer", has=page.locator(f"#newcomer-{dmitri}"))\
            .locator("h2").inner_text()

        # A newcomer no longer in the queue: the message at the top of the page, focused by autofocus.
        await page.goto(f"{base_url}/dashboard?msg=approved&at={uuid.uuid4()}")
        assert await focused(page) == ("flash", "Freigegeben. Der Matcher stellt beide Seiten per E-Mail vor.")
