"""Field labels, shared by the inputs and the error summary (so both say the same words)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final, NamedTuple

from lotse.intake.validation import N_

FIELD_LABELS: Final = {
    "name": N_("Your name"), "name_latin": N_("Your name in Latin letters, as in your passport"),
    "email": N_("E-mail address"), "preferred_locale": N_("Language for e-mails"),
    "district": N_("District"), "organisation": N_("Organisation"), "contact_name": N_("Contact person"),
    "country_of_origin": N_("Country of origin"), "occupation_field": N_("Occupation field"),
    "mentor_occupation_field": N_("Your occupation field"), "arrival": N_("Where are you now?"),
    "needs": N_("What would help you?"), "course_schedules": N_("Course times"),
    "children_ages": N_("Children's ages"), "capacity": N_("Places"),
    "max_commute_km": N_("How far would you commute for a job?"),
    "helps_with": N_("I can help with"), "max_distance_km": N_("Maximum distance (km)"),
    "about": N_("About you"), "position_title": N_("Job title"), "openings": N_("Openings"),
    "min_german_level": N_("Minimum German level"), "course_title": N_("Course title"),
    "course_level": N_("Course level"), "schedule": N_("Schedule"), "format": N_("Format"),
    "course_district": N_("Course location (district)"), "seats": N_("Seats"), "starts_on": N_("Start date"),
    "late_entry_weeks": N_("Late entry: weeks after the start"),
    "consent_data_processing": N_("Consent to data processing"), "consent": N_("Consent"),
    "languages": N_("Languages"), "positions": N_("Open positions"), "courses": N_("Courses"),
    "offers": N_("What you offer newcomers"), "household": N_("Your household"),
    "partner_seeks_work": N_("My partner is looking for work"), "level": N_("Level"), "code": N_("Language"),
    "title": N_("Title"), "new_email": N_("New e-mail address"),
}
ROW_LABELS: Final = {
    "languages": N_("Language %(n)s"), "positions": N_("Position %(n)s"), "courses": N_("Course %(n)s"),
}
# A course's or position's fields said whole, as the row's legend and the field's label read together
# ("Seats in course 2"), not "Course 2: Seats: …" before the message (review L5c); beside each, the
# manage page's field to add one (the registration's first row, `courses-0-…`), which has no number
# yet: "Course 1" is one already there (review 11b, M2); and the manage page's own small form of one
# already there, named by its title ("Seats in “Deutsch B1”", not "Deutsch B1: Seats: …"). That form
# has no course title or level to change; childcare is a box on it that a registration never refuses.
class _Wordings(NamedTuple):
    numbered: str | None
    new: str | None
    named: str | None = None


_OFFER_FIELD_LABELS: Final = {
    ("positions", "title"): _Wordings(N_("Job title of position %(n)s"), N_("Job title of the new position"),
                                      N_("Job title of “%(title)s”")),
    ("positions", "occupation_field"): _Wordings(N_("Occupation field of position %(n)s"),
                                                 N_("Occupation field of the new position"),
                                                 N_("Occupation field of “%(title)s”")),
    ("positions", "openings"): _Wordings(N_("Openings for position %(n)s"), N_("Openings for the new position"),
                                         N_("Openings for “%(title)s”")),
    ("positions", "min_german_level"): _Wordings(N_("Minimum German level for position %(n)s"),
                                                 N_("Minimum German level for the new position"),
                                                 N_("Minimum German level for “%(title)s”")),
    ("courses", "title"): _Wordings(N_("Title of course %(n)s"), N_("Title of the new course")),
    ("courses", "level"): _Wordings(N_("Level of course %(n)s"), N_("Level of the new course")),
    ("courses", "schedule"): _Wordings(N_("Schedule of course %(n)s"), N_("Schedule of the new course"),
                                       N_("Schedule of “%(title)s”")),
    ("courses", "format"): _Wordings(N_("Format of course %(n)s"), N_("Format of the new course"),
                                     N_("Format of “%(title)s”")),
    ("courses", "district"): _Wordings(N_("Location of course %(n)s (district)"),
                                       N_("Location of the new course (district)"),
                                       N_("Location of “%(title)s” (district)")),
    ("courses", "seats"): _Wordings(N_("Seats in course %(n)s"), N_("Seats in the new course"),
                                    N_("Seats in “%(title)s”")),
    ("courses", "starts_on"): _Wordings(N_("Start date of course %(n)s"), N_("Start date of the new course"),
                                        N_("Start date of “%(title)s”")),
    ("courses", "late_entry_weeks"): _Wordings(N_("Late entry into course %(n)s"),
                                               N_("Late entry into the new course"),
                                               N_("Late entry into “%(title)s”")),
    ("courses", "childcare"): _Wordings(None, None, N_("Childcare during “%(title)s”")),
}
# A language row's two fields likewise: "Level of language 2", not "Language 2: Level".
ROW_FIELD_LABELS: Final = {
    ("languages", "code"): ROW_LABELS["languages"], ("languages", "level"): N_("Level of language %(n)s"),
} | {field: said.numbered for field, said in _OFFER_FIELD_LABELS.items() if said.numbered}
NEW_ROW_FIELD_LABELS: Final = {field: said.new for field, said in _OFFER_FIELD_LABELS.items() if said.new}
NAMED_FIELD_LABELS: Final = {field: said.named for field, said in _OFFER_FIELD_LABELS.items() if said.named}


# An employer or course provider is asked about the organisation, not about their person.
ORGANISATION_LABELS: Final = {"about": N_("About your organisation")}
ORGANISATION_KINDS: Final = frozenset({"employer", "language_provider"})


def labels(gettext: Callable[[str], str], kind: str | None = None) -> dict[str, str]:
    """Every field's label; `kind` words them for an organisation where that matters."""
    texts = FIELD_LABELS | (ORGANISATION_LABELS if kind in ORGANISATION_KINDS else {})
    return {key: gettext(text) for key, text in texts.items()}


def for_page(gettext: Callable[[str], str], kind: str, field_ids: Iterable[str]) -> dict[str, str]:
    """A form page's labels: every field's in the kind's wording, and each field in error's own
    (a row's "Seats in course 2"); the kind's wording wins over label_for's generic one."""
    return {fid: label_for(fid, gettext) for fid in field_ids} | labels(gettext, kind)


def label_for(field_id: str, gettext: Callable[[str], str]) -> str:
    """`positions-1-openings` → "Openings for position 2", `languages-1-level` → "Level of language 2";
    `consent-data_processing` → its label."""
    parts = field_id.split("-")
    if len(parts) == 3 and parts[0] in ROW_LABELS and parts[1].isdigit():
        group, index, name = parts
        row_field = ROW_FIELD_LABELS.get((group, name))
        if row_field is None:  # none the forms show (a childcare box is only ever ticked or not)
            return f"{gettext(ROW_LABELS[group]) % {'n': int(index) + 1}}: {gettext(FIELD_LABELS.get(name, name))}"
        return gettext(row_field) % {"n": int(index) + 1}
    key = {"consent-data_processing": "consent_data_processing", "household-children_ages": "children_ages",
           "household-partner_seeks_work": "partner_seeks_work"}.get(field_id, parts[0] if parts[0] in
                                                                     ("household", "consent") else field_id)
    return gettext(FIELD_LABELS.get(key, key))


def new_row_label(field_id: str, gettext: Callable[[str], str]) -> str | None:
    """An "add a course or position" field in the manage page's words (`courses-0-seats` → "Seats in
    the new course"), or None for any other field."""
    group, first, name = field_id.partition("-0-")
    text = NEW_ROW_FIELD_LABELS.get((group, name)) if first else None
    return None if text is None else gettext(text)


def named_label(group: str, name: str, title: str, gettext: Callable[[str], str]) -> str:
    """A field of the manage page's form for one course or position already there, named by its
    title (`seats-<id>` of "Deutsch B1" → "Seats in “Deutsch B1”")."""
    return gettext(NAMED_FIELD_LABELS[group, name]) % {"title": title}
