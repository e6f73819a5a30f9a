"""Review 8e, finding 9: a match's subjects used three separator styles: German and Vietnamese an en
dash ("Vorstellung: Pflegefachkraft – Klinikum Gera"), Ukrainian, Russian and Mongolian an em dash,
and the check-ins none ("Wie läuft es? Trần Văn Minh", question and name run together). Every
language now writes " – " (en dash, spaces) between a subject's parts, as German does; Chinese keeps
its own full-width punctuation ("——", "？", "：", no spaces), see test_notifier_subjects_name_the_match."""

from __future__ import annotations

from typing import Any

import pytest

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared.i18n import SUPPORTED_LOCALES

MENTOR: dict[str, Any] = {**SAMPLE, "kind": "mentor", "other_title": "Sabine Krüger"}
COURSE: dict[str, Any] = {**SAMPLE, "kind": "language_course", "other_title": "Deutsch B1 abends",
                          "organisation": "Volkshochschule Gera"}
FOR_A_JOB: dict[str, Any] = {**SAMPLE, "side": "counterpart", "kind": "employer", "other_title": "Nguyễn Thị Lan",
                             "wanted": "Pflegefachkraft"}
SUBJECTS = [("introduction", {}), ("reminder", {}), ("match_declined", {}), ("match_active", {}),
            ("match_active", {"shared_later": "by_other"}), ("match_ended", {}), ("checkin", {}),
            ("checkin_again", {})]
QUESTIONS = ("checkin", "checkin_again")  # a question before the name, no colon
DASH = " – "
OTHER_DASHES = ("—", "--", "-–", "–-")


@pytest.mark.parametrize("locale", [locale for locale in SUPPORTED_LOCALES if locale != "zh"])
@pytest.mark.parametrize(("notification", "extra"), SUBJECTS)
def test_every_match_subject_uses_an_en_dash(notification: str, extra: dict[str, Any], locale: str) -> None:
    mentor, course, job = (render_email(notification, locale, {**match, **extra}).subject
                           for match in (MENTOR, COURSE, FOR_A_JOB))
    assert "Deutsch B1 abends – Volkshochschule Gera" in course, course
    assert "Nguyễn Thị Lan – Pflegefachkraft" in job, job
    if notification in QUESTIONS:
        for subject, first in ((mentor, "Sabine Krüger"), (course, "Deutsch B1 abends"), (job, "Nguyễn Thị Lan")):
            assert DASH + first in subject, subject
    for subject in (mentor, course, job):
        assert not any(dash in subject for dash in OTHER_DASHES), subject


@pytest.mark.parametrize("locale", [locale for locale in SUPPORTED_LOCALES if locale != "zh"])
def test_an_erased_newcomers_ending_uses_an_en_dash(locale: str) -> None:
    """The provider's subject after an erasure: its title, then which of its courses."""
    erased = {**SAMPLE, "named": False, "other_title": "", "status": "cancelled", "ended_because": "erased",
              "side": "counterpart", "kind": "language_course", "wanted": "Deutsch B1 abends"}
    subject = render_email("match_ended", locale, erased).subject
    assert DASH in subject and not any(dash in subject for dash in OTHER_DASHES), subject


def test_chinese_keeps_its_full_width_punctuation() -> None:
    assert render_email("checkin", "zh", MENTOR).subject == "进展如何？Sabine Krüger"
    assert render_email("checkin_again", "zh", COURSE).subject == "还在进行吗？Deutsch B1 abends——Volkshochschule Gera"
