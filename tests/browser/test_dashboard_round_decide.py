"""A round's pairs decided on the round's page with JavaScript off (review 8a: "the round page has no
per-row decisions"): one pair rejected in its row, by the button its pair names, comes back to the
round page showing the rejection; then 'approve all' approves the other pairs only."""

from __future__ import annotations

import uuid

import asyncpg
from playwright.async_api import Browser, Page

from tests.browser.conftest import dashboard_without_javascript, screenshot
from tests.browser.test_dashboard import _person, _suggestion, two_waiting


async def _in_view_together(page: Page, match_id: uuid.UUID) -> None:
    """On the 390 px phone a row reads as a card: its newcomer, its buttons or decision, and the
    message after a decision all within the screen's width, none scrolled off beside the others."""
    row = page.locator(f"tr#match-{match_id}, tr:has(#match-{match_id})")
    for part in (row.locator("th a"), row.locator("td").last):
        box = await part.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (await part.inner_text(), box)


async def test_reject_one_pair_in_its_row_then_approve_the_rest_without_javascript(
    browser: Browser, base_url: str, pool: asyncpg.Pool
) -> None:
    _, olenas, dmitris = await two_waiting(pool)
    mentor = await pool.fetchval("SELECT counterpart_id FROM matches WHERE id = $1", olenas)
    amira = await _person(pool, "newcomer", "Amira Haddad", "amira@example.org",
                          '{"occupation_field": "health", "needs": ["housing"]}', "ar")
    amiras = await _suggestion(pool, amira, mentor, 0.64)
    round_id = uuid.uuid4()
    await pool.execute("INSERT INTO rounds (id, objective, status, completed_at, result) "
                       "VALUES ($1, 'most_matched', 'completed', now(), '{}')", round_id)
    await pool.execute("UPDATE matches SET round_id = $1 WHERE id = ANY($2::uuid[])", round_id,
                       [olenas, dmitris, amiras])

    async with dashboard_without_javascript(browser, base_url, pool) as page:
        await page.goto(f"{base_url}/dashboard/rounds/{round_id}")
        await _in_view_together(page, olenas)
        caption = await page.locator("caption").bounding_box()  # the table's width, not a column of letters
        assert caption is not None and caption["width"] >= 300 and caption["height"] < 80, caption
        row = page.locator(f"#match-{dmitris}")
        reject = page.get_by_role("button", name="Ablehnen: Mentor/in Galina Wolff für Dmitri Sokolov", exact=True)
        assert not await reject.is_visible()  # inside "Ablehnen …", closed until wanted
        await row.locator("summary").click()
        await row.locator("select[name=reason]").select_option("distance")
        await reject.click()
        # Dmitri's was the last open pair: the way back goes on with the open one before it, Amira's.
        await page.wait_for_url(f"**/dashboard/rounds/{round_id}?msg=rejected**#match-{amiras}")
        assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", dmitris) == "rejected"

        # Back on the round page: the message in that row names the decided pair; the decided pair,
        # behind the open ones (review 9b F7), shows its decision, no buttons.
        told = page.locator(f"#match-{amiras}")
        assert "Abgelehnt: Dmitri Sokolov – Galina Wolff" in await told.inner_text()
        await screenshot(page, "dashboard-round-decide")
        await _in_view_together(page, amiras)
        await _in_view_together(page, dmitris)
        decided_row = page.locator(f"tr#match-{dmitris}")
        assert "abgelehnt: Zu weit voneinander entfernt" in await decided_row.inner_text()
        assert await decided_row.get_by_role("button").count() == 0
        assert await page.get_by_role("button", name="Freigeben: Mentor/in Galina Wolff für Olena Kovalenko",
                                      exact=True).is_visible()

        # The form's button above the rows (review 9c, F9), and its twin after them (form="approve-round"
        # outside the form), which sends the same pairs.
        approve = page.get_by_role("button", name="2 Vorschläge freigeben und vorstellen", exact=True)
        assert await approve.count() == 2
        top, table = await approve.first.bounding_box(), await page.locator("table.stack").bounding_box()
        bottom = await approve.last.bounding_box()
        assert top is not None and table is not None and bottom is not None
        assert top["y"] + top["height"] <= table["y"] < table["y"] + table["height"] <= bottom["y"]
        await approve.last.click()
        await page.wait_for_url("**/dashboard?msg=round_approved:2:0")
        statuses = dict(await pool.fetch("SELECT id, status FROM matches WHERE round_id = $1", round_id))
        assert statuses == {olenas: "approved", amiras: "approved", dmitris: "rejected"}
