"""Review 8d, finding 10: the digest's unanswered flag names the silent side in every language the
coordinators may choose: the newcomer, the mentor, the course provider or employer (by its
organisation), or both; a flag without `silent` keeps the old words."""

from __future__ import annotations

from typing import Any

import pytest

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared.i18n import SOURCE_LOCALE, SUPPORTED_LOCALES

CASES = {  # (kind, silent) -> the English line's flag
    ("mentor", ("newcomer",)): "no answer from the newcomer (Lan) after a reminder",
    ("mentor", ("counterpart",)): "no answer from the mentor (Tom) after a reminder",
    ("language_course", ("counterpart",)): "no answer from the course provider (VHS Gera) after a reminder",
    ("employer", ("counterpart",)): "no answer from the employer (Klinikum Gera) after a reminder",
    ("employer", ("newcomer", "counterpart")): "no answer from either side after a reminder",
    ("mentor", ()): "no answer after a reminder",
}


def _flag(locale: str, kind: str, silent: tuple[str, ...]) -> str:
    organisation = {"language_course": "VHS Gera", "employer": "Klinikum Gera"}.get(kind, "")
    flagged: list[dict[str, Any]] = [{
        "kind": kind, "code": "unanswered", "reason": "", "newcomer": "Lan", "counterpart": "Tom",
        "organisation": organisation, "silent": list(silent), "url": "https://lotse.example/dashboard/matches/1"}]
    text = render_email("digest", locale, {**SAMPLE, "flagged": flagged}).text
    [line] = [line for line in text.splitlines() if "Lan ↔ Tom – " in line]
    return line.split("Lan ↔ Tom – ", 1)[1]


def test_the_english_digest_names_the_silent_side() -> None:
    assert {case: _flag(SOURCE_LOCALE, *case) for case in CASES} == CASES


@pytest.mark.parametrize("locale", [locale for locale in SUPPORTED_LOCALES if locale != SOURCE_LOCALE])
def test_every_language_names_the_silent_side_in_its_own_words(locale: str) -> None:
    shown = {case: _flag(locale, *case) for case in CASES}
    assert all(shown[case] != CASES[case] for case in CASES), shown  # translated
    assert len(set(shown.values())) == len(CASES)  # each case its own words
    for (kind, silent), line in shown.items():
        if silent == ("newcomer",):
            assert "Lan" in line
        elif silent == ("counterpart",):
            assert ("Tom" if kind == "mentor" else "Gera") in line
