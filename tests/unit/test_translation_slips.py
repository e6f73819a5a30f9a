"""Review 8b, finding 12: slips a reader of the Vietnamese or Ukrainian pages and emails trips over.
Vietnamese says "email" everywhere (not "e-mail" in some texts); Ukrainian says what a meeting
online will be ("ви зустрічатиметеся", not the conditional "ви зустрічалися б"), and uses words that
fit any reader instead of gender brackets ("впевнений(а)")."""

from __future__ import annotations

import re

import pytest

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from tests.unit.test_translation_gender_forms import CATALOGS, _strings


def _translations(package: str, domain: str, locale: str) -> list[str]:
    """Every translated text, each plural form too (a slip in a plural form is read as often)."""
    return [text for _, text in _strings(package, domain, locale)]


@pytest.mark.parametrize(("package", "domain"), CATALOGS)
def test_vietnamese_says_email_everywhere(package: str, domain: str) -> None:
    translations = _translations(package, domain, "vi")
    assert [t for t in translations if "e-mail" in t.lower()] == []
    assert any("email" in t.lower() for t in translations)  # the texts do speak of email


@pytest.mark.parametrize(("package", "domain"), CATALOGS)
def test_ukrainian_has_no_gender_brackets_nor_would_have_met(package: str, domain: str) -> None:
    slips = re.compile(r"\w\((а|ла|на)\)|зустрічалися б")
    assert [t for t in _translations(package, domain, "uk") if slips.search(t)] == []


def test_ukrainian_introduction_says_you_will_meet_online() -> None:
    text = render_email("introduction", "uk", SAMPLE).text
    assert "Доки ви не приїдете, ви зустрічатиметеся онлайн." in text
    assert "ще важко сказати" in render_email("checkin", "uk", SAMPLE).text
