"""Review 8a, finding 14, in a browser without JavaScript: a German employer ends one match from the
manage page (asked first, goes back once, then ends it with a reason), and a newcomer who answered
"not a good fit" finds that answer and the re-match offer beside the match, not only on the
thank-you page she closed."""

from __future__ import annotations

import uuid

import asyncpg
from playwright.async_api import APIRequestContext, Browser

from lotse.shared import tokens
from tests.browser.conftest import screenshot, without_javascript
from tests.integration.intake_fixtures import employer_payload, mentor_payload, newcomer_payload
from tests.integration.test_own_matches import _match
from tests.integration.test_self_service import SIGNER, manage_link


async def _verified(page_request: APIRequestContext, base_url: str, pool: asyncpg.Pool, segment: str,
                    payload: dict[str, object]) -> uuid.UUID:
    created = await page_request.post(f"{base_url}/api/v1/{segment}", data=payload)
    assert created.status == 201
    participant = uuid.UUID((await created.json())["id"])
    await pool.execute("UPDATE participants SET status = 'verified' WHERE id = $1", participant)
    return participant


async def test_an_employer_ends_one_match_after_confirming_without_javascript(
    browser: Browser, base_url: str, pool: asyncpg.Pool
) -> None:
    async with without_javascript(browser, "de-DE") as page:
        newcomer = await _verified(page.request, base_url, pool, "newcomers", newcomer_payload(name="Tomasz Nowak"))
        employer = await _verified(page.request, base_url, pool, "employers",
                                   employer_payload(preferred_locale="de"))
        position = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1", employer)
        match_id = await _match(pool, "employer", newcomer, position, "active")
        link = f"{base_url}{manage_link(employer)}"

        await page.goto(link)
        entry = page.locator(f"#match-{match_id}")
        await entry.get_by_role("button", name="Dieses Match beenden").click()
        assert await page.get_by_role("heading", name="Dieses Match beenden?").is_visible()
        assert "Tomasz Nowak" in await page.locator("main").inner_text()
        await page.get_by_role("button", name="Match nicht beenden").click()  # back, nothing changed
        await page.locator(f"#match-{match_id}").wait_for()
        assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", match_id) == "active"

        await page.locator(f"#match-{match_id}").get_by_role("button", name="Dieses Match beenden").click()
        await page.get_by_label("Warum? (freiwillig, nur das Welcome Center liest es)").fill("Stelle anders besetzt")
        await screenshot(page, "end-own-match-confirm-de")
        await page.get_by_role("button", name="Ja, dieses Match beenden").click()
        await page.wait_for_url("**done=match_end**")
        assert "Das Match ist beendet." in await page.locator("[role=status]").first.inner_text()
        assert "Beendet." in await page.locator(f"#match-{match_id}").inner_text()
        row = await pool.fetchrow("SELECT status, end_reason, ended_by_side, reason FROM matches WHERE id = $1",
                                  match_id)
        assert tuple(row) == ("cancelled", "ended_by_participant", "counterpart", "Stelle anders besetzt")


async def test_a_not_a_good_fit_stays_on_the_manage_page_with_its_rematch_button(
    browser: Browser, base_url: str, pool: asyncpg.Pool
) -> None:
    async with without_javascript(browser, "de-DE") as page:
        newcomer = await _verified(page.request, base_url, pool, "newcomers",
                                   newcomer_payload(name="Olena Shevchuk", preferred_locale="de"))
        mentor = await _verified(page.request, base_url, pool, "mentors", mentor_payload(name="Jörg Müller"))
        match_id = await _match(pool, "mentor", newcomer, mentor, "active")
        checkin = SIGNER.sign(tokens.CHECKIN, mid=str(match_id), pid=str(newcomer))
        await page.goto(f"{base_url}/checkin/{checkin}")
        await page.get_by_label("Passt nicht").check()
        await page.get_by_role("button", name="Senden").click()
        await page.wait_for_url("**/done**")

        # She closes the thank-you page; her manage page keeps the answer and the offer.
        await page.goto(f"{base_url}{manage_link(newcomer)}")
        entry = page.locator(f"#match-{match_id}")
        assert "Passt nicht" in await entry.inner_text()
        await screenshot(page, "manage-checkin-bad-de")
        await entry.get_by_role("button", name="Ja, bitte sucht jemand anderen").click()
        await page.wait_for_url("**/rematch**")
        row = await pool.fetchrow("SELECT status, end_reason FROM matches WHERE id = $1", match_id)
        assert tuple(row) == ("cancelled", "rematch_requested")
