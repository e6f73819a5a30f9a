"""The manage page's courses and positions: the form posts of a provider or employer.

Each existing course or position is a small form of its own (its fields named `seats-<id>`,
`starts_on-<id>`, `openings-<id>` and, for the details, `schedule-<id>`, `title-<id>`, …; closing asks
first, a closed one can be reopened); the "add"
fields are the registration's row fields (`courses-0-title`, …), so its validation and messages, and
belong to the page's edit form (form=), which the language switcher sends along.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, Final

import asyncpg
from babel.dates import format_date

from lotse.intake import offers
from lotse.intake.validation import N_, REQUIRED, ValidationFailed, validate_update
from lotse.intake.web import forms, labels, messages
from lotse.shared import reference

ACTIONS: Final = ("offer_save", "offer_close", "offer_reopen", "offer_add")
TOO_FEW: Final = N_("%(taken)s places are already taken by people matched to it: it cannot have fewer.")
# The "add a course or position" fields are the registration's first row (courses-0-title …), by
# their id's prefix.
_ADD_PREFIX: Final = {kind: f"{spec.group}-0-" for kind, spec in offers.OF_KIND.items()}
GONE: Final = N_("This course or position is closed already. Nothing was changed.")
_ROW: Final = re.compile(r"(?:courses|positions)\[0\]\.(\w+)")
# Stored columns a course or position is validated with again when its places change.
_COLUMNS: Final = {
    "courses": ("title", "level", "schedule", "format", "district", "seats", "starts_on", "childcare",
                "late_entry_weeks"),
    "positions": ("title", "occupation_field", "openings", "min_german_level"),
}


# The fields of each course's or position's own form, as its ids name them (`seats-<id>`, …).
_FIELDS: Final = {
    "courses": ("seats", "starts_on", "schedule", "format", "district", "childcare", "late_entry_weeks"),
    "positions": ("openings", "title", "occupation_field", "min_german_level"),
}


def _group(row: Any) -> str:
    return "courses" if "seats" in row else "positions"


def values(rows: Iterable[Any]) -> dict[str, object]:
    """The stored places, start dates and details, as the page's forms show them."""
    shown: dict[str, object] = {}
    for row in rows:
        for name in _FIELDS[_group(row)]:
            value = row[name]
            # No late entry (None) is an empty field, not "None".
            shown[f"{name}-{row['id']}"] = (("on" if value else "") if isinstance(value, bool)
                                            else "" if value is None else str(value))
    return shown


def unticked(form: Any) -> dict[str, object]:
    """A refused save shows its form again as sent: an unticked childcare box is absent from the post,
    which must not show the stored tick."""
    offer = str(form.get("offer", ""))
    if form.get("action") == "offer_save" and f"schedule-{offer}" in form and f"childcare-{offer}" not in form:
        return {f"childcare-{offer}": ""}
    return {}


def field_labels(rows: Iterable[Any], gettext: Callable[[str], str]) -> dict[str, str]:
    """"Seats in “Deutsch B1”" for `seats-<id>`: the error summary names the course it means."""
    return {f"{name}-{row['id']}": labels.named_label(group, name, row["title"], gettext)
            for row in rows for group in [_group(row)] for name in _FIELDS[group]}


def _number(raw: str) -> object:
    text = raw.strip()
    return int(text) if re.fullmatch(r"[+-]?\d{1,9}", text) else text


async def apply(
    conn: asyncpg.Connection, owner: Any, action: str, form: Any, gettext: Callable[[str], str]
) -> dict[str, str]:
    """Carry out one post; field id → message when it is refused (nothing is changed then)."""
    kind, owner_id = owner["kind"], owner["id"]
    if kind not in offers.OF_KIND:
        raise offers.NotFound(kind)
    if action == "offer_add":
        return await _add(conn, kind, owner_id, form, gettext)
    try:
        offer_id = uuid.UUID(str(form.get("offer", "")))
    except ValueError:
        raise offers.NotFound(str(form.get("offer"))) from None
    if action == "offer_close":  # confirmed: the page asked first (to_close)
        await offers.close(conn, kind, owner_id, offer_id)
        return {}
    if action == "offer_reopen":
        return await _reopen(conn, kind, owner_id, offer_id, form, gettext)
    return await _save(conn, kind, owner_id, offer_id, form, gettext)


async def _add(
    conn: asyncpg.Connection, kind: str, owner_id: uuid.UUID, form: Any, gettext: Callable[[str], str]
) -> dict[str, str]:
    if not typed_addition(kind, form):
        # "Add" with nothing typed: its first field says so, not "describe at least one position",
        # which reads as if the ones already there did not count (review 11b, M2).
        return {f"{_ADD_PREFIX[kind]}title": gettext(REQUIRED)}
    rows, refused = to_add(kind, form, gettext)
    await add(conn, kind, owner_id, rows)
    return refused


def is_add_field(field_id: str) -> bool:
    """Whether a field id is one of the "add a course or position" fields."""
    return field_id.startswith(tuple(_ADD_PREFIX.values()))


def add_field_labels(field_ids: Iterable[str], gettext: Callable[[str], str]) -> dict[str, str]:
    """The "add" fields in error named as the course or position they add ("Job title of the new
    position"), not as the registration's first row ("Job title of position 1", which is one already
    there; review 11b, M2)."""
    return {fid: label for fid in field_ids if (label := labels.new_row_label(fid, gettext)) is not None}


def typed_addition(kind: str, form: Any) -> bool:
    """Whether anything is typed or chosen in the "add" fields. They belong to the edit form (so a
    language switch keeps them), whose "Save changes" or Enter then adds the course or position too."""
    if (prefix := _ADD_PREFIX.get(kind)) is None:
        return False
    return any(key.startswith(prefix) and str(value).strip() for key, value in form.items())


def to_add(kind: str, form: Any, gettext: Callable[[str], str]) -> tuple[list[Any], dict[str, str]]:
    """The "add" fields checked, nothing stored yet: the rows to add, or field id → message."""
    group = offers.OF_KIND[kind].group
    payload = {group: forms.to_payload(kind, form)[group]}
    try:
        cleaned = validate_update(kind, payload, today=reference.today())
    except ValidationFailed as failed:
        return [], messages.form_errors(form, failed, gettext, payload)  # the page makes paths field ids
    return list(cleaned[group]), {}  # type: ignore[call-overload]


async def add(conn: asyncpg.Connection, kind: str, owner_id: uuid.UUID, rows: list[Any]) -> None:
    for row in rows:
        await offers.add(conn, kind, owner_id, row)


async def _save(
    conn: asyncpg.Connection, kind: str, owner_id: uuid.UUID, offer_id: uuid.UUID, form: Any,
    gettext: Callable[[str], str],
) -> dict[str, str]:
    spec = offers.OF_KIND[kind]
    stored = await conn.fetchrow(
        f"SELECT * FROM {spec.table} WHERE id = $1 AND {spec.owner} = $2 AND closed_at IS NULL", offer_id, owner_id
    )
    if stored is None:
        raise offers.NotFound(str(offer_id))
    row: dict[str, object] = {name: stored[name] for name in _COLUMNS[spec.group]}
    today = reference.today()
    if "starts_on" in row:
        typed = str(form.get(f"starts_on-{offer_id}", "")).strip()
        if typed == stored["starts_on"].isoformat():
            # An unchanged start date is not checked again: a course that has begun keeps its date.
            today = min(today, stored["starts_on"])
        row["starts_on"] = typed or None
    row.pop(spec.places)
    row |= _typed_details(form, spec.group, offer_id)
    typed_places = str(form.get(f"{spec.places}-{offer_id}", "")).strip()
    if typed_places:
        row[spec.places] = _number(typed_places)
    row = {name: value for name, value in row.items() if value is not None}
    try:
        cleaned = validate_update(kind, {spec.group: [row]}, today=today)
        await offers.change(conn, kind, owner_id, offer_id, cleaned[spec.group][0])  # type: ignore[index]
    except ValidationFailed as failed:
        return _field_errors(failed, spec, offer_id, gettext)
    except offers.TooFewPlaces as refused:
        return {f"{spec.places}-{offer_id}": gettext(TOO_FEW) % {"taken": refused.taken}}
    return {}


def _typed_details(form: Any, group: str, offer_id: uuid.UUID) -> dict[str, object]:
    """The details the form sent (a blank one is None: the validator then says it is required).
    Childcare is a checkbox, absent when unticked, so it counts only from a form that shows the
    details (one with the schedule); a post of places alone keeps it."""
    typed: dict[str, object] = {}
    for name in offers.DETAILS[group]:
        key = f"{name}-{offer_id}"
        if name == "childcare":
            if f"schedule-{offer_id}" in form:
                typed[name] = key in form
        elif key in form:
            text = str(form.get(key, "")).strip()
            # A number as the registration form's (forms.INTEGER_FIELDS); an emptied late entry is
            # None, which the validator takes as "no late entry".
            typed[name] = (_number(text) if name in forms.INTEGER_FIELDS else text) if text else None
    return typed


def _field_errors(
    failed: ValidationFailed, spec: offers.Offers, offer_id: uuid.UUID, gettext: Callable[[str], str]
) -> dict[str, str]:
    """A course's or position's errors at the fields its own small form shows."""
    errors: dict[str, str] = {}
    for path, error in failed.errors.items():
        found = _ROW.fullmatch(path)
        name = found[1] if found and found[1] in _FIELDS[spec.group] else spec.places
        errors.setdefault(f"{name}-{offer_id}", messages.for_form(path, error, gettext, {}))
    return errors


async def _reopen(
    conn: asyncpg.Connection, kind: str, owner_id: uuid.UUID, offer_id: uuid.UUID, form: Any,
    gettext: Callable[[str], str],
) -> dict[str, str]:
    """Open a closed one again. A course needs a start date from today on (the matcher suggests no
    course that has begun), so its form carries the date and a past one is refused at that field."""
    spec = offers.OF_KIND[kind]
    if spec.table != "courses":
        await offers.reopen(conn, kind, owner_id, offer_id)
        return {}
    stored = await conn.fetchrow(
        "SELECT * FROM courses WHERE id = $1 AND provider_id = $2 AND closed_at IS NOT NULL", offer_id, owner_id
    )
    if stored is None:
        raise offers.NotFound(str(offer_id))
    row: dict[str, object] = {name: stored[name] for name in _COLUMNS[spec.group] if stored[name] is not None}
    row["starts_on"] = str(form.get(f"starts_on-{offer_id}", "")).strip()
    try:
        cleaned = validate_update(kind, {spec.group: [row]}, today=reference.today())
    except ValidationFailed as failed:
        return _field_errors(failed, spec, offer_id, gettext)
    await offers.reopen(conn, kind, owner_id, offer_id, cleaned[spec.group][0]["starts_on"])  # type: ignore[index]
    return {}


async def to_close(conn: asyncpg.Connection, owner: Any, form: Any) -> asyncpg.Record:
    """The open course or position a "close" post names, for the page that asks to confirm it."""
    spec = offers.OF_KIND.get(owner["kind"])
    try:
        offer_id = uuid.UUID(str(form.get("offer", "")))
    except ValueError:
        raise offers.NotFound(str(form.get("offer"))) from None
    row = None if spec is None else await conn.fetchrow(
        f"SELECT * FROM {spec.table} WHERE id = $1 AND {spec.owner} = $2 AND closed_at IS NULL", offer_id, owner["id"]
    )
    if row is None:
        raise offers.NotFound(str(offer_id))
    return row


def shown_date(day: date | None, locale: str) -> str:
    """A course's start as the reader writes dates ("14.12.2026", "14 thg 12, 2026"), not ISO."""
    return "" if day is None else str(format_date(day, format="medium", locale=locale.split("-")[0]))
