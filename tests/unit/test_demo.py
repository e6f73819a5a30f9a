"""The demo population must pass the same validation as real registrations."""

from __future__ import annotations

from datetime import date

from lotse.intake.demo import demo_population
from lotse.intake.validation import validate_registration


def test_every_demo_participant_is_valid() -> None:
    today = date.today()
    population = demo_population(today)
    assert {kind for kind, _ in population} == {"newcomer", "mentor", "language_provider", "employer"}
    for kind, payload in population:
        validate_registration(kind, payload, today=today)  # raises with the field named


def test_the_demo_has_a_late_entry_course() -> None:
    today = date.today()
    courses = [course for kind, payload in demo_population(today) if kind == "language_provider"
               for course in validate_registration(kind, payload, today=today).courses]
    assert [c["late_entry_weeks"] for c in courses if c["late_entry_weeks"]] == [6]
