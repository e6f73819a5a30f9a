"""Review 8h, finding 4: the pause_ending email ran its two sentences together in every language
("…für Sie.Wenn das so stimmt…"): under trim_blocks the line break after `{% endif %}` was eaten.
Each variant (own pause or the welcome centre's, places free or all taken) in every locale, text and
HTML part, keeps a space or line break before "If that is right"."""

from __future__ import annotations

import re

import pytest

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared.i18n import SUPPORTED_LOCALES, translations


def _if_right(locale: str) -> str:
    """"If that is right, there is nothing to do." in the locale's words."""
    return translations("lotse.notifier", "notifier", locale).gettext("If that is right, there is nothing to do.")


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("by_centre", [False, True])
@pytest.mark.parametrize("places_all_taken", [False, True])
def test_the_sentence_before_if_that_is_right_ends_with_a_break(locale: str, by_centre: bool,
                                                                places_all_taken: bool) -> None:
    mail = render_email("pause_ending", locale, {**SAMPLE, "by_centre": by_centre,
                                                 "places_all_taken": places_all_taken})
    following = _if_right(locale)
    for part in (mail.text, mail.html or ""):
        before = part[:part.index(following)]
        assert re.search(r"[.。]\s+$", before), (locale, part[max(0, len(before) - 60):len(before) + 20])


def test_german_and_english_read_as_two_sentences() -> None:
    assert "für Sie. Wenn das so stimmt" in " ".join(render_email("pause_ending", "de", SAMPLE).text.split())
    assert "again. If that is right" in " ".join(render_email("pause_ending", "en", SAMPLE).text.split())
