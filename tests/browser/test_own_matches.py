"""Olena lost her introduction email: on her manage page, without JavaScript, she sees the mentor
she was introduced to, opens the decline page with its "why" and goes back, then accepts from there
(review 4, finding 7)."""

from __future__ import annotations

import uuid

import asyncpg
from playwright.async_api import Browser

from tests.browser.conftest import without_javascript
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.test_own_matches import _match
from tests.integration.test_self_service import manage_link


async def test_an_introduction_is_answered_from_the_manage_page_without_javascript(
    browser: Browser, base_url: str, pool: asyncpg.Pool
) -> None:
    async with without_javascript(browser, "uk-UA") as page:
        ids = []
        for segment, payload in (("newcomers", newcomer_payload(name="Олена Шевчук", preferred_locale="uk")),
                                 ("mentors", mentor_payload(name="Jörg Müller"))):
            created = await page.request.post(f"{base_url}/api/v1/{segment}", data=payload)
            assert created.status == 201
            ids.append(uuid.UUID((await created.json())["id"]))
        olena, joerg = ids
        await pool.execute("UPDATE participants SET status = 'verified' WHERE id = ANY($1::uuid[])", ids)
        match_id = await _match(pool, "mentor", olena, joerg, "introduced")

        await page.goto(f"{base_url}{manage_link(olena)}")
        matches = page.locator("#matches")
        assert "Jörg Müller" in await matches.inner_text()
        await matches.get_by_role("link", name="Ні, я відмовляюсь").click()
        await page.wait_for_url("**/respond/**")
        # The decline to confirm (review 8b, finding 1), with the room to say why.
        assert await page.get_by_role("button", name="Надіслати: ні, я відмовляюсь").is_visible()
        assert await page.locator("#reason").is_visible()

        await page.go_back()
        await page.locator("#matches").get_by_role("button", name="Так, я погоджуюсь").click()
        await page.wait_for_url("**/respond/**/done**")
        assert await pool.fetchval("SELECT answer FROM match_responses WHERE match_id = $1", match_id) == "accept"
        await page.goto(f"{base_url}{manage_link(olena)}")
        # Answered: no answer buttons left, only "End this match", a given yes's one way back (review 8a, finding 14).
        buttons = page.locator("#matches button")
        assert await buttons.count() == 1 and (await buttons.inner_text()).strip() == "Завершити цю пару"
