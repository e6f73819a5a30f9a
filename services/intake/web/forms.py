"""Plain HTML form fields ↔ the JSON API's payload, so forms and API share one validation layer.

Repeated groups (languages, positions, courses) are numbered rows (`languages-0-code`); a row
left completely empty is ignored, so a form can offer spare rows without JavaScript. Numbers
that do not parse are passed on as text, and the validator names the field.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any, Final

from multidict import MultiDictProxy

LANGUAGE_ROWS: Final = 4
MIN_ROWS: Final = {"positions": 1, "courses": 1}
MAX_ROWS: Final = 50

GROUPS: Final[dict[str, tuple[str, ...]]] = {
    "languages": ("code", "level"),
    "positions": ("title", "occupation_field", "openings", "min_german_level"),
    "courses": ("title", "level", "schedule", "format", "district", "seats", "starts_on", "childcare",
                "late_entry_weeks"),
}
INTEGER_FIELDS: Final = {"capacity", "max_distance_km", "openings", "seats", "late_entry_weeks", "max_commute_km"}
BOOLEAN_FIELDS: Final = {"wants_mentor", "online_ok", "childcare"}
LIST_FIELDS: Final = {
    "newcomer": ("needs", "course_schedules"),
    "mentor": ("helps_with",),
    "employer": ("offers",),
    "language_provider": (),
}
SCALAR_FIELDS: Final = {
    "newcomer": ("name_latin", "country_of_origin", "occupation_field", "arrival"),
    "mentor": ("name_latin", "capacity", "occupation_field", "max_distance_km"),
    "employer": ("organisation", "contact_name"),
    "language_provider": ("organisation",),
}
# The radio answer for a `max_commute_km` of null: anywhere, they would also move.
ANYWHERE: Final = "any"
# Ticked (or chosen) on an empty form and where a stored profile predates the field, as validation's
# default: a newcomer's "meeting online is fine" and "I am looking for a job myself" (unticking is the
# answer that narrows the matching; a stored profile without an answer must not lose it on saving),
# and "anywhere" for how far they would commute for a job.
TICKED_BY_DEFAULT: Final[dict[str, dict[str, object]]] = {
    "newcomer": {"online_ok": True, "seeks_work": True, "max_commute_km": ANYWHERE}}
Form = MultiDictProxy[Any] | Mapping[str, Any]


def _value(name: str, raw: str) -> object:
    text = raw.strip()
    if name in INTEGER_FIELDS and re.fullmatch(r"[+-]?\d{1,9}", text):
        return int(text)
    return raw


def _rows(form: Form, group: str) -> list[dict[str, object]]:
    return [row for _, row in _numbered_rows(form, group)]


def _numbered_rows(form: Form, group: str) -> list[tuple[int, dict[str, object]]]:
    """The rows a form fills in, each with its row number on the form (blank rows are skipped)."""
    rows = []
    for index in range(MAX_ROWS):
        keys = [f"{group}-{index}-{field}" for field in GROUPS[group]]
        if not any(key in form for key in keys):
            break
        row: dict[str, object] = {}
        for field, key in zip(GROUPS[group], keys, strict=True):
            if field in BOOLEAN_FIELDS:
                row[field] = key in form
            elif str(form.get(key, "")).strip():
                row[field] = _value(field, str(form[key]))
        if any(f not in BOOLEAN_FIELDS for f in row):
            rows.append((index, row))
    return rows


def form_path(form: Form, path: str) -> str:
    """A payload error path numbered as the form's rows: the payload leaves blank rows out, so
    `languages[0]` may be the form's second row, and the error must name the row the person sees."""
    found = re.match(r"(languages|positions|courses)\[(\d+)\]", path)
    if not found:
        return path
    group, index = found[1], int(found[2])
    numbers = [number for number, _ in _numbered_rows(form, group)]
    if index >= len(numbers):
        return path
    return f"{group}[{numbers[index]}]{path[found.end():]}"


def row_count(form: Form, group: str) -> int:
    count = 0
    while count < MAX_ROWS and f"{group}-{count}-{GROUPS[group][0]}" in form:
        count += 1
    return count


def to_payload(kind: str, form: Form) -> dict[str, object]:
    """The JSON API body a form submission stands for."""
    # A field left blank is absent, so the validator says "required" rather than "unknown code".
    payload: dict[str, object] = {
        name: str(form[name]) for name in ("name", "email", "preferred_locale", "district")
        if str(form.get(name, "")).strip()
    }
    payload |= {
        "languages": _rows(form, "languages"),
        "consent": {
            "data_processing": "consent_data_processing" in form,
            "share_contact": "consent_share_contact" in form,
        },
    }
    about = str(form.get("about", "")).strip()
    if about:
        payload["about"] = about
    for name in SCALAR_FIELDS[kind]:
        raw = str(form.get(name, ""))
        if raw.strip():
            payload[name] = _value(name, raw.strip().upper() if name == "country_of_origin" else raw)
    for name in LIST_FIELDS[kind]:
        payload[name] = [str(v) for v in form.getall(name, [])] if hasattr(form, "getall") else list(form.get(name, []))
    if kind == "newcomer":
        payload["wants_mentor"] = "wants_mentor" in form
        payload["online_ok"] = "online_ok" in form
        payload["seeks_work"] = "seeks_work" in form
        payload["max_commute_km"] = _commute(str(form.get("max_commute_km", "")))
        payload["household"] = _household(form)
    elif kind == "mentor":
        payload["online_ok"] = "online_ok" in form
    elif kind == "employer":
        payload["positions"] = _rows(form, "positions")
    elif kind == "language_provider":
        payload["courses"] = _rows(form, "courses")
    return payload


def _commute(raw: str) -> object:
    """The radio's value: km as a number, None for "anywhere" (or no answer: the default); anything
    else goes on as text, so the validator names the field."""
    text = raw.strip()
    return None if text in ("", ANYWHERE) else _value("max_commute_km", text)


def children_ages(text: str) -> list[object]:
    """The ages in what a person typed: each run of digits is one age, whatever stands between.
    A Chinese keyboard types "3，8" or "3、8", others add the unit or a word ("3 tuổi, 8 tuổi",
    "3岁，8岁", "3 і 8"), and NFKC makes full-width digits plain. Text without a digit, with a
    decimal point ("3.5"), a minus sign ("-1", read as 1 before review L5b) or a part between commas
    without a number ("3, abc") goes on as it is, so the validator refuses it rather than guessing."""
    normal = unicodedata.normalize("NFKC", text).strip()
    if not normal:
        return []
    runs = re.findall(r"\d+", normal)
    parts = [part for part in re.split(r"[,;、]", normal) if part.strip()]
    if (not runs or re.search(r"\d\.\d|(?<!\d)[-−]\d", normal)
            or any(not re.search(r"\d", part) for part in parts)):
        return [normal]
    return [int(run) if len(run) < 4 else run for run in runs]


def _household(form: Form) -> dict[str, object]:
    ages = children_ages(str(form.get("children_ages", "")))
    partner = "partner" in form
    return {"partner": partner, "partner_seeks_work": "partner_seeks_work" in form, "children_ages": ages}


def field_id(path: str) -> str:
    """`positions[1].openings` → `positions-1-openings`, the id of the input a problem belongs to."""
    head, _, rest = path.partition(".")
    if head == "household" and rest:
        return re.split(r"[.\[]", rest)[0]
    if head == "consent" and rest:
        return f"consent_{rest}"
    if re.fullmatch(r"(needs|helps_with|course_schedules|offers)\[\d+\]", path):
        return path.split("[")[0]  # one wrong item of a checkbox group: point at the group
    return re.sub(r"\[(\d+)\]\.?", r"-\1-", path).replace(".", "-").strip("-")


def from_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Form values for showing stored or submitted data again (the reverse of `to_payload`)."""
    values: dict[str, Any] = {k: v for k, v in payload.items() if not isinstance(v, list | dict)}
    for name in ("needs", "course_schedules", "helps_with", "offers"):
        values[name] = list(payload.get(name) or [])
    for group, fields in GROUPS.items():
        for index, row in enumerate(payload.get(group) or []):
            for field in fields:
                values[f"{group}-{index}-{field}"] = row.get(field, "") if isinstance(row, Mapping) else ""
    if "name_latin" in payload and payload["name_latin"] is None:  # none given: an empty box, not "None"
        values["name_latin"] = ""
    if "max_commute_km" in payload:  # a radio's value: the km as text, or "anywhere" for null
        km = payload["max_commute_km"]
        values["max_commute_km"] = ANYWHERE if km is None else str(km)
    household = payload.get("household") or {}
    if isinstance(household, Mapping):
        values["partner"] = bool(household.get("partner"))
        values["partner_seeks_work"] = bool(household.get("partner_seeks_work"))
        values["children_ages"] = ", ".join(str(a) for a in household.get("children_ages") or [])
    consent = payload.get("consent") or {}
    if isinstance(consent, Mapping):
        values["consent_data_processing"] = bool(consent.get("data_processing"))
        values["consent_share_contact"] = bool(consent.get("share_contact"))
    return values


def form_values(form: Form) -> dict[str, Any]:
    """What the person typed, to show it again after an error (lists stay lists)."""
    lists = {name for names in LIST_FIELDS.values() for name in names}
    values: dict[str, Any] = {}
    for key in set(form.keys()):
        items = form.getall(key, []) if hasattr(form, "getall") else [form[key]]
        values[key] = [str(v) for v in items] if key in lists else str(items[-1]) if items else ""
    return values
