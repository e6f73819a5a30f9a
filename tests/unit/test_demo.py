"""The demo population must pass the same validation as real registrations."""

from __future__ import annotations

from datetime import date, timedelta

from lotse.intake.demo import demo_population
from lotse.intake.validation import validate_registration
from lotse.shared import matches_db, name_search, reference


def test_every_demo_participant_is_valid() -> None:
    today = date.today()
    population = demo_population(today)
    assert {kind for kind, _ in population} == {"newcomer", "mentor", "language_provider", "employer"}
    for kind, payload in population:
        validate_registration(kind, payload, today=today)  # raises with the field named


def test_the_demo_has_a_late_entry_course_open_for_entry_on_the_day_it_is_loaded() -> None:
    # Begun some days ago and still suggested (matches_db, on Thuringia's calendar as the seed's
    # default day): not a course that starts today, which shows late entry only from tomorrow.
    today = reference.today()
    courses = [course for kind, payload in demo_population(today) if kind == "language_provider"
               for course in validate_registration(kind, payload, today=today).courses]
    late = [c for c in courses if c["late_entry_weeks"]]
    assert [(c["starts_on"], c["late_entry_weeks"]) for c in late] == [(today - timedelta(days=10), 6)]
    starts_on = today - timedelta(days=10)
    assert matches_db.course_begun(starts_on) and matches_db.late_entry_open(starts_on, 6)
    assert matches_db.entry_until(starts_on, 6) == today + timedelta(days=32)


def test_the_demo_has_a_name_in_another_script_with_its_owners_latin_spelling() -> None:
    # So the dashboard shows name_latin beside a name no table writes in Latin letters (Arabic script).
    today = date.today()
    registrations = [validate_registration(kind, payload, today=today)
                     for kind, payload in demo_population(today) if kind == "newcomer"]
    written = {r.name: r.profile.get("name_latin") for r in registrations}
    assert written["رنا حداد"] == "Rana Haddad"
    assert name_search.latin("رنا حداد") is None  # no table for it: only her own spelling says it
    assert name_search.with_latin("رنا حداد", "en", "de", given=written["رنا حداد"]) == "رنا حداد (Rana Haddad)"
