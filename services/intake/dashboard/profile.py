"""A participant's profile as labelled rows for the dashboard, instead of its JSON."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, Final

from lotse.intake.dashboard.vocabulary import Vocabulary
from lotse.intake.validation import N_
from lotse.shared.reference import districts

# Not the forms' `web.labels.FIELD_LABELS`: those ask the person ("What would help you?", "I can
# help with"), these describe them to a coordinator, and a row here stands without the form's
# headings, so even a shared English msgid is worded apart in German ("Start date": "Kursbeginn",
# on the course form "Beginn"). Code values do take the forms' labels (`Vocabulary.label`).
FIELDS: Final = {
    "name_latin": N_("Name in Latin letters"),
    "country_of_origin": N_("Country of origin"), "occupation_field": N_("Occupation field"),
    "arrival": N_("Where they are now"), "needs": N_("Needs"), "wants_mentor": N_("Wants a mentor"),
    "course_schedules": N_("Course times"), "partner": N_("Partner"),
    "partner_seeks_work": N_("Partner looking for work"), "children_ages": N_("Children's ages"),
    "capacity": N_("Places"), "helps_with": N_("Helps with"), "max_distance_km": N_("Maximum distance"),
    "online_ok": N_("Online meetings are fine"), "seeks_work": N_("Looking for a job themselves"),
    "max_commute_km": N_("Would commute for a job"),
    "organisation": N_("Organisation"),
    "contact_name": N_("Contact person"), "offers": N_("Offers"), "positions": N_("Positions"),
    "courses": N_("Courses"), "title": N_("Title"), "openings": N_("Openings"),
    "min_german_level": N_("Minimum German level"), "level": N_("Level"), "schedule": N_("Course times"),
    "format": N_("Format"), "district": N_("District"), "seats": N_("Seats"), "starts_on": N_("Start date"),
    "childcare": N_("Childcare"), "late_entry_weeks": N_("Late entry"),
}
# The label group of a field's code values (see vocabulary.GROUPS and the forms' labels).
CODE_GROUPS: Final = {"occupation_field": "occupation", "arrival": "arrival", "needs": "need",
                      "course_schedules": "schedule", "helps_with": "need", "offers": "offer",
                      "schedule": "schedule", "format": "format"}


def rows(v: Vocabulary, profile: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """(label, value) per field; the household's fields stand beside the others."""
    flat = {k: value for k, value in (profile or {}).items() if k != "household"}
    flat.update((profile or {}).get("household") or {})
    return [(_label(v, key), _value(v, key, value)) for key, value in flat.items()]


def _label(v: Vocabulary, key: str) -> str:
    return v._(FIELDS[key]) if key in FIELDS else key


def _value(v: Vocabulary, key: str, value: Any) -> str:
    if isinstance(value, bool):
        return v.yes_no(value)
    if key == "max_commute_km":  # null: no limit, the newcomer said they would also move
        return (v._("up to %(km)s km") % {"km": v.num(value)} if isinstance(value, int)
                else v._("any distance, would also move"))
    if key == "late_entry_weeks" and isinstance(value, int):
        return v.ngettext("Up to %(weeks)s week after the start", "Up to %(weeks)s weeks after the start",
                          value) % {"weeks": v.num(value)}
    if isinstance(value, int | float):
        return v.num(value) + (" km" if key == "max_distance_km" else "")
    if isinstance(value, list):
        if all(isinstance(item, Mapping) for item in value) and value:
            return "; ".join(", ".join(f"{_label(v, k)}: {_value(v, k, x)}" for k, x in item.items())
                             for item in value)
        return ", ".join(_value(v, key, item) for item in value) or "–"
    text = "" if value is None else str(value)
    if key in CODE_GROUPS:
        return v.label(CODE_GROUPS[key], text)
    if key == "country_of_origin":
        return v.country(text)
    if key == "district":
        found = districts().get(text)
        return found.name if found else text
    if key == "starts_on":
        try:
            return v.date(date.fromisoformat(text))
        except ValueError:
            return text
    return text or "–"
