"""At 200 % zoom on a 390 px phone (a 195 CSS px viewport) every checkbox label fits its box: the
.choices grid's 13rem columns were wider than the screen and the fieldset cut the uk labels off
("Справи з установ", "Банківський раху"; review 8f, finding 4)."""

from __future__ import annotations

import asyncpg
from playwright.async_api import Browser, Page

from tests.browser.conftest import screenshot
from tests.browser.test_narrow_phone import _registered
from tests.integration.intake_fixtures import newcomer_payload
from tests.integration.test_self_service import manage_link

WIDTH = 195

# Per .choices box: how far its widest label reaches past the box's right edge, and past the
# viewport; and the page's own width (px).
_OVERFLOW = """() => {
  const boxes = [...document.querySelectorAll('.choices')];
  return {
    boxes: boxes.length,
    labels: boxes.flatMap(b => [...b.querySelectorAll('label')]).length,
    past_box: Math.max(0, ...boxes.flatMap(b => [...b.querySelectorAll('label')].map(
      l => Math.max(l.getBoundingClientRect().right - b.getBoundingClientRect().right,
                    l.scrollWidth - l.clientWidth)))),
    past_screen: Math.max(0, ...[...document.querySelectorAll('.choices label')].map(
      l => l.getBoundingClientRect().right - window.innerWidth)),
    page: document.documentElement.scrollWidth,
  };
}"""


async def _fits(page: Page, name: str) -> None:
    found = await page.evaluate(_OVERFLOW)
    await screenshot(page, f"zoom200-{name}")
    assert found["boxes"] >= 2 and found["labels"] >= 10, found
    assert found["past_box"] <= 0.5 and found["past_screen"] <= 0.5, (name, found)
    assert found["page"] <= WIDTH, (name, found)


async def test_choice_labels_fit_a_195_px_screen(browser: Browser, base_url: str, pool: asyncpg.Pool) -> None:
    context = await browser.new_context(locale="uk-UA", viewport={"width": WIDTH, "height": 422})
    page = await context.new_page()
    try:
        await page.goto(f"{base_url}/register/newcomer?lang=uk")
        await _fits(page, "register-newcomer-uk")
        newcomer = await _registered(page, base_url, pool, "newcomers", newcomer_payload(preferred_locale="uk"))
        await page.goto(f"{base_url}{manage_link(newcomer)}")
        await _fits(page, "manage-newcomer-uk")
    finally:
        await context.close()
