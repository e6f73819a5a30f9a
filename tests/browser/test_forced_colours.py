"""Review 13b, F1/F2: in forced colours (Windows contrast themes) a button keeps an outline and a
statistics chart keeps its labels. The theme replaces backgrounds and colours: a button drawn only by
its background read as plain text, and the charts' text stayed black on a dark canvas."""

from __future__ import annotations

import asyncpg
from playwright.async_api import Page

from tests.browser.conftest import log_in, screenshot

_STYLE = ("(e) => { const s = getComputedStyle(e); "
          "return [s.borderTopStyle, s.borderTopWidth, s.borderTopColor, s.backgroundColor]; }")


async def test_the_register_button_keeps_an_outline_in_forced_colours(page: Page, base_url: str) -> None:
    await page.emulate_media(forced_colors="active", color_scheme="dark")
    await page.goto(f"{base_url}/register/newcomer?lang=en")
    style, width, border, background = await page.locator("main button[type=submit]").last.evaluate(_STYLE)
    assert style == "solid" and width == "2px" and border != background  # an outline one can see
    await screenshot(page, "forced-colours-register")


async def test_the_charts_labels_take_the_themes_text_colour(page: Page, base_url: str, pool: asyncpg.Pool) -> None:
    await log_in(page, base_url, pool)
    await page.emulate_media(forced_colors="active", color_scheme="dark")
    await page.goto(f"{base_url}/dashboard/stats")
    label = page.locator("svg.chart text").first
    fill = await label.evaluate("(e) => getComputedStyle(e).fill")
    text = await page.evaluate("getComputedStyle(document.querySelector('main')).color")
    assert fill == text  # the theme's text colour, not SVG's default black
    await screenshot(page, "forced-colours-statistics")
