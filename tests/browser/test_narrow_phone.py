"""On a 375 px phone no page scrolls sideways, even with long words nobody can break: a course or
position title of 150 letters, an organisation, a name (review 5, finding 10: a fieldset grew to
its legend's title and the manage page was 839 px wide)."""

from __future__ import annotations

import uuid

import asyncpg
from playwright.async_api import Browser, Page

from lotse.shared import tokens
from tests.browser.conftest import log_in, screenshot
from tests.integration.intake_fixtures import employer_payload, newcomer_payload, provider_payload
from tests.integration.test_match_life import _link
from tests.integration.test_own_matches import _match
from tests.integration.test_self_service import manage_link

WIDTH = 375
LONG = "Ausbildungsplatz" * 10  # 160 letters, no space, no hyphen


async def _wide(page: Page) -> int:
    return int(await page.evaluate("document.documentElement.scrollWidth"))


async def _registered(page: Page, base_url: str, pool: asyncpg.Pool, segment: str,
                      body: dict[str, object]) -> uuid.UUID:
    created = await page.request.post(f"{base_url}/api/v1/{segment}", data=body)
    assert created.status == 201, await created.text()
    participant = uuid.UUID((await created.json())["id"])
    await pool.execute("UPDATE participants SET status = 'verified', verified_at = now() WHERE id = $1", participant)
    return participant


async def test_no_page_scrolls_sideways_with_long_unbroken_words(browser: Browser, base_url: str,
                                                                   pool: asyncpg.Pool) -> None:
    context = await browser.new_context(locale="de-DE", viewport={"width": WIDTH, "height": 812})
    page = await context.new_page()
    try:
        newcomer = await _registered(page, base_url, pool, "newcomers", newcomer_payload(name="Olena" + LONG))
        employer = await _registered(page, base_url, pool, "employers", employer_payload(
            organisation="Elektro" + LONG, positions=[{"title": LONG, "occupation_field": "crafts", "openings": 1,
                                                      "min_german_level": "B1"}]))
        provider = await _registered(page, base_url, pool, "language-providers", provider_payload(
            organisation="Sprachschule" + LONG))
        course = await pool.fetchval("SELECT id FROM courses WHERE provider_id = $1", provider)
        await pool.execute("UPDATE courses SET title = $2 WHERE id = $1", course, LONG)
        position = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1", employer)
        job = await _match(pool, "employer", newcomer, position, "introduced")
        lesson = await _match(pool, "language_course", newcomer, course, "active")

        pages = {
            "manage-employer": manage_link(employer),
            "manage-provider": manage_link(provider),
            "manage-newcomer": manage_link(newcomer),
            "respond-newcomer": f"/respond/{_link(tokens.RESPOND, job, newcomer)}",
            "respond-employer": f"/respond/{_link(tokens.RESPOND, job, employer)}",
            "checkin-newcomer": f"/checkin/{_link(tokens.CHECKIN, lesson, newcomer)}",
        }
        for name, path in pages.items():
            await page.goto(f"{base_url}{path}")
            assert LONG in await page.inner_text("main"), name
            await screenshot(page, f"narrow-{name}")
            assert await _wide(page) <= WIDTH, f"{name} is {await _wide(page)} px wide"

        # The public forms, sent back with their errors and the long words typed in.
        for segment, field in (("employer", "#positions-0-title"), ("language-provider", "#courses-0-title"),
                               ("newcomer", "#name")):
            await page.goto(f"{base_url}/register/{segment}")
            await page.fill(field, LONG)
            await page.fill("#name", "Olena" + LONG)
            await page.click("#register")
            await page.wait_for_selector("#error-summary")
            await screenshot(page, f"narrow-register-{segment}")
            assert await _wide(page) <= WIDTH, f"{segment} form is {await _wide(page)} px wide"

        await log_in(page, base_url, pool)
        for path in (f"/dashboard/matches/{job}", f"/dashboard/matches/{lesson}", f"/dashboard/participants/{employer}",
                     f"/dashboard/participants/{provider}", f"/dashboard/participants/{newcomer}",
                     "/dashboard/matches", "/dashboard/participants"):
            await page.goto(f"{base_url}{path}")
            await screenshot(page, "narrow-dashboard" + path.replace("/", "-"))
            assert await _wide(page) <= WIDTH, f"{path} is {await _wide(page)} px wide"
    finally:
        await context.close()
