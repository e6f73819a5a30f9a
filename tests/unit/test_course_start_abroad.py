"""A newcomer still abroad and a course's start (review 8f, finding 2): an in-person or hybrid
course starting now, or already running, is the one they are least likely to reach, so its early
start is not rewarded; an online course keeps the usual scale. The same features rank a newcomer's
queue and a round's assignment."""

from __future__ import annotations

from datetime import timedelta

from lotse.intake.dashboard.explain import explain
from lotse.intake.dashboard.vocabulary import for_locale
from lotse.matcher import candidates as cand
from lotse.matcher import features, rounds
from lotse.matcher.pools import Pools
from tests.unit.test_matcher_logic import NOW, course, newcomer

TODAY = NOW.date()  # NOW is midnight UTC: the same day in Thuringia
ABROAD = "Still abroad: a course starting soon may come before arrival."


def _start(**overrides: object) -> features.Feature:
    """The start feature of an in-person course for the newcomer (abroad unless overridden)."""
    who = newcomer(abroad=overrides.pop("abroad", True))
    return next(f for f in features.course_features(who, course(**overrides), TODAY, NOW) if f.name == "start")


def test_an_early_start_of_an_in_person_course_is_not_rewarded_for_a_newcomer_abroad_only() -> None:
    today, in_two_months = _start(starts_on=TODAY), _start(starts_on=TODAY + timedelta(days=60))
    running = _start(starts_on=TODAY - timedelta(days=3))
    assert today.value == 0.0 and running.value == 0.0  # before: 1.0 and 0.89, the best there were
    assert in_two_months.value > today.value
    assert today.detail == f"Starts in 0 days ({TODAY.isoformat()}). {ABROAD}"
    assert running.detail.startswith("Started 3 days ago (") and running.detail.endswith(ABROAD)
    assert _start(starts_on=TODAY, format="hybrid").value == 0.0  # hybrid: there in person too
    # An online course (attended from abroad too) and a newcomer who arrived: the usual scale.
    for online_or_arrived in ({"format": "online"}, {"abroad": False}):
        today = _start(starts_on=TODAY, **online_or_arrived)
        later = _start(starts_on=TODAY + timedelta(days=60), **online_or_arrived)
        assert today.value == 1.0 and later.value == 0.5
        assert ABROAD not in today.detail and today.detail == f"Starts in 0 days ({TODAY.isoformat()})."


def test_the_queue_and_a_round_prefer_the_later_course_for_a_newcomer_abroad() -> None:
    """Two in-person courses alike but for the start: the one in two months ranks first for Lan
    abroad (the one starting today did before), and a round gives her that one."""
    now_course = course(starts_on=TODAY)
    later_course = course(starts_on=TODAY + timedelta(days=60))
    pools = Pools(courses=[now_course, later_course])
    title = {now_course.id: "today", later_course.id: "in two months"}
    ranked = cand.candidates("language_course", newcomer(abroad=True), pools, set(), {}, NOW)
    assert [title[c.counterpart.id] for c in ranked] == ["in two months", "today"]
    [(_, chosen)] = rounds.assign([ranked], "best_total_score")
    assert title[chosen.counterpart.id] == "in two months"
    # Arrived: the sooner start first, as before.
    here = cand.candidates("language_course", newcomer(abroad=False), pools, set(), {}, NOW)
    assert [title[c.counterpart.id] for c in here] == ["today", "in two months"]


def test_the_dashboard_says_why_in_the_coordinators_language() -> None:
    """The matcher's sentence, counted from the day it is shown as every start is, and the reason
    after it; in German from the dashboard's catalog."""
    start = _start(starts_on=TODAY + timedelta(days=10))
    entry = {"factor": "start", "contribution": 0.0125, "detail": start.detail}
    assert explain(for_locale("de"), entry, today=TODAY + timedelta(days=3)) == (
        "Beginnt in 7 Tagen (03.12.2026). Noch im Ausland: Ein Kurs, der bald beginnt, liegt vielleicht vor "
        "der Ankunft.", None)
    assert explain(for_locale("en"), entry, today=TODAY)[0] == f"Starts in 10 days (Dec 3, 2026). {ABROAD}"
    running = {"factor": "start", "contribution": 0.0, "detail": _start(starts_on=TODAY - timedelta(days=2)).detail}
    assert explain(for_locale("de"), running, today=TODAY)[0].startswith("Hat vor 2 Tagen begonnen (21.11.2026).")
    assert explain(for_locale("de"), running, today=TODAY)[0].endswith("liegt vielleicht vor der Ankunft.")
