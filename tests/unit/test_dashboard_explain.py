"""The dashboard says every sentence the matcher writes again in the coordinator's language.

The sentences are built with the matcher's own feature functions, in every variant, so a
sentence reworded in the matcher fails here rather than showing English on a German page.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from lotse.intake.dashboard.explain import DATED, PATTERNS, explain
from lotse.intake.dashboard.vocabulary import for_locale
from lotse.matcher import features, scoring
from lotse.shared.reference import taxonomy
from tests.unit.test_matcher_logic import NOW, course, mentor, newcomer, position

TODAY = date(2026, 11, 23)
# Codes the matcher writes into its sentences, less "online", which is a German word as well.
CODES = frozenset(code for group in ("needs", "occupation_fields", "schedules", "course_formats", "employer_offers")
                  for code in taxonomy()[group]) - {"online"} | {"native"}


def _every_sentence() -> list[features.Feature]:
    found: list[features.Feature] = []
    weak = newcomer()  # German A2, English B2, a child of 4, a partner looking for work
    strong = newcomer(languages={"vi": "native", "de": "C1"}, needs=frozenset(), children_ages=(),
                      partner_seeks_work=False)
    no_german = newcomer(languages={"vi": "native", "en": "B2"})
    for n in (weak, strong, no_german):
        found += features.mentor_features(n, mentor(), 0.12, NOW)
        found += features.mentor_features(n, mentor(district="16063", online_ok=True, occupation_field="nursing",
                                                    helps_with=frozenset({"banking"})), 0.0, NOW)
        found += features.mentor_features(n, mentor(district="16076", max_distance_km=80.0,
                                                    languages={"de": "native", "vi": "C1"}), 0.5, NOW)
        found += features.mentor_features(n, mentor(languages={"fr": "native"}), 0.5, NOW)
        for c in (course(), course(format="online", childcare=False, starts_on=TODAY + timedelta(days=1))):
            found += features.course_features(n, c, TODAY, NOW)
        for offers in (frozenset(), frozenset({"childcare_support", "partner_job_support", "relocation_support",
                                               "housing_help"})):
            found += features.position_features(n, position(offers=offers, min_german_level="B2"), 0.3, NOW)
            found += features.position_features(n, position(offers=offers, min_german_level="A1"), 0.3, NOW)
        # A job within the distance the newcomer would commute (Gera – Jena, 35 of 50 km).
        found += features.position_features(replace(n, max_commute_km=50), position(district="16053"), 0.3, NOW)
    return found


def _entries() -> list[dict[str, Any]]:
    entries = [{"factor": f.name, "contribution": 0.1, "detail": f.detail} for f in _every_sentence()]
    model = scoring.LinearModel("mentor", 1, 40, ("language",), (1.0,), 0.0)
    entries += [e for e in scoring.score("mentor", _every_sentence()[:6], model).explanation
                if e["factor"] == "learned"]
    return entries


@pytest.mark.parametrize("locale", ["de", "en"])
def test_every_matcher_sentence_is_rendered_in_the_dashboard_language(locale: str) -> None:
    v = for_locale(locale)
    entries = _entries()
    assert len({e["detail"] for e in entries}) > 30
    for entry in entries:
        sentence, language = explain(v, entry)
        assert language is None, f"not understood: {entry}"
        if locale == "de":
            assert sentence != entry["detail"], entry
        # No code of the vocabularies is left in the sentence.
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", sentence), sentence
        if locale == "de":  # nor a one-word code ("evening", "nursing") that reads as English
            assert not {w for w in re.findall(r"\w+", sentence) if w in CODES}, sentence


def test_every_pattern_is_exercised_by_a_matcher_sentence() -> None:
    entries = _entries()
    for factor, rules in [*PATTERNS.items(), *((f, (rule,)) for f, rule in DATED.items())]:
        for pattern, _ in rules:
            assert any(e["factor"] == factor and pattern.fullmatch(e["detail"]) for e in entries), pattern.pattern


def test_german_sentences_have_labels_and_decimal_commas() -> None:
    v = for_locale("de")
    said = {e["detail"]: explain(v, e, today=TODAY)[0] for e in _entries()}
    assert said["German A2 for B2 required, with a German course during work."] == (
        "Deutsch A2, verlangt B2, mit Deutschkurs während der Arbeit.")
    assert said["Both speak German well (C1 and native)."] == "Beide sprechen gut Deutsch (C1 und Muttersprache)."
    assert said["English as a bridge language while German is still weak."].startswith("Englisch als Brückensprache")
    assert said["They can speak Vietnamese, the newcomer's mother tongue, while German is still weak."] == (
        # Of the mentor, in the third person: "Sie können" read as addressing the coordinator (review 8d, finding 12).
        "Die Mentorin oder der Mentor spricht Vietnamesisch, die Muttersprache der neu angekommenen Person – "
        "eine Brücke, solange deren Deutsch noch schwach ist.")
    assert said["German none for A1 required, with a German course during work."].startswith("Noch kein Deutsch")
    assert "Unterstützung beim Umzug" in said["Offers housing_help, relocation_support."]
    assert said["Their own words have 12% in common."] == "Die eigenen Worte stimmen zu 12\xa0% überein."
    assert "Kinderbetreuung (Kita)" in said["Helps with childcare (1 of 2 needs)."]
    assert said["Starts in 17 days (2026-12-10)."] == "Beginnt in 17 Tagen (10.12.2026)."
    assert (v.num(0.53, 2), v.num(0.101, 3), v.percent(0.5)) == ("0,53", "0,101", "50\xa0%")


def test_a_mother_tongue_stored_as_a_bridge_language_by_an_older_matcher_still_renders() -> None:
    stored = "Arabic as a bridge language while German is still weak."
    assert explain(for_locale("de"), {"factor": "language", "contribution": 0.3, "detail": stored}) == (
        "Arabisch als Brückensprache, solange das Deutsch noch schwach ist.", None)


def test_an_unknown_sentence_is_shown_as_it_is_and_marked_english() -> None:
    entry = {"factor": "distance", "contribution": 0.1, "detail": "Something an older matcher said."}
    assert explain(for_locale("de"), entry) == ("Something an older matcher said.", "en")
    assert explain(for_locale("en"), entry) == ("Something an older matcher said.", None)


def test_labels_inside_a_sentence_read_as_a_list_and_a_need_says_whose_it_is() -> None:
    """Review 7, polish: "Offers Relocation support." (a label's capital inside a sentence), and the
    form's first-person "Work for my partner" as a coordinator's label."""
    english = {e["detail"]: explain(for_locale("en"), e)[0] for e in _entries()}
    assert english["Offers housing_help, relocation_support."] == "Offers: Help finding housing, Relocation support."
    assert for_locale("en").labels("need", ["partner_career", "school"]) == "Job search for the partner, School"
    assert for_locale("de").label("need", "partner_career") == "Arbeitssuche für die Partnerin oder den Partner"


def test_days_are_counted_when_the_sentence_is_shown_not_when_the_matcher_wrote_it() -> None:
    """Review 8a, finding 2: "Starts in 21 days" and "Waiting for 0 days" were the suggestion's day's
    truth, shown unchanged while it waited; a course that has started said it starts in 21 days."""
    de, en = for_locale("de"), for_locale("en")
    start = {"factor": "start", "contribution": 0.1, "detail": "Starts in 21 days (2026-12-15)."}
    assert explain(de, start, today=date(2026, 12, 5))[0] == "Beginnt in 10 Tagen (15.12.2026)."
    assert explain(en, start, today=date(2026, 12, 14))[0] == "Starts in 1 day (Dec 15, 2026)."
    assert explain(de, start, today=date(2026, 12, 15))[0] == "Beginnt heute (15.12.2026)."
    assert explain(de, start, today=date(2026, 12, 16))[0] == "Hat vor 1 Tag begonnen (15.12.2026)."
    assert explain(en, start, today=date(2026, 12, 18))[0] == "Started 3 days ago (Dec 15, 2026)."
    waiting = {"factor": "waiting", "contribution": 0.0, "detail": "Waiting for 0 days."}
    created = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    open_one = {"created_at": created, "status": "suggested"}
    assert explain(de, waiting, open_one, today=date(2026, 12, 4))[0] == "Wartet seit 10 Tagen."
    assert explain(en, waiting, {"created_at": created}, today=date(2026, 11, 25))[0] == "Waiting for 1 day."
    # A decided suggestion keeps what it was decided on.
    assert explain(de, waiting, {**open_one, "status": "approved"}, today=date(2026, 12, 4))[0] == (
        "Wartet seit 0 Tagen.")


def test_a_courses_start_is_said_from_its_row_when_its_provider_moved_it() -> None:
    """Review 8c, finding 1: the sentence keeps the start it was written with (3 January); the
    course row says 27 November now. The row's date is told, open or decided; the sentence's only
    when the row is gone. A start moved into the past reads as started."""
    de = for_locale("de")
    start = {"factor": "start", "contribution": 0.1, "detail": "Starts in 40 days (2027-01-03)."}
    moved = {"course_starts_on": date(2026, 11, 27), "status": "suggested"}
    assert explain(de, start, moved, today=TODAY)[0] == "Beginnt in 4 Tagen (27.11.2026)."
    assert explain(de, start, {**moved, "status": "active"}, today=TODAY)[0] == "Beginnt in 4 Tagen (27.11.2026)."
    assert explain(de, start, {**moved, "course_starts_on": date(2026, 11, 21)}, today=TODAY)[0] == (
        "Hat vor 2 Tagen begonnen (21.11.2026).")
    assert explain(de, start, {"course_starts_on": None}, today=TODAY)[0] == "Beginnt in 41 Tagen (03.01.2027)."
