"""The line an email is about is its heading, and an introduction's list labels are headings one level
down (review 13b, F3): a screen reader in a mail program lists and jumps to them; they look as the
bold line and the plain labels they were."""

from __future__ import annotations

import re

import pytest

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared.i18n import SUPPORTED_LOCALES

ABOUT_A_MATCH = ("introduction", "reminder", "match_active", "match_declined", "match_ended", "checkin",
                 "checkin_again", "contact_changed")


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_match_an_email_is_about_is_its_one_h1(locale: str) -> None:
    for type_ in ABOUT_A_MATCH:
        html = render_email(type_, locale, SAMPLE).html or ""
        headings = re.findall(r"<h1[^>]*>(.*?)</h1>", html)
        assert len(headings) == 1 and "Thomas Berger" in headings[0], (type_, headings)
        assert "<strong>" not in html.split("<h1", 1)[1].split("</h1>", 1)[0]


def test_an_introductions_list_labels_are_h2_headings() -> None:
    html = render_email("introduction", "en", SAMPLE).html or ""
    assert re.findall(r"<h2[^>]*>(.*?)</h2>", html) == ["Why we think it fits:"]
    counterpart = render_email("introduction", "en", {**SAMPLE, "side": "counterpart"}).html or ""
    assert re.findall(r"<h2[^>]*>(.*?)</h2>", counterpart)[0] == "About Thomas Berger:"
