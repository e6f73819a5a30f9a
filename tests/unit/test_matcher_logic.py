"""Pure matching logic: hard constraints, scores that add up, optimal rounds, evaluation metrics."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from lotse.matcher import candidates as cand
from lotse.matcher import features, learning, rounds, scoring
from lotse.matcher.evaluate import evaluate_kind, ndcg_at
from lotse.matcher.mentor_index import MentorIndex, _district_table
from lotse.matcher.pools import Pools
from lotse.shared import feasibility, profiles
from lotse.shared.profiles import Course, Mentor, Newcomer, Position

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def newcomer(**overrides: Any) -> Newcomer:
    values: dict[str, Any] = dict(
        id=uuid.uuid4(), district="16052", languages={"vi": "native", "en": "B2", "de": "A2"},
        occupation_field="nursing", needs=frozenset({"childcare", "housing"}), wants_mentor=True,
        course_schedules=frozenset({"evening"}), partner=True, partner_seeks_work=True, children_ages=(4,),
        about="Nurse moving to Gera with my daughter.", waiting_since=NOW - timedelta(days=30),
    )
    values.update(overrides)
    return Newcomer(**values)


def mentor(**overrides: Any) -> Mentor:
    values: dict[str, Any] = dict(
        id=uuid.uuid4(), district="16052", languages={"de": "native", "en": "B2"},
        helps_with=frozenset({"childcare"}), occupation_field=None, max_distance_km=30.0, online_ok=False,
        capacity_left=1, about="Retired nurse in Gera.",
    )
    values.update(overrides)
    return Mentor(**values)


def course(**overrides: Any) -> Course:
    values: dict[str, Any] = dict(
        id=uuid.uuid4(), provider_id=uuid.uuid4(), title="B1", level="B1", schedule="evening", format="in_person",
        district="16052", seats_left=3, starts_on=date(2026, 12, 10), childcare=True, about="",
    )
    values.update(overrides)
    return Course(**values)


def position(**overrides: Any) -> Position:
    values: dict[str, Any] = dict(
        id=uuid.uuid4(), employer_id=uuid.uuid4(), title="Pflege", occupation_field="nursing", openings_left=1,
        min_german_level="B1", district="16052", offers=frozenset(), about="",
    )
    values.update(overrides)
    return Position(**values)


@pytest.mark.parametrize(
    ("mentor_overrides", "feasible"),
    [
        ({}, True),
        ({"languages": {"de": "native", "en": "A2"}}, False),  # English only at A2 on one side
        ({"capacity_left": 0}, False),
        ({"district": "16063", "max_distance_km": 30.0}, False),  # Wartburgkreis is ~150 km from Gera
        ({"district": "16063", "max_distance_km": 30.0, "online_ok": True}, True),
        ({"district": "16076", "max_distance_km": 30.0}, True),  # Greiz is next door
    ],
)
def test_mentor_constraints(mentor_overrides: dict[str, object], feasible: bool) -> None:
    assert feasibility.mentor_feasible(newcomer(), mentor(**mentor_overrides)) is feasible


@pytest.mark.parametrize(("level", "shared"), [("A2", False), ("B1", True), ("native", True)])
def test_a_language_counts_from_b1_on_in_the_rule_and_in_the_index(level: str, shared: bool) -> None:
    # The rule is lotse.shared.languages' (the notifier names the same languages in an introduction).
    person = newcomer(languages={"uk": level, "de": "A1"})
    counterpart = mentor(languages={"uk": "native", "de": "native"})
    assert feasibility.mentor_feasible(person, counterpart) is shared
    found = cand.candidates("mentor", person, Pools(mentors=[counterpart]), set(), {}, NOW, limit=5)
    assert bool(found) is shared  # the index's vectorised threshold is the same rule


@pytest.mark.parametrize(("needs", "age", "wanted"), [
    (frozenset(), 6, True), (frozenset(), 7, False), (frozenset({"childcare"}), 12, True)])
def test_childcare_is_needed_for_a_child_under_seven_or_when_asked(needs: frozenset[str], age: int,
                                                                    wanted: bool) -> None:
    # lotse.shared.childcare's rule, which the notifier's introductions follow too.
    assert features.needs_childcare(newcomer(needs=needs, children_ages=(age,))) is wanted


def _newcomer_row(arrival: str, online_ok: bool | None) -> dict[str, Any]:
    """A stored newcomer as profiles.newcomer_from_row reads it; None: stored before the question existed."""
    profile: dict[str, Any] = {"occupation_field": "nursing", "arrival": arrival, "wants_mentor": True}
    if online_ok is not None:
        profile["online_ok"] = online_ok
    return {"id": uuid.uuid4(), "district": "16052", "languages": [{"code": "en", "level": "B2"}],
            "profile": profile, "about": "", "verified_at": NOW, "created_at": NOW}


# Gera newcomers; Wartburgkreis (16063) is ~150 km away, Greiz (16076) next door.
FAR, NEAR = {"district": "16063"}, {"district": "16076"}


@pytest.mark.parametrize("arrival", ["abroad", "arrived"])
@pytest.mark.parametrize(
    ("newcomer_online", "mentor_overrides", "feasible"),
    [
        (True, {**FAR, "online_ok": True}, True),  # both accept online: distance does not matter
        (None, {**FAR, "online_ok": True}, True),  # stored before the question: accepted online then
        (False, {**FAR, "online_ok": True}, False),  # the newcomer declines online: the mentor's limit holds
        (True, {**FAR, "online_ok": False}, False),  # the mentor declines online
        (False, {**FAR, "online_ok": False}, False),
        (False, {**NEAR, "online_ok": True}, True),  # within the mentor's distance: in person
        (False, {**NEAR, "online_ok": False}, True),
        (True, {**NEAR, "online_ok": False}, True),
        (False, {**NEAR, "online_ok": True, "capacity_left": 0}, False),
    ],
)
def test_online_only_when_both_accept_and_the_index_agrees(
        arrival: str, newcomer_online: bool | None, mentor_overrides: dict[str, Any], feasible: bool) -> None:
    person = profiles.newcomer_from_row(_newcomer_row(arrival, newcomer_online))
    assert person.online_ok is (newcomer_online is not False)
    counterpart = mentor(**mentor_overrides)
    assert feasibility.mentor_feasible(person, counterpart) is feasible
    index = MentorIndex.build([counterpart])
    home = _district_table()[0][person.district]
    assert bool(index.possible[int(person.online_ok), home, 0]) is feasible
    found = cand.candidates("mentor", person, Pools(mentors=[counterpart]), set(), {}, NOW, limit=5)
    assert bool(found) is feasible  # the array path (a limit) as the rule says
    if found:
        [distance] = [e for e in found[0].scored.explanation if e["factor"] == "distance"]
        far = counterpart.district == FAR["district"]
        assert ("online" in distance["detail"]) is (far and person.online_ok and counterpart.online_ok)


def test_index_masks_are_the_rule_for_every_district_and_both_answers() -> None:
    rng = random.Random(7)
    codes = sorted(_district_table()[0])
    ms = [mentor(district=rng.choice(codes), max_distance_km=rng.choice([10.0, 30.0, 80.0]),
                 online_ok=rng.random() < 0.5, capacity_left=rng.choice([0, 1])) for _ in range(30)]
    index = MentorIndex.build(ms)
    for online_ok in (False, True):
        for row, code in enumerate(codes):
            person = newcomer(district=code, online_ok=online_ok)
            expected = [feasibility.mentor_feasible(person, m) for m in ms]
            assert index.possible[int(online_ok), row].tolist() == expected, (online_ok, code)


@pytest.mark.parametrize(
    ("german", "course_overrides", "feasible"),
    [
        ("A2", {}, True),
        ("A2", {"level": "A2"}, False),
        (None, {"level": "A1"}, True),
        ("A2", {"schedule": "weekend"}, False),
        ("A2", {"seats_left": 0}, False),
        ("A2", {"district": "16063"}, False),
        ("A2", {"district": "16063", "format": "online"}, True),
        ("C2", {"level": "C1"}, False),
    ],
)
def test_course_constraints(german: str | None, course_overrides: dict[str, object], feasible: bool) -> None:
    languages = {"vi": "native", **({"de": german} if german else {})}
    assert feasibility.course_feasible(newcomer(languages=languages), course(**course_overrides)) is feasible


@pytest.mark.parametrize(
    ("german", "position_overrides", "feasible"),
    [
        ("B1", {}, True),
        ("A2", {}, False),
        ("A2", {"offers": frozenset({"language_course_during_work"})}, True),
        ("A1", {"offers": frozenset({"language_course_during_work"})}, False),
        ("B2", {"occupation_field": "it"}, False),
        ("B2", {"openings_left": 0}, False),
    ],
)
def test_employer_constraints(german: str, position_overrides: dict[str, object], feasible: bool) -> None:
    person = newcomer(languages={"vi": "native", "de": german})
    assert feasibility.position_feasible(person, position(**position_overrides)) is feasible


def test_explanations_add_up_to_the_score_with_and_without_a_model() -> None:
    pools = Pools(mentors=[mentor(), mentor(helps_with=frozenset({"childcare", "housing"}))],
                  courses=[course()], positions=[position(min_german_level="A2")])
    model = scoring.LinearModel("mentor", 3, 120, scoring.FEATURE_NAMES["mentor"], (2.0, 0.1, 1.0, 0.0, 0.5, 0.1),
                                -1.0)
    for kind in cand.KINDS:
        for models in ({}, {"mentor": model}):
            for found in cand.candidates(kind, newcomer(), pools, set(), models, NOW):
                explanation = found.scored.explanation
                assert 0.0 <= found.scored.score <= 1.0
                assert sum(e["contribution"] for e in explanation) == pytest.approx(found.scored.score, abs=1e-9)
                assert all(e["detail"] for e in explanation)
    best = cand.candidates("mentor", newcomer(), pools, set(), {}, NOW)
    assert isinstance(best[0].counterpart, Mentor)
    assert best[0].counterpart.helps_with == frozenset({"childcare", "housing"})  # covers both needs


def _language(person: Newcomer, other: Mentor) -> dict[str, Any]:
    """The language factor's sentence (detail) and its feature value."""
    [found] = cand.candidates("mentor", person, Pools(mentors=[other]), set(), {}, NOW)
    entry = next(e for e in found.scored.explanation if e["factor"] == "language")
    return {"detail": entry["detail"], "value": found.scored.features["language"]}


def test_a_bridge_language_counts_while_german_is_weak() -> None:
    language = _language(newcomer(), mentor(languages={"de": "native", "en": "B2"}))
    assert language["detail"] == "English as a bridge language while German is still weak."
    assert language["value"] == pytest.approx(0.6)  # B2 0.4, and 0.2 while German is weak


def test_the_newcomers_mother_tongue_is_named_as_such_and_counts_more_than_a_third_language() -> None:
    """Review 5, finding 16: Vietnamese native with a mentor's B2 read "Vietnamese as a bridge
    language" and scored as English at B2 on both sides."""
    mother_tongue = _language(newcomer(), mentor(languages={"de": "native", "vi": "B2"}))
    assert mother_tongue["detail"] == ("They can speak Vietnamese, the newcomer's mother tongue, "
                                       "while German is still weak.")
    assert mother_tongue["value"] == pytest.approx(0.7)  # half a level more than English at B2
    both_native = _language(newcomer(), mentor(languages={"vi": "native"}))
    assert both_native["value"] == 1.0 and "mother tongue" in both_native["detail"]
    # At the same level the mother tongue is the one named, whichever code sorts first.
    both = _language(newcomer(languages={"vi": "native", "en": "C1"}), mentor(languages={"en": "B2", "vi": "B2"}))
    assert "Vietnamese, the newcomer's mother tongue" in both["detail"]
    # A better level still goes first: the mother tongue counts half a level, not more.
    better = _language(newcomer(languages={"vi": "native", "en": "C1"}), mentor(languages={"en": "C1", "vi": "B2"}))
    assert better["detail"].startswith("English as a bridge language") and better["value"] == pytest.approx(0.8)
    # With German at B1 or better, as "both speak … well", still half a level more.
    fluent = newcomer(languages={"ar": "native", "en": "B2", "de": "B1"})
    assert _language(fluent, mentor(languages={"ar": "B2"}))["value"] == pytest.approx(0.5)
    assert _language(fluent, mentor(languages={"en": "B2"}))["value"] == pytest.approx(0.4)


def test_the_model_share_grows_with_decisions() -> None:
    few = scoring.LinearModel("mentor", 1, 20, ("language",), (1.0,), 0.0)
    many = scoring.LinearModel("mentor", 2, 2000, ("language",), (1.0,), 0.0)
    assert 0 < few.weight < many.weight <= scoring.MAX_MODEL_WEIGHT


def test_a_round_never_exceeds_room_and_maximises_the_total() -> None:
    rng = random.Random(7)
    mentors = [mentor(capacity_left=rng.randint(1, 3), district="16052") for _ in range(5)]
    people = [newcomer(about=f"text {i}") for i in range(20)]
    options = [cand.candidates("mentor", p, Pools(mentors=mentors), set(), {}, NOW) for p in people]
    chosen = rounds.assign(options, "best_total_score")
    per_mentor: dict[uuid.UUID, int] = {}
    for _, c in chosen:
        per_mentor[c.counterpart.id] = per_mentor.get(c.counterpart.id, 0) + 1
    assert all(per_mentor[m.id] <= m.capacity_left for m in mentors if m.id in per_mentor)
    assert len(chosen) == sum(m.capacity_left for m in mentors)
    assert len({i for i, _ in chosen}) == len(chosen)  # one proposal per newcomer


def test_most_matched_prefers_more_pairs_over_one_great_pair() -> None:
    a, b = mentor(capacity_left=1), mentor(capacity_left=1)
    first = [cand.Candidate("mentor", a, scoring.Scored(0.9, [], {}, "prior")),
             cand.Candidate("mentor", b, scoring.Scored(0.8, [], {}, "prior"))]
    second = [cand.Candidate("mentor", a, scoring.Scored(0.3, [], {}, "prior"))]
    assert len(rounds.assign([first, second], "most_matched")) == 2


def test_ndcg_and_evaluation() -> None:
    assert ndcg_at(5, {"a": [(0.9, 1), (0.1, 0)]}) == pytest.approx(1.0)
    assert ndcg_at(5, {"a": [(0.1, 1), (0.9, 0)]}) < 1.0
    rng = random.Random(1)
    rows = []
    for i in range(200):
        label = i % 2
        features = {"language": 0.9 if label else 0.3 + rng.random() * 0.2, "distance": rng.random()}
        rows.append((i // 4, features, label))
    report = evaluate_kind("mentor", rows)
    assert report is not None and report["model"]["auc"] >= 0.9


def test_no_model_without_both_outcomes() -> None:
    assert learning.fit("mentor", [({"language": 1.0}, 1)] * 50, 1) is None


def test_a_course_start_is_counted_on_thuringias_calendar_not_nows_zone() -> None:
    # 23:30 UTC on 1 March is 00:30 on 2 March in Thuringia: a course starting on 2 March starts
    # today, as the pools' course_started (TODAY_SQL) and the dashboard count it, not tomorrow.
    late_evening_utc = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
    offered = course(starts_on=date(2026, 3, 2))
    [found] = cand.candidates("language_course", newcomer(), Pools(courses=[offered]), set(), {}, late_evening_utc)
    start = next(e for e in found.scored.explanation if e["factor"] == "start")
    assert start["detail"] == "Starts in 0 days (2026-03-02)."
