"""Review 8b, finding 12: slips a reader of the Vietnamese or Ukrainian pages and emails trips over.
Vietnamese says "email" everywhere (not "e-mail" in some texts); Ukrainian says what a meeting
online will be ("ви зустрічатиметеся", not the conditional "ви зустрічалися б"), and uses words that
fit any reader instead of gender brackets ("впевнений(а)")."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared.i18n import catalog_path

CATALOGS = [("lotse.notifier", "notifier"), ("lotse.intake", "intake")]


def _translations(package: str, domain: str, locale: str) -> list[str]:
    with catalog_path(package, domain, locale).open("rb") as po:
        return [str(m.string) for m in read_po(po) if m.id and isinstance(m.string, str)]


@pytest.mark.parametrize(("package", "domain"), CATALOGS)
def test_vietnamese_says_email_everywhere(package: str, domain: str) -> None:
    assert [t for t in _translations(package, domain, "vi") if "e-mail" in t.lower()] == []


@pytest.mark.parametrize(("package", "domain"), CATALOGS)
def test_ukrainian_has_no_gender_brackets_nor_would_have_met(package: str, domain: str) -> None:
    slips = re.compile(r"\w\((а|ла|на)\)|зустрічалися б")
    assert [t for t in _translations(package, domain, "uk") if slips.search(t)] == []


def test_ukrainian_introduction_says_you_will_meet_online() -> None:
    text = render_email("introduction", "uk", SAMPLE).text
    assert "Доки ви не приїдете, ви зустрічатиметеся онлайн." in text
    assert "ще важко сказати" in render_email("checkin", "uk", SAMPLE).text
