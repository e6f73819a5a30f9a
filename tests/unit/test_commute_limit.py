"""How far a newcomer would commute for a job (`max_commute_km`): a position beyond it is never
suggested, and within it the distance is scored against it (review: a family in the
Kyffhäuserkreis was introduced to a job in Gera, 101 km away)."""

from __future__ import annotations

from typing import Any

import pytest

from lotse.matcher import candidates as cand
from lotse.matcher import features
from lotse.matcher.pools import Pools
from lotse.shared import feasibility, profiles
from lotse.shared.reference import district_distance_km
from tests.unit.test_matcher_logic import NOW, newcomer, position

KYFFHAEUSER, GERA, JENA = "16065", "16052", "16053"


def _distance(person: Any, job: Any) -> features.Feature:
    return next(f for f in features.position_features(person, job, 0.0, NOW) if f.name == "distance")


@pytest.mark.parametrize(("limit", "feasible"), [(None, True), (100, False), (50, False), (25, False)])
def test_a_job_101_km_away_only_without_a_limit(limit: int | None, feasible: bool) -> None:
    assert 100 < district_distance_km(KYFFHAEUSER, GERA) < 101  # the review's pair
    person = newcomer(district=KYFFHAEUSER, languages={"vi": "native", "de": "B1"}, max_commute_km=limit)
    job = position(district=GERA)
    assert feasibility.position_feasible(person, job) is feasible
    found = cand.candidates("employer", person, Pools(mentors=[], courses=[], positions=[job]), set(), {}, NOW)
    assert [c.counterpart for c in found] == ([job] if feasible else [])


@pytest.mark.parametrize(("limit", "feasible"), [(None, True), (100, True), (50, True), (25, False)])
def test_a_job_35_km_away(limit: int | None, feasible: bool) -> None:
    person = newcomer(district=JENA, languages={"vi": "native", "de": "B1"}, max_commute_km=limit)
    assert feasibility.position_feasible(person, position(district=GERA)) is feasible


def test_the_same_district_fits_the_shortest_limit() -> None:
    person = newcomer(languages={"vi": "native", "de": "B1"}, max_commute_km=25)
    assert feasibility.position_feasible(person, position(district=GERA))
    assert _distance(person, position(district=GERA)).detail == "Same district (Gera)."


def test_the_distance_is_scored_against_the_limit_and_says_so() -> None:
    job = position(district=GERA)
    km = district_distance_km(JENA, GERA)
    anywhere = _distance(newcomer(district=JENA), job)
    fifty = _distance(newcomer(district=JENA, max_commute_km=50), job)
    assert anywhere.value == pytest.approx(1 - km / 150)
    assert anywhere.detail == "Jena – Gera: 35 km apart."
    assert fifty.value == pytest.approx(1 - km / 50)
    assert fifty.detail == "Jena – Gera: 35 km apart, within the 50 km the newcomer would commute."


@pytest.mark.parametrize(("stored", "read"), [({}, None), ({"max_commute_km": None}, None),
                                              ({"max_commute_km": 50}, 50), ({"max_commute_km": "50"}, None)])
def test_a_stored_profile_without_an_answer_has_no_limit(stored: dict[str, Any], read: int | None) -> None:
    assert profiles.commute_km(stored) == read
