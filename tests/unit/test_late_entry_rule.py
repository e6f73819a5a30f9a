"""Late-entry courses: the one rule (matches_db.course_started with late_entry_weeks) and what
the dashboard's explanation says of a begun course that still takes newcomers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from lotse.intake.dashboard.explain import explain
from lotse.intake.dashboard.vocabulary import for_locale
from lotse.shared import matches_db

TODAY = date(2026, 11, 23)
TEN_DAYS_AGO = TODAY - timedelta(days=10)


@pytest.fixture(autouse=True)
def _thuringia_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(matches_db, "today", lambda: TODAY)


@pytest.mark.parametrize(("starts_on", "weeks", "started", "late_open"), [
    (TEN_DAYS_AGO, None, True, False),  # no late entry: started the day after its start, as before
    (TEN_DAYS_AGO, 4, False, True),  # entry until 18 days from now
    (TEN_DAYS_AGO, 1, True, False),  # its week of late entry ended three days ago
    (TODAY - timedelta(days=14), 2, False, True),  # the last day of late entry is still open
    (TODAY - timedelta(days=15), 2, True, False),
    (TODAY, None, False, False),  # starts today: offered, not begun
    (TODAY + timedelta(days=3), 4, False, False),
    (None, 4, False, False),
])
def test_the_rule(starts_on: date | None, weeks: int | None, started: bool, late_open: bool) -> None:
    assert matches_db.course_started(starts_on, weeks) is started
    assert matches_db.late_entry_open(starts_on, weeks) is late_open


def test_entry_until_and_offer_state() -> None:
    assert matches_db.entry_until(TEN_DAYS_AGO, 4) == TEN_DAYS_AGO + timedelta(days=28)
    assert matches_db.entry_until(TEN_DAYS_AGO, None) == TEN_DAYS_AGO
    offer = {"closed_at": None, "starts_on": TEN_DAYS_AGO}
    assert matches_db.offer_state({**offer, "late_entry_weeks": 4}) == "open"
    assert matches_db.offer_state({**offer, "late_entry_weeks": None}) == "started"
    assert matches_db.offer_state(offer) == "started"  # a reader without the column: no late entry


def test_the_sql_names_the_late_entry_column_of_the_same_table() -> None:
    assert "c.late_entry_weeks" in matches_db.course_started_sql("c.starts_on")
    assert "(starts_on + 7 * coalesce(late_entry_weeks, 0))" in matches_db.course_started_sql()
    # A date that is no course's column (test_course_started_calendar's parameter) has no late entry.
    assert "coalesce(NULL, 0)" in matches_db.course_started_sql("$1::date")


def test_the_dashboard_says_until_when_a_begun_course_takes_newcomers() -> None:
    start = {"factor": "start", "contribution": 0.1, "detail": "Starts in 20 days (2026-11-13)."}
    row = {"course_starts_on": TEN_DAYS_AGO, "course_late_entry_weeks": 4, "status": "suggested"}
    assert explain(for_locale("de"), start, row, today=TODAY)[0] == (
        "Hat vor 10 Tagen begonnen (13.11.2026); Einstieg möglich bis 11.12.2026.")
    assert explain(for_locale("en"), start, row, today=TODAY)[0] == (
        "Started 10 days ago (Nov 13, 2026); entry possible until Dec 11, 2026.")
    # Late entry over, or none: started, as before.
    assert explain(for_locale("de"), start, {**row, "course_late_entry_weeks": 1}, today=TODAY)[0] == (
        "Hat vor 10 Tagen begonnen (13.11.2026).")
    assert explain(for_locale("de"), start, {**row, "course_late_entry_weeks": None}, today=TODAY)[0] == (
        "Hat vor 10 Tagen begonnen (13.11.2026).")


def test_the_matcher_scores_a_late_entry_by_the_days_missed() -> None:
    """Before, a begun course read "Starts in -10 days" and got the best start score of all: a
    course ten days under way outranked one starting tomorrow."""
    from lotse.matcher.features import start_feature

    tomorrow, today = start_feature(TODAY + timedelta(days=1), TODAY), start_feature(TODAY, TODAY)
    late, later = start_feature(TEN_DAYS_AGO, TODAY), start_feature(TODAY - timedelta(days=27), TODAY)
    assert late.detail == "Started 10 days ago (2026-11-13)."
    assert today.value >= tomorrow.value > late.value > later.value > 0.0
    assert start_feature(TODAY - timedelta(days=40), TODAY).value == 0.0


def test_the_dashboard_reads_the_matchers_sentence_for_a_begun_course() -> None:
    start = {"factor": "start", "contribution": 0.0, "detail": "Started 10 days ago (2026-11-13)."}
    # The course row gone: the sentence's own date is counted from.
    assert explain(for_locale("de"), start, {"status": "suggested"}, today=TODAY)[0] == (
        "Hat vor 10 Tagen begonnen (13.11.2026).")
