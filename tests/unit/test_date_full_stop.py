"""Review 8e, finding 9: a date whose long form ends in an abbreviation ("2026 р.", "2026 г.") keeps
its full stop where the sentence goes on or the subject ends; only a date that ends a sentence
leaves it to the sentence's own full stop."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lotse.notifier import match_context
from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared import reference
from lotse.shared.i18n import SUPPORTED_LOCALES


def test_the_late_entry_start_keeps_its_full_stop_before_the_semicolon() -> None:
    started = reference.today() - timedelta(days=10)
    late = match_context.late_entry({"starts_on": started, "late_entry_weeks": 6}, "uk")
    assert late is not None
    assert late["started"].endswith("р.") and late["until"].endswith("р")
    text = render_email("introduction", "uk", {**SAMPLE, "kind": "language_course", "late_entry": late}).text
    assert "р.;" in text and "р;" not in text


def test_the_pause_subject_ends_with_the_whole_date() -> None:
    day = reference.today() + timedelta(days=3)
    sample = {"name": "Ірина", "manage_url": "https://lotse.example/manage/x",
              "pause_ends": match_context.date_in_sentence(day, "uk"),
              "pause_ends_alone": match_context.local_date(day, "uk")}
    mail = render_email("pause_ending", "uk", sample)
    assert mail.subject.endswith("р.")
    assert " р.." not in mail.text


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_announced_deletion_day_keeps_its_abbreviation(locale: str) -> None:
    """Review 9c, F10: "ми видалимо 24 грудня 2026 р вашу реєстрацію" — the Ukrainian (and the Russian
    and Serbian) sentence named the day mid-sentence, where the date given for a sentence's end has
    lost its full stop. The day now ends the sentence there, whose full stop completes it."""
    day = reference.today() + timedelta(days=30)
    sample = {**SAMPLE, "erase_on": match_context.date_in_sentence(day, locale),
              "erase_on_alone": match_context.local_date(day, locale)}
    whole = match_context.local_date(day, locale)
    # Also the words to a newcomer nobody was found for yet (review 9d, D2): the day ends that sentence too.
    for looking in (False, True):
        mail = render_email("inactive_erasure_notice", locale, {**sample, "still_looking": looking})
        for part in (mail.text, mail.html or ""):
            assert whole in part, (locale, looking, whole)
