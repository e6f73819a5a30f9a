"""Properties of the matcher over random populations (hypothesis).

The hard constraints are checked by a second, independent reading of the contract written here,
not by the matcher's own rules; the optimal round is compared with greedy and with an exact
integer program (scipy's milp); learning is checked on decisions made by simulated coordinators
with a hidden preference."""

from __future__ import annotations

import dataclasses
import math
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import LinearConstraint, milp
from sklearn.metrics import roc_auc_score

from lotse.matcher import candidates as cand
from lotse.matcher import learning, mentor_index, rounds
from lotse.matcher.evaluate import prior
from lotse.matcher.pools import Pools
from lotse.matcher.scoring import FEATURE_NAMES, LinearModel
from lotse.shared.profiles import Course, Mentor, Newcomer, Position
from lotse.shared.reference import districts

NOW = datetime(2026, 11, 23, tzinfo=UTC)
ORDER = ["A1", "A2", "B1", "B2", "C1", "C2", "native"]
DISTRICTS = sorted(districts())
LANGUAGES = ["de", "en", "ru", "uk", "vi", "ar"]
FIELDS = ["nursing", "it", "crafts"]
SCHEDULES = ["morning", "evening", "weekend"]


def rank(level: str | None) -> int:
    return ORDER.index(level) + 1 if level in ORDER else 0


def km(a: str, b: str) -> float:
    da, db = districts()[a], districts()[b]
    p1, p2, dl = math.radians(da.lat), math.radians(db.lat), math.radians(db.lon - da.lon)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def contract_allows(kind: str, n: Newcomer, c: object) -> bool:
    """The contract's hard constraints, read afresh."""
    if isinstance(c, Mentor):
        shared = any(min(rank(n.languages[x]), rank(c.languages[x])) >= rank("B1")
                     for x in n.languages.keys() & c.languages.keys())
        online = c.online_ok and n.online_ok  # "unless both accept online"
        near = online or n.district == c.district or km(n.district, c.district) <= c.max_distance_km
        return shared and near and c.capacity_left > 0
    if isinstance(c, Course):
        german = rank(n.languages.get("de"))
        wanted = "A1" if german == 0 else (ORDER[german] if german < 5 else None)
        near = c.format == "online" or n.district == c.district or km(n.district, c.district) <= 50
        return c.level == wanted and c.schedule in n.course_schedules and c.seats_left > 0 and near
    assert isinstance(c, Position)
    slack = 1 if "language_course_during_work" in c.offers else 0
    commute = n.max_commute_km is None or n.district == c.district or km(n.district, c.district) <= n.max_commute_km
    return (c.occupation_field == n.occupation_field and c.openings_left > 0 and commute
            and rank(n.languages.get("de")) >= rank(c.min_german_level) - slack)


languages = st.dictionaries(st.sampled_from(LANGUAGES), st.sampled_from(ORDER), min_size=1, max_size=3)
district = st.sampled_from(DISTRICTS)

newcomers = st.builds(
    Newcomer, id=st.builds(uuid.uuid4), district=district, languages=languages,
    occupation_field=st.sampled_from(FIELDS), needs=st.frozensets(st.sampled_from(["housing", "childcare"])),
    wants_mentor=st.booleans(), course_schedules=st.frozensets(st.sampled_from(SCHEDULES)),
    partner=st.booleans(), partner_seeks_work=st.booleans(),
    children_ages=st.lists(st.integers(0, 17), max_size=2).map(tuple), about=st.sampled_from(["", "Pflege", "IT"]),
    waiting_since=st.just(NOW - timedelta(days=3)), online_ok=st.booleans(),
    max_commute_km=st.sampled_from([None, 25, 50, 100]),
)
mentors = st.builds(
    Mentor, id=st.builds(uuid.uuid4), district=district, languages=languages,
    helps_with=st.frozensets(st.sampled_from(["housing", "childcare"])), occupation_field=st.none(),
    max_distance_km=st.sampled_from([10.0, 30.0, 80.0]), online_ok=st.booleans(), capacity_left=st.integers(0, 3),
    about=st.just(""),
)
courses = st.builds(
    Course, id=st.builds(uuid.uuid4), provider_id=st.builds(uuid.uuid4), title=st.just("Deutsch"),
    level=st.sampled_from(ORDER[:5]), schedule=st.sampled_from(SCHEDULES),
    format=st.sampled_from(["in_person", "online", "hybrid"]), district=district, seats_left=st.integers(0, 3),
    starts_on=st.just(date(2026, 12, 10)), childcare=st.booleans(), about=st.just(""),
)
positions = st.builds(
    Position, id=st.builds(uuid.uuid4), employer_id=st.builds(uuid.uuid4), title=st.just("Stelle"),
    occupation_field=st.sampled_from(FIELDS), openings_left=st.integers(0, 2),
    min_german_level=st.sampled_from(ORDER[:4]),
    district=district, offers=st.frozensets(st.sampled_from(["language_course_during_work", "housing_help"])),
    about=st.just(""),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(newcomers, min_size=1, max_size=4), st.lists(mentors, max_size=6), st.lists(courses, max_size=6),
       st.lists(positions, max_size=6))
def test_no_suggestion_breaks_a_hard_constraint(people: list[Newcomer], ms: list[Mentor], cs: list[Course],
                                                ps: list[Position]) -> None:
    pools = Pools(mentors=ms, courses=cs, positions=ps)
    for person in people:
        for kind, pool in (("mentor", ms), ("language_course", cs), ("employer", ps)):
            found = {c.counterpart.id for c in cand.candidates(kind, person, pools, set(), {}, NOW)}
            allowed = {c.id for c in pool if contract_allows(kind, person, c)}
            assert found == allowed, kind  # nothing infeasible, and nothing feasible left out


def _greedy(options: list[list[cand.Candidate]]) -> float:
    left = {c.counterpart.id: rounds.room(c.counterpart) for row in options for c in row}
    pairs = sorted(((c.scored.score, i, c.counterpart.id) for i, row in enumerate(options) for c in row), reverse=True)
    taken: set[int] = set()
    total = 0.0
    for score, i, counterpart in pairs:
        if i not in taken and left[counterpart] > 0:
            taken.add(i)
            left[counterpart] -= 1
            total += score
    return total


def _exact(options: list[list[cand.Candidate]]) -> float:
    """The optimum as an integer program: x[i, j] ∈ {0, 1}, one per newcomer, room per counterpart."""
    pairs = [(i, c.counterpart.id, c.scored.score) for i, row in enumerate(options) for c in row]
    if not pairs:
        return 0.0
    counterparts = sorted({p[1] for p in pairs}, key=str)
    rooms = {c.counterpart.id: rounds.room(c.counterpart) for row in options for c in row}
    per_newcomer = np.array([[1.0 if p[0] == i else 0.0 for p in pairs] for i in range(len(options))])
    per_counterpart = np.array([[1.0 if p[1] == c else 0.0 for p in pairs] for c in counterparts])
    result = milp(c=-np.array([p[2] for p in pairs]), integrality=np.ones(len(pairs)), bounds=(0, 1),
                  constraints=[LinearConstraint(per_newcomer, 0, 1),
                               LinearConstraint(per_counterpart, 0, [rooms[c] for c in counterparts])])
    assert result.success
    return float(-result.fun)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(newcomers, min_size=1, max_size=7), st.lists(mentors, min_size=1, max_size=5))
def test_the_round_is_optimal_never_over_capacity_and_at_least_greedy(people: list[Newcomer],
                                                                      ms: list[Mentor]) -> None:
    pools = Pools(mentors=ms)
    options = [cand.candidates("mentor", p, pools, set(), {}, NOW) for p in people]
    chosen = rounds.assign(options, "best_total_score")
    used: dict[uuid.UUID, int] = {}
    for _, c in chosen:
        used[c.counterpart.id] = used.get(c.counterpart.id, 0) + 1
    assert all(used[m.id] <= m.capacity_left for m in ms if m.id in used)
    assert len({i for i, _ in chosen}) == len(chosen)
    total = sum(c.scored.score for _, c in chosen)
    assert total >= _greedy(options) - 1e-9
    assert math.isclose(total, _exact(options), abs_tol=1e-6)


def test_the_model_learns_a_hidden_preference_the_prior_does_not_know() -> None:
    """Simulated coordinators care most about shared occupation and little about language; after a
    few hundred decisions the learned model ranks held-out suggestions clearly better than the prior."""
    rng = random.Random(20261123)
    names = ("language", "distance", "needs", "occupation", "about", "waiting")  # the prior's own features

    def decision() -> tuple[dict[str, float], int]:
        f = {name: rng.random() for name in names}
        appeal = 3.0 * f["occupation"] + 0.5 * f["needs"] - 1.5 * f["language"] + rng.gauss(0, 0.4)
        return f, int(appeal > 0.9)

    train = [decision() for _ in range(400)]
    test = [decision() for _ in range(400)]
    model = learning.fit("mentor", train, version=1)
    assert model is not None
    labels = [y for _, y in test]
    model_auc = roc_auc_score(labels, [model.probability(f) for f, _ in test])
    prior_auc = roc_auc_score(labels, [prior("mentor", f) for f, _ in test])
    assert model_auc >= 0.9 and model_auc - prior_auc >= 0.2, (model_auc, prior_auc)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(newcomers, st.lists(mentors, max_size=25), st.integers(1, 6), st.booleans(),
       st.lists(st.floats(-3, 3), min_size=6, max_size=6))
def test_the_array_shortlist_gives_exactly_the_best_of_the_full_scoring(
        person: Newcomer, ms: list[Mentor], limit: int, with_model: bool, coefficients: list[float]) -> None:
    model = LinearModel("mentor", 1, 120, FEATURE_NAMES["mentor"], tuple(coefficients), -0.5)
    models = {"mentor": model} if with_model else {}
    pools = Pools(mentors=ms)
    full = cand.candidates("mentor", person, pools, set(), models, NOW)
    short = cand.candidates("mentor", person, pools, set(), models, NOW, limit=limit)
    assert [c.scored.score for c in short] == [c.scored.score for c in full[:limit]]
    assert [c.scored.explanation for c in short] == [c.scored.explanation for c in full[:limit]]


rich_newcomers = newcomers.flatmap(lambda n: st.builds(
    lambda about, field, german: Newcomer(**{**{s: getattr(n, s) for s in n.__slots__},
                                             "about": about, "occupation_field": field,
                                             "languages": {**n.languages, **({"de": german} if german else {})}}),
    st.sampled_from(["", "Pflege im Krankenhaus", "Software und IT", "Kita, Wohnung, Behörden", "Elektro Handwerk"]),
    st.sampled_from(FIELDS), st.sampled_from([None, "A2", "B1", "C1"])))
rich_mentors = st.builds(
    Mentor, id=st.builds(uuid.uuid4), district=district, languages=languages,
    helps_with=st.frozensets(st.sampled_from(["housing", "childcare", "authorities"])),
    occupation_field=st.sampled_from([None, *FIELDS]), max_distance_km=st.sampled_from([0.0, 10.0, 30.0, 80.0]),
    online_ok=st.booleans(), capacity_left=st.integers(0, 3),
    about=st.sampled_from(["", "Pflegekraft, helfe gern", "IT-Beraterin", "Handwerk und Wohnungssuche", "..."]),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rich_newcomers, min_size=1, max_size=6), st.lists(rich_mentors, min_size=1, max_size=12),
       st.booleans(), st.lists(st.floats(-3, 3), min_size=6, max_size=6), st.integers(1, 40))
def test_block_scores_are_the_per_pair_scores_and_feasibility_the_contract(
        people: list[Newcomer], ms: list[Mentor], with_model: bool, coefficients: list[float], cells: int) -> None:
    """Every pair, in blocks of any size: -inf exactly where the contract forbids the pair, else the
    per-pair path's score (which rounds each contribution to four places)."""
    model = LinearModel("mentor", 1, 120, FEATURE_NAMES["mentor"], tuple(coefficients), -0.5) if with_model else None
    _assert_blocks_agree(people, ms, model, cells)


def _assert_blocks_agree(people: list[Newcomer], ms: list[Mentor], model: LinearModel | None,
                         cells: int) -> list[np.ndarray]:
    """The block scores of every pair against the per-pair path and the contract; the block scores."""
    pools = Pools(mentors=ms)
    index = cand.mentor_index(pools)
    with mock.patch.object(mentor_index, "BLOCK_CELLS", cells):  # one row per block up to all rows in one
        rows = [scores for _, block, _ in index.blocks(people, None, model, NOW) for scores in block]
    for person, scores in zip(people, rows, strict=True):
        exact = {c.counterpart.id: c.scored.score
                 for c in cand.candidates("mentor", person, pools, set(), {"mentor": model} if model else {}, NOW)}
        for m, score in zip(ms, scores, strict=True):
            assert (score > -np.inf) == contract_allows("mentor", person, m)
            if m.id in exact:
                assert abs(float(score) - exact[m.id]) <= 5e-4
    return rows


@pytest.mark.parametrize("with_model", [False, True])
@pytest.mark.parametrize("cells", [1, 40])
def test_blocks_score_the_newcomers_mother_tongue_as_the_per_pair_path_does(with_model: bool, cells: int) -> None:
    """Review 5, finding 16: at the same level the newcomer's mother tongue counts half a level more
    than a third language, below a better level, with weak German and without, in both paths."""
    lan = Newcomer(id=uuid.uuid4(), district=DISTRICTS[0], languages={"vi": "native", "en": "B2", "de": "A2"},
                   occupation_field="it", needs=frozenset(), wants_mentor=True, course_schedules=frozenset(),
                   partner=False, partner_seeks_work=False, children_ages=(), about="",
                   waiting_since=NOW - timedelta(days=3))
    fatima = dataclasses.replace(lan, id=uuid.uuid4(), languages={"ar": "native", "en": "C1", "de": "B1"})

    def mentor(languages: dict[str, str]) -> Mentor:
        return Mentor(id=uuid.uuid4(), district=DISTRICTS[0], languages=languages, helps_with=frozenset(),
                      occupation_field=None, max_distance_km=30.0, online_ok=False, capacity_left=1, about="")

    karim, thomas = mentor({"vi": "B2", "ar": "native"}), mentor({"en": "B2", "de": "native"})
    better, both = mentor({"en": "C1", "ar": "B2"}), mentor({"en": "B2", "ar": "B2", "vi": "B2"})
    model = LinearModel("mentor", 1, 120, FEATURE_NAMES["mentor"], (1.0, 0.5, 0.5, 0.5, 0.5, 0.5), -0.5)
    rows = _assert_blocks_agree([lan, fatima], [karim, thomas, better, both], model if with_model else None, cells)
    if not with_model:  # the prior: the language's weight 0.3 times its value
        lan_scores, fatima_scores = rows
        assert lan_scores[0] - lan_scores[1] == pytest.approx(0.3 * 0.1, abs=1e-6)  # vi B2 over en B2
        assert lan_scores[3] == pytest.approx(lan_scores[0], abs=1e-6)  # vi at B2 named, not en
        assert fatima_scores[0] - fatima_scores[2] == pytest.approx(0.3 * (1.0 - 0.6), abs=1e-6)
        assert fatima_scores[2] - fatima_scores[3] == pytest.approx(0.3 * (0.6 - 0.5), abs=1e-6)  # en C1 first


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rich_newcomers, min_size=1, max_size=8), st.lists(rich_mentors, min_size=1, max_size=6),
       st.sampled_from(rounds.OBJECTIVES))
def test_the_mentor_round_over_every_feasible_pair_is_the_integer_optimum(
        people: list[Newcomer], ms: list[Mentor], objective: str) -> None:
    pools = Pools(mentors=ms)
    solved = rounds._choose("mentor", people, [set()] * len(people), pools, None, objective, NOW)
    chosen, report = solved.chosen, solved.report
    options = [cand.candidates("mentor", p, pools, set(), {}, NOW) for p in people]
    assert solved.had_options == {i for i, row in enumerate(options) if row}
    assert report["greedy"]["proposed"] <= len(chosen) or objective == "best_total_score"
    if objective == "best_total_score":
        assert report["total_score"] >= report["greedy"]["total_score"] - 1e-6
        assert report["gain_over_greedy"] >= -1e-6
    for groups in report["fairness"].values():  # every waiting newcomer counted once, every proposal once
        assert sum(g["waiting"] for g in groups.values()) == len(people)
        assert sum(g["proposed"] for g in groups.values()) == len(chosen)
    used: dict[uuid.UUID, int] = {}
    for _, c in chosen:
        used[c.counterpart.id] = used.get(c.counterpart.id, 0) + 1
    assert all(used[m.id] <= m.capacity_left for m in ms if m.id in used)
    assert len({i for i, _ in chosen}) == len(chosen)
    if objective == "best_total_score":
        assert sum(c.scored.score for _, c in chosen) >= _exact(options) - 5e-4 * len(people)
    else:  # as many pairs as any assignment can make
        assert len(chosen) == round(_exact([[dataclasses.replace(c, scored=dataclasses.replace(c.scored, score=1.0))
                                             for c in row] for row in options]))


def test_the_text_product_is_the_same_dense_or_sparse() -> None:
    """Blocks of many rows multiply a dense copy of the mentors' texts where that pays; the values
    are the sparse product's."""
    rng = random.Random(5)
    words = ["Pflege", "Kita", "Software", "Wohnung", "Fußball", "Behörden", "Jena", "kochen", "Netzwerk"]
    ms = [Mentor(id=uuid.uuid4(), district=rng.choice(DISTRICTS), languages={"de": "C1"}, helps_with=frozenset(),
                 occupation_field=None, max_distance_km=50.0, online_ok=True, capacity_left=1,
                 about=" ".join(rng.sample(words, 3))) for _ in range(40)]
    abouts = [" ".join(rng.sample(words, rng.randint(0, 4))) for _ in range(mentor_index.DENSE_MIN_ROWS + 4)]
    index = cand.mentor_index(Pools(mentors=ms))
    assert index.split_texts is not None  # n-grams in many texts: multiplying them dense pays
    block = index.similarity(abouts)
    one_by_one = np.vstack([index.similarity([about]) for about in abouts])
    np.testing.assert_allclose(block, one_by_one, atol=1e-6)
    assert block.max() > 0.5 and block.min() == 0.0
