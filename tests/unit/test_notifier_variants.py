"""Every notification in every locale and every variant (kind of match, side, with and without
contact, course times, digest contents): nothing untranslated, one-line subjects, markup from
people's own words never becomes markup in the HTML part."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest

from lotse.notifier.compose import flag_code
from lotse.notifier.match_context import date_in_sentence, local_date, reasons
from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import DOMAIN, PACKAGE, TYPES, render_email
from lotse.shared import matches
from lotse.shared.i18n import SOURCE_LOCALE, SUPPORTED_LOCALES, untranslated

TRANSLATED = [locale for locale in SUPPORTED_LOCALES if locale != SOURCE_LOCALE]
MATCH_TYPES = ("introduction", "reminder", "match_declined", "match_ended", "checkin", "match_active")
HOSTILE = '<img src=x onerror="alert(1)">'


@pytest.mark.parametrize("locale", TRANSLATED)
def test_the_catalog_has_every_message(locale: str) -> None:
    assert untranslated(PACKAGE, DOMAIN, locale) == []


def variants() -> list[dict[str, Any]]:
    found = []
    for kind, side, contact, schedule, ended_by_me, status in itertools.product(
        ("mentor", "language_course", "employer"), ("newcomer", "counterpart"), (None, "a@example.org"),
        (None, "daytime", "evening", "weekend", "intensive"), (False, True), ("completed", "cancelled"),
    ):
        found.append({**SAMPLE, "kind": kind, "side": side, "contact_email": contact, "schedule": schedule,
                      "starts_on": "2. März 2026" if schedule else None, "ended_by_me": ended_by_me,
                      "status": status, "organisation": "VHS Gera",
                      "reasons": ["language", "distance", "needs", "occupation", "about", "schedule", "household",
                                  "start", "german", "offers"]})
    return found


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("notification", MATCH_TYPES)
def test_every_variant_renders_with_a_one_line_subject(notification: str, locale: str) -> None:
    for context in variants():
        email = render_email(notification, locale, context)
        assert email.subject.strip() and "\n" not in email.subject and len(email.subject) < 120
        assert "%(" not in email.text + email.subject + (email.html or "")
        assert email.text.endswith("\n") and email.html and email.html.startswith("<!doctype html>")


@pytest.mark.parametrize("locale", TRANSLATED)
def test_course_times_are_words_of_the_locale(locale: str) -> None:
    english = render_email("introduction", "en", {**SAMPLE, "kind": "language_course", "schedule": "evening"})
    local = render_email("introduction", locale, {**SAMPLE, "kind": "language_course", "schedule": "evening"})
    assert "When: in the evening" in english.text
    assert "When: in the evening" not in local.text


def test_without_consent_the_welcome_centre_connects() -> None:
    email = render_email("introduction", "en", {**SAMPLE, "contact_email": None, "addresses_follow": False})
    assert "The welcome centre will put you in touch." in email.text
    assert "You can write to" not in email.text


@pytest.mark.parametrize("notification", TYPES)
@pytest.mark.parametrize("locale", ["de", "zh", "sr"])
def test_markup_in_names_and_titles_stays_text_in_html(notification: str, locale: str) -> None:
    context = {**SAMPLE, "name": HOSTILE, "other_title": HOSTILE, "organisation": HOSTILE,
               "flagged": [{"kind": "mentor", "code": "other", "reason": HOSTILE, "newcomer": HOSTILE,
                            "counterpart": HOSTILE, "url": "https://lotse.example/dashboard/matches/1"}]}
    email = render_email(notification, locale, context)
    assert "<img" not in (email.html or "")
    if notification not in ("digest", "erasure_confirmation", "verification", "registration_confirmed"):
        assert "&lt;img" in (email.html or "")
    assert "&lt;" not in email.text  # the plain-text part is not HTML: nothing to escape there


def test_subjects_stay_one_line_even_with_a_line_break_in_a_value() -> None:
    email = render_email("digest", "en", {**SAMPLE, "new_suggestions": "3\nBcc: x@example.org"})
    assert "\n" not in email.subject


def test_the_strongest_pair_reasons_are_chosen() -> None:
    explanation = [
        {"factor": "waiting", "contribution": 0.9, "detail": "not about the pair"},
        {"factor": "needs", "contribution": 0.2, "detail": ""},
        {"factor": "language", "contribution": 0.4, "detail": ""},
        {"factor": "distance", "contribution": 0.1, "detail": ""},
        {"factor": "about", "contribution": 0.0, "detail": ""},
        "garbage",
    ]
    assert reasons(explanation) == ["language", "needs"]  # type: ignore[arg-type]  # "garbage" on purpose
    assert reasons([]) == []


@pytest.mark.parametrize("locale, expected", [("de", "2. März 2026"), ("de-simple", "2. März 2026"),
                                              ("zh", "2026年3月2日"), ("uk", "2 березня 2026\u202fр.")])
def test_course_start_dates_are_written_as_locals_write_them(locale: str, expected: str) -> None:
    assert local_date(date(2026, 3, 2), locale) == expected


@pytest.mark.parametrize("locale, expected", [("uk", "Початок 15 грудня 2026\u202fр."),
                                              ("ru", "Начало 15 декабря 2026\u202fг."),
                                              ("sr", "Почиње 15. децембар 2026."), ("de", "15. Dezember 2026.")])
@pytest.mark.parametrize("notification", ["introduction", "match_active"])
def test_a_course_start_ends_its_sentence_with_one_full_stop(notification: str, locale: str, expected: str) -> None:
    context = {**SAMPLE, "kind": "language_course", "starts_on": date_in_sentence(date(2026, 12, 15), locale)}
    email = render_email(notification, locale, context)
    assert expected in email.text and expected in (email.html or "")
    assert ".." not in email.text.split("\n-- \n")[0]


def _digest_flag(locale: str, code: str | None, reason: str) -> str:
    """What the digest's one flagged line says the flag is (after its "newcomer ↔ counterpart – ")."""
    flagged = [{"kind": "mentor", "code": flag_code(code), "reason": reason, "newcomer": "Lan", "counterpart": "Tom",
                "url": "https://lotse.example/dashboard/matches/1"}]
    text = render_email("digest", locale, {**SAMPLE, "flagged": flagged}).text
    [line] = [line for line in text.splitlines() if "Lan ↔ Tom – " in line]
    return line.split("Lan ↔ Tom – ", 1)[1]


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_digest_names_every_flag_code_in_the_readers_language(locale: str) -> None:
    english = {code: _digest_flag(SOURCE_LOCALE, code, "") for code in matches.FLAGS}
    assert all(english.values())  # none falls back to the (empty) stored words
    if locale != SOURCE_LOCALE:
        assert all(_digest_flag(locale, code, "") != english[code] for code in matches.FLAGS)
    assert _digest_flag("de", matches.FLAG_UNANSWERED, "") == "keine Antwort nach einer Erinnerung"


def test_a_flag_in_words_is_shown_as_written_even_when_it_reads_like_intakes_sentence() -> None:
    # The sentence intake used to store: words now, not a code (migration 0021 turned the stored ones into codes).
    assert flag_code("no answer after a reminder") == "other" and flag_code(None) == "other"
    assert _digest_flag("de", None, "no answer after a reminder") == "no answer after a reminder"


def test_plain_german_says_it_simply() -> None:
    simple = render_email("introduction", "de-simple", SAMPLE)
    standard = render_email("introduction", "de", SAMPLE)
    assert simple.text != standard.text
    assert "Darum passt es:" in simple.text and "Ich sage Ja" in (simple.html or "")
