"""Every email's HTML part fits a 360-px phone screen (review 12, F1).

A raw signed link as a link's text made ten types 1,000-1,760 px wide: a phone scrolled sideways
or shrank the whole email to a quarter. The preview's sample links are signed as real ones, so
their length is what people get.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Browser, Page

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import TYPES, render_email
from lotse.shared.i18n import SUPPORTED_LOCALES

PHONE = 360
# The variants whose links the preview's sample (a mentor's newcomer) does not show.
VARIANTS: list[tuple[str, dict[str, Any]]] = [
    *((type_, {}) for type_ in TYPES),
    ("registration_confirmed", {"kind": "employer"}),
    ("already_registered", {"kind": "language_provider"}),
    ("match_active", {"contact_email": None, "i_share": False}),
    ("inactive_erasure_notice", {"still_looking": True}),
    ("erasure_confirmation", {"reason": "inactive"}),
    # No link: an address longer than the screen, which only the body's overflow-wrap breaks.
    ("contact_changed", {"contact_email": "anna-lena.mueller-luedenscheidt@migrationsberatung-thueringen-ost.example"}),
]


@pytest.fixture(scope="module")
async def phone(browser: Browser) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": PHONE, "height": 740})
    yield await context.new_page()
    await context.close()


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_no_email_is_wider_than_a_phone(phone: Page, locale: str) -> None:
    too_wide = {}
    for type_, variant in VARIANTS:
        html = render_email(type_, locale, {**SAMPLE, **variant}).html
        assert html is not None
        await phone.set_content(html)
        width = await phone.evaluate("document.documentElement.scrollWidth")
        if width > PHONE:
            too_wide[f"{type_} {variant}"] = width
    assert not too_wide, too_wide
