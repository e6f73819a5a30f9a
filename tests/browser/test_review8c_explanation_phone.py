"""Review 8c, finding 10: on a 390 px phone a suggestion's explanation table was cut at the right
(its reason column 'Deutsch A2, verlangt B1, mi…', table 341 px in a 316 px box, scrolling sideways
with no hint). Below 40rem it stacks: the factor and its value on one line, the sentence below."""

from __future__ import annotations

import uuid

import asyncpg
from playwright.async_api import Browser

from tests.browser.conftest import log_in, screenshot
from tests.integration.test_dashboard_queue_filters import _person

EXPLANATION = [
    {"factor": "german", "contribution": 0.2, "detail": "German A2 for B1 required, with a German course during work."},
    {"factor": "language", "contribution": 0.15, "detail": "Both speak English well (B2 and B2)."},
    {"factor": "distance", "contribution": 0.1, "detail": "Erfurt – Gotha: 25 km apart."},
    {"factor": "learned", "contribution": 0.04, "detail": "Coordinators' earlier decisions on similar pairs "
                                                         "(12 decisions): 75% likely to be approved."},
    {"factor": "waiting", "contribution": 0.05, "detail": "Waiting for 12 days."},
]
# Each explanation table: its width and its box's, and where its first row's cells are.
_TABLES = """() => [...document.querySelectorAll('table.explanation')].map(t => {
        const box = t.parentElement, cells = [...t.querySelector('tr').children].map(c => c.getBoundingClientRect());
        return {table: t.getBoundingClientRect().width, box: box.clientWidth, scroll: box.scrollWidth,
                tops: cells.map(c => Math.round(c.top)), rights: cells.map(c => c.right),
                boxRight: box.getBoundingClientRect().right};
    })"""


async def test_the_explanation_table_fits_its_box_on_a_phone(browser: Browser, base_url: str,
                                                              pool: asyncpg.Pool) -> None:
    newcomer = await _person(pool, "newcomer", "Oksana Melnyk", days=12)
    employer = await _person(pool, "employer", "Jana Wendt", organisation="Helios Klinikum Gotha")
    position = uuid.uuid4()
    await pool.execute("""INSERT INTO positions (id, employer_id, title, occupation_field, openings, min_german_level)
                          VALUES ($1, $2, 'Pflegehelfer/in', 'health', 2, 'B1')""", position, employer)
    match_id = uuid.uuid4()
    await pool.execute("""INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation)
                          VALUES ($1, 'employer', $2, $3, 0.4, $4::jsonb)""",
                       match_id, newcomer, position, EXPLANATION)
    context = await browser.new_context(locale="de-DE", viewport={"width": 390, "height": 844})
    page = await context.new_page()
    try:
        await log_in(page, base_url, pool)
        for path in ("/dashboard?lang=de", f"/dashboard/matches/{match_id}?lang=de"):
            await page.goto(f"{base_url}{path}")
            assert "Deutsch A2, verlangt B1, mit Deutschkurs während der Arbeit." in await page.inner_text(
                "table.explanation")
            await screenshot(page, f"phone-explanation-{'match' if 'matches' in path else 'queue'}")
            [table] = await page.evaluate(_TABLES)
            assert table["table"] <= table["box"] and table["scroll"] <= table["box"], (path, table)
            assert all(right <= table["boxRight"] + 0.5 for right in table["rights"]), (path, table)
            # The factor and its value on one line, the sentence below them.
            factor, value, sentence = table["tops"]
            assert factor == value and sentence > factor, (path, table)
        # A wide screen keeps the table: the three cells side by side.
        await page.set_viewport_size({"width": 1280, "height": 900})
        [table] = await page.evaluate(_TABLES)
        assert len(set(table["tops"])) == 1, table
    finally:
        await context.close()
