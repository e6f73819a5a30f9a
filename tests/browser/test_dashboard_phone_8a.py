"""Review 8a, findings 15 and 9 as a browser draws them: on a 390 px phone the matches list shows
every column without being cut off and "Mentor/in" in one piece; a filter's label stays on the
row of its control (participants list and review queue); no chart label starts left of its chart."""

from __future__ import annotations

import asyncpg
from playwright.async_api import Browser

from tests.browser.conftest import log_in, screenshot
from tests.browser.test_narrow_phone import _registered
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload, unique_email
from tests.integration.test_dashboard import _suggest

# Each cell of the first match row: its box, and how many lines its own text takes.
_CELLS = """() => [...document.querySelectorAll('table.stack tr')].filter(r => !r.querySelector('th'))[0]
    .querySelectorAll('td').values().map(td => {
        const box = td.getBoundingClientRect(), range = document.createRange();
        range.selectNodeContents(td);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
        return {label: td.dataset.label, text: td.innerText, left: box.left, right: box.right, lines};
    }).toArray()"""
# Each filter pair: do its label and its control share a row?
_PAIRS = """() => [...document.querySelectorAll('.filters .pair')].map(p => {
        const l = p.querySelector('label').getBoundingClientRect(),
              c = p.querySelector('input, select').getBoundingClientRect();
        const row = l.bottom > c.top && c.bottom > l.top, under = c.top >= l.bottom - 1 && c.top - l.bottom < 12
                    && Math.abs(c.left - l.left) < 2;
        return {label: p.querySelector('label').innerText, row, together: row || under};
    })"""
_CHART_LABELS = """() => [...document.querySelectorAll('svg.chart text[text-anchor=end]')]
    .map(t => ({text: t.textContent, x: t.getBBox().x}))"""


async def test_the_matches_list_fits_a_phone_and_filters_keep_label_and_control_together(
    browser: Browser, base_url: str, pool: asyncpg.Pool
) -> None:
    context = await browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844})
    page = await context.new_page()
    try:
        newcomer = await _registered(page, base_url, pool, "newcomers",
                                     newcomer_payload(email=unique_email("n")))
        mentor = await _registered(page, base_url, pool, "mentors", mentor_payload(email=unique_email("m")))
        await _suggest(pool, newcomer, mentor)
        await log_in(page, base_url, pool)
        await page.goto(f"{base_url}/dashboard/matches?kind=mentor&lang=de")
        await screenshot(page, "phone-dashboard-matches")
        cells = await page.evaluate(_CELLS)
        assert len(cells) == 7 and all(c["label"] for c in cells), cells
        for cell in cells:
            assert cell["left"] >= 0 and cell["right"] <= 390, cell
        [kind] = [c for c in cells if "Mentor/in" in c["text"]]
        assert kind["lines"] == 1, kind

        # The review queue's filter bar too: at 390 px its "Art" ended one row, its select began the next.
        for width in (390, 1280):
            await page.set_viewport_size({"width": width, "height": 900})
            for path, filters in (("/dashboard/participants", 10), ("/dashboard", 4)):
                await page.goto(f"{base_url}{path}?lang=de")
                pairs = await page.evaluate(_PAIRS)
                # Side by side on a wide screen; on a phone at least right under each other.
                assert len(pairs) >= filters and all(p["row" if width > 390 else "together"] for p in pairs), \
                    (path, width, pairs)
    finally:
        await context.close()


async def test_no_chart_label_is_cut_off(browser: Browser, base_url: str, pool: asyncpg.Pool) -> None:
    context = await browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    try:
        newcomer = await _registered(page, base_url, pool, "newcomers", newcomer_payload(email=unique_email("n")))
        for kind, code in (("mentor", "no_mentor_in_reach"), ("language_course", "no_fitting_course"),
                           ("employer", "no_opening_in_field")):
            await pool.execute("INSERT INTO waitlist (newcomer_id, kind, reason_code, reason) VALUES ($1, $2, $3, '')"
                               " ON CONFLICT DO NOTHING", newcomer, kind, code)
        await log_in(page, base_url, pool)
        await page.goto(f"{base_url}/dashboard/stats?lang=de")
        await screenshot(page, "dashboard-stats-labels")
        labels = await page.evaluate(_CHART_LABELS)
        assert any(label["text"] == "Keine offene Stelle im Berufsfeld" for label in labels), labels
        assert all(label["x"] >= 0 for label in labels), [label for label in labels if label["x"] < 0]
    finally:
        await context.close()
