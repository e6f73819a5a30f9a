"""A right-to-left name in a left-to-right email (review 12, F2): each line keeps the direction of
the words around the name, in the text part, the subject and the HTML part, in every locale."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest

from lotse.notifier.bidi import FSI, PDI, isolated
from lotse.notifier.match_facts import facts
from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared.i18n import SUPPORTED_LOCALES

ARABIC_NAME = "محمد الأحمد"
NEWCOMER: dict[str, Any] = {
    "name": ARABIC_NAME, "district": "16051", "preferred_locale": "en",
    "languages": [{"code": "ar", "level": "native"}, {"code": "de", "level": "A1"}],
    "profile": {"needs": ["housing"], "arrival": "arrived", "occupation_field": "it"},
}
MENTOR: dict[str, Any] = {
    "district": "16053", "languages": [{"code": "de", "level": "native"}, {"code": "ar", "level": "B1"}],
    "profile": {"helps_with": ["housing"], "max_distance_km": 80, "online_ok": True},
    "format": None, "childcare": None}


def paragraph_direction(line: str) -> str:
    """The direction Unicode's rule P2 gives a paragraph: its first strong letter's, skipping
    what stands between an isolate initiator and its PDI; 'none' for a line without one."""
    depth = 0
    for char in line:
        if char == FSI:
            depth += 1
        elif char == PDI:
            depth = max(0, depth - 1)
        elif depth == 0 and (kind := unicodedata.bidirectional(char)) in ("L", "R", "AL"):
            return "ltr" if kind == "L" else "rtl"
    return "none"


def test_a_right_to_left_run_becomes_one_island_and_other_text_stays_as_it_is() -> None:
    assert isolated("Hello Lan,\n") == "Hello Lan,\n"
    assert isolated(f"- {ARABIC_NAME}'s German: A1, 39 km") == f"- {FSI}{ARABIC_NAME}{PDI}'s German: A1, 39 km"
    # An island ends with its line: a paragraph's end closes every isolate anyway.
    assert isolated("אבי\nدانا") == f"{FSI}אבי{PDI}\n{FSI}دانا{PDI}"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_no_line_about_a_right_to_left_name_turns_right_to_left(locale: str) -> None:
    found = facts("mentor", "counterpart", NEWCOMER, MENTOR, "Renate Albrecht", locale)
    email = render_email("introduction", locale, {
        **SAMPLE, "name": "Renate Albrecht", "side": "counterpart", "other_title": ARABIC_NAME,
        "first_step_name": ARABIC_NAME, "facts": found, "reasons": []})
    named = [line for line in email.text.splitlines() if ARABIC_NAME in line]
    assert len(named) >= 2, email.text  # the heading and at least one fact name the newcomer
    for line in named:
        assert paragraph_direction(line) in ("ltr", "none"), repr(line)
        assert f"{FSI}{ARABIC_NAME}{PDI}" in line
    assert email.html is not None and f"{FSI}{ARABIC_NAME}{PDI}" in email.html
    assert ARABIC_NAME not in email.html.replace(f"{FSI}{ARABIC_NAME}{PDI}", "")


def test_a_subject_naming_a_right_to_left_name_keeps_it_in_its_island() -> None:
    email = render_email("introduction", "en", {**SAMPLE, "side": "counterpart", "other_title": ARABIC_NAME})
    assert email.subject == f"Introduction: {FSI}{ARABIC_NAME}{PDI}"
