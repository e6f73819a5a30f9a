"""Review L5c's follow-up: the language rows read "Level of language 2" in the error summary, but an
employer's positions and a provider's courses still read "Position 2: Openings: …" there, and the
manage page's fields to add one "Add a position: Openings: …". Now each names its field whole
("Openings for position 2", "Seats in the new course"), as chromium's accessibility tree has it,
without JavaScript; and the rows' hint describes their group. The manage page's own form of a course
or position already there names its fields with its title ("Seats in “Deutsch B1”"), not "Deutsch B1:
Seats: …"."""

from __future__ import annotations

import re
import uuid
from typing import Any

import asyncpg
from playwright.async_api import Browser, Page, expect

from tests.browser.conftest import without_javascript
from tests.integration.intake_fixtures import employer_payload, provider_payload
from tests.integration.test_self_service import manage_link


async def _summary_link(page: Page, field: str, text: str) -> None:
    await page.wait_for_selector("#error-summary")
    await expect(page.locator(f"#error-summary a[href='#{field}']")).to_have_text(re.compile(rf"^{text}: \w"))


async def _open_form(page: Page, url: str, rows: str) -> None:
    """The registration form, its rows' group described by the hint above them."""
    await page.goto(url)
    group = page.get_by_role("group", name=rows, exact=True)
    await expect(group).to_have_accessible_description(re.compile(r"^Fill in every field marked \*"))


async def _open_manage_page(page: Page, base_url: str, pool: asyncpg.Pool, segment: str,
                            payload: dict[str, Any]) -> str:
    """A verified organisation's manage page; the id of its (first) course or position."""
    created = await page.request.post(f"{base_url}/api/v1/{segment}", data=payload)
    assert created.status == 201, await created.text()
    owner = uuid.UUID((await created.json())["id"])
    await pool.execute("UPDATE participants SET status = 'verified', verified_at = now() WHERE id = $1", owner)
    await page.goto(f"{base_url}{manage_link(owner)}?lang=en")
    offer = await page.get_attribute("input[name='offer']", "value")
    assert offer is not None
    return offer


async def test_a_positions_error_names_its_field_and_row(browser: Browser, base_url: str) -> None:
    async with without_javascript(browser, "en-GB") as page:
        await _open_form(page, f"{base_url}/register/employer?lang=en", "Open positions")
        await page.fill("#positions-0-title", "Pflegefachkraft")
        await page.select_option("#positions-0-occupation_field", "nursing")
        await page.fill("#positions-0-openings", "0")
        await page.click("button[name='add_row'][value='positions']")
        await page.fill("#positions-1-title", "Elektroniker")
        await page.click("#register")

        await _summary_link(page, "positions-0-openings", "Openings for position 1")
        await _summary_link(page, "positions-1-occupation_field", "Occupation field of position 2")
        await _summary_link(page, "positions-1-min_german_level", "Minimum German level for position 2")
        await page.click("#error-summary a[href='#positions-1-occupation_field']")
        second = page.get_by_role("group", name="Position 2", exact=True)
        await expect(second.get_by_role("combobox", name="Occupation field")).to_be_focused()
        await expect(second.get_by_role("textbox", name="Job title")).to_have_value("Elektroniker")


async def test_a_courses_error_names_its_field_and_row(browser: Browser, base_url: str) -> None:
    async with without_javascript(browser, "en-GB") as page:
        await _open_form(page, f"{base_url}/register/language-provider?lang=en", "Courses")
        await page.fill("#courses-0-title", "Deutsch B1 abends")
        await page.fill("#courses-0-seats", "0")
        await page.click("#register")

        await _summary_link(page, "courses-0-seats", "Seats in course 1")
        await _summary_link(page, "courses-0-district", r"Location of course 1 \(district\)")
        await _summary_link(page, "courses-0-starts_on", "Start date of course 1")
        await page.click("#error-summary a[href='#courses-0-seats']")
        first = page.get_by_role("group", name="Course 1", exact=True)
        await expect(first.get_by_role("spinbutton", name="Seats")).to_be_focused()


async def test_the_manage_pages_new_course_is_named_as_new(browser: Browser, base_url: str,
                                                             pool: asyncpg.Pool) -> None:
    async with without_javascript(browser, "en-GB") as page:
        await _open_manage_page(page, base_url, pool, "language-providers", provider_payload())
        await page.fill("#courses-0-title", "Deutsch A2 am Samstag")
        await page.fill("#courses-0-seats", "0")
        await page.get_by_role("button", name="Add a course", exact=True).click()

        await _summary_link(page, "courses-0-seats", "Seats in the new course")
        await _summary_link(page, "courses-0-level", "Level of the new course")
        assert "Course 1" not in await page.inner_text("#error-summary")
        await page.click("#error-summary a[href='#courses-0-seats']")
        new = page.get_by_role("group", name="Add a course", exact=True)
        await expect(new.get_by_role("spinbutton", name="Seats")).to_be_focused()


async def _refuse_a_save(page: Page, title: str, spoiled: dict[str, str], named: dict[str, str]) -> None:
    """Spoil fields of one course's or position's own form, save it, and follow the summary's first
    link; each spoiled field's link names it with the title."""
    for field, value in spoiled.items():
        await page.fill(f"#{field}", value)
    await page.get_by_role("button", name=f"Save changes: {title}", exact=True).click()
    for field, label in named.items():
        await _summary_link(page, field, label)
    assert f"{title}: " not in await page.inner_text("#error-summary")
    await page.click(f"#error-summary a[href='#{next(iter(named))}']")


async def test_a_course_already_there_is_named_by_its_title(browser: Browser, base_url: str,
                                                            pool: asyncpg.Pool) -> None:
    """The manage page's own form of a course: "Seats in “Deutsch B1 am Wochenende”: …", not
    "Deutsch B1 am Wochenende: Seats: …"."""
    async with without_javascript(browser, "en-GB") as page:
        course = await _open_manage_page(page, base_url, pool, "language-providers", provider_payload())
        await _refuse_a_save(page, "Deutsch B1 am Wochenende", {f"seats-{course}": "0", f"starts_on-{course}": ""},
                             {f"seats-{course}": "Seats in “Deutsch B1 am Wochenende”",
                              f"starts_on-{course}": "Start date of “Deutsch B1 am Wochenende”"})
        own = page.get_by_role("group", name=re.compile(r"^Deutsch B1 am Wochenende \("))
        await expect(own.get_by_role("spinbutton", name="Seats")).to_be_focused()


async def test_a_position_already_there_is_named_by_its_title(browser: Browser, base_url: str,
                                                              pool: asyncpg.Pool) -> None:
    async with without_javascript(browser, "en-GB") as page:
        position = await _open_manage_page(page, base_url, pool, "employers", employer_payload())
        await _refuse_a_save(page, "Elektroniker/in", {f"title-{position}": "", f"openings-{position}": "0"},
                             {f"title-{position}": "Job title of “Elektroniker/in”",
                              f"openings-{position}": "Openings for “Elektroniker/in”"})
        own = page.get_by_role("group", name="Elektroniker/in (B1)", exact=True)
        await expect(own.get_by_role("textbox", name="Job title")).to_be_focused()
