"""The demo shows how far newcomers would commute for a job: some answered, and a job beyond a
newcomer's answer is not among the pairs the matcher may suggest."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from lotse.intake.demo import demo_population
from lotse.intake.validation import validate_registration
from lotse.shared import feasibility
from tests.unit.test_matcher_logic import newcomer, position


def test_some_demo_newcomers_limit_their_commute() -> None:
    today = date.today()
    limits = {payload["name"]: validate_registration(kind, payload, today=today).profile["max_commute_km"]
              for kind, payload in demo_population(today) if kind == "newcomer"}
    assert limits["Katarzyna Nowak"] == 50 and limits["Marko Petrović"] == 25
    assert None in limits.values()  # and others would go anywhere, the default


def test_the_far_job_is_out_of_the_demo_nurses_reach() -> None:
    population = {payload["name"]: payload for _, payload in demo_population(date.today())}
    nurse, clinic = population["Katarzyna Nowak"], population["Dr. Maria Keller"]
    person = newcomer(district=nurse["district"], occupation_field=nurse["occupation_field"],
                      languages={lv["code"]: lv["level"] for lv in nurse["languages"]},
                      max_commute_km=nurse["max_commute_km"])
    job = position(district=clinic["district"], **{k: clinic["positions"][0][k]
                                                    for k in ("occupation_field", "min_german_level")})
    assert not feasibility.position_feasible(person, job)
    assert feasibility.position_feasible(replace(person, max_commute_km=None), job)  # only the distance rules it out
