"""Review 8b, finding 2: a newcomer introduced to a mentor, a course and a job on one day got three
emails with one subject (and then three "both said yes"), which mail apps merge into one thread.
Every email about one match of several names the match in its subject, as the check-in's does."""

from __future__ import annotations

from typing import Any

import pytest

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared.i18n import SUPPORTED_LOCALES

MENTOR: dict[str, Any] = {**SAMPLE, "kind": "mentor", "other_title": "Sabine Krüger"}
COURSE: dict[str, Any] = {**SAMPLE, "kind": "language_course", "other_title": "Deutsch B1 abends",
                          "organisation": "Volkshochschule Gera"}
JOB: dict[str, Any] = {**SAMPLE, "kind": "employer", "other_title": "Pflegefachkraft", "organisation": "Klinikum Gera"}
# (type, extra context): the emails a person can get for several matches at once.
ABOUT_ONE_MATCH = [
    ("introduction", {}), ("reminder", {}), ("match_declined", {}), ("match_active", {}),
    ("match_active", {"shared_later": "by_other"}), ("match_ended", {}), ("checkin", {}),
]


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize(("notification", "extra"), ABOUT_ONE_MATCH)
def test_a_newcomers_matches_have_subjects_of_their_own(notification: str, extra: dict[str, Any],
                                                        locale: str) -> None:
    subjects = [render_email(notification, locale, {**match, **extra}).subject for match in (MENTOR, COURSE, JOB)]
    assert len(set(subjects)) == 3, subjects
    assert "Sabine Krüger" in subjects[0] and "Deutsch B1 abends" in subjects[1] and "Pflegefachkraft" in subjects[2]


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize(("notification", "extra"), ABOUT_ONE_MATCH)
def test_a_counterparts_newcomers_have_subjects_of_their_own(notification: str, extra: dict[str, Any],
                                                             locale: str) -> None:
    """A mentor, or an employer with two openings, introduced to two newcomers at once."""
    lan = {**SAMPLE, "side": "counterpart", "kind": "employer", "other_title": "Nguyễn Thị Lan",
           "wanted": "Pflegefachkraft"}
    olena = {**lan, "other_title": "Олена Коваленко (Olena Kovalenko)", "wanted": "Pflegehilfskraft"}
    first, second = (render_email(notification, locale, {**who, **extra}).subject for who in (lan, olena))
    assert first != second and "Nguyễn Thị Lan" in first and "Olena Kovalenko" in second


def test_the_subject_names_the_match_first() -> None:
    """Review 8c, finding 11c: a short word, then what tells the match apart (the person, the course
    or position and its organisation), not "We would like to introduce you – Newcomer: …, for the
    job: …" whose first 40 characters, all a phone shows, were the same for every introduction."""
    assert render_email("introduction", "en", COURSE).subject == (
        "Introduction: Deutsch B1 abends – Volkshochschule Gera")
    assert render_email("match_active", "en", JOB).subject == "Both said yes: Pflegefachkraft – Klinikum Gera"
    assert render_email("match_declined", "en", MENTOR).subject == "Did not work out: Sabine Krüger"
    assert render_email("match_ended", "en", MENTOR).subject == "Ended: Sabine Krüger"
    assert render_email("reminder", "en", MENTOR).subject == "Reminder: Sabine Krüger"
    oksana = {**SAMPLE, "side": "counterpart", "kind": "employer", "other_title": "Оксана Мельник (Oksana Melnyk)",
              "wanted": "Pflegefachkraft (m/w/d)"}
    assert render_email("introduction", "de", oksana).subject == (
        "Vorstellung: Оксана Мельник (Oksana Melnyk) – Pflegefachkraft (m/w/d)")
    assert render_email("checkin", "de", oksana).subject == (
        "Wie läuft es? – Оксана Мельник (Oksana Melnyk) – Pflegefachkraft (m/w/d)")
    # Chinese punctuation: a full-width colon and dash, no spaces.
    assert render_email("introduction", "zh", JOB).subject == "介绍：Pflegefachkraft——Klinikum Gera"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize(("notification", "extra"), ABOUT_ONE_MATCH)
def test_the_match_comes_within_a_phones_first_line(notification: str, extra: dict[str, Any], locale: str) -> None:
    for match, name in ((MENTOR, "Sabine Krüger"), (COURSE, "Deutsch B1 abends"), (JOB, "Pflegefachkraft")):
        subject = render_email(notification, locale, {**match, **extra}).subject
        assert 0 < subject.index(name) <= 35, subject


def test_without_a_name_left_the_subject_is_as_it_was() -> None:
    """An erasure leaves no name: no dash with nothing after it; a course provider or an employer
    still learns which of its courses or positions."""
    erased = {**SAMPLE, "named": False, "other_title": "", "status": "cancelled", "ended_because": "erased"}
    assert render_email("match_ended", "en", erased).subject == "Your match has ended"
    assert render_email("match_ended", "en", {**erased, "side": "counterpart", "kind": "language_course",
                                              "wanted": "Deutsch B1 abends"}).subject == (
        "Your match has ended – Your course: Deutsch B1 abends")
    assert render_email("introduction", "de", erased).subject == "Wir möchten Sie miteinander bekannt machen"


@pytest.mark.parametrize("notification", ["match_active", "contact_changed"])
def test_the_html_title_made_from_the_subject_escapes_names(notification: str) -> None:
    hostile = '<img src=x onerror="alert(1)">'
    html = render_email(notification, "de", {**SAMPLE, "other_title": hostile, "other_name": hostile,
                                              "shared_later": "by_other"}).html or ""
    assert "<img" not in html and "&lt;img" in html.split("</title>")[0]
