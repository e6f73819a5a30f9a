"""Review 6, finding 4: the error summary names each field by its label, never by its code
("new_email: …"). Every field a public form can get wrong is found by asking the validator itself,
so a field added later without a label fails here instead of on the page."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import date

import pytest

from lotse.intake import validation
from lotse.intake.i18n import DOMAIN, PACKAGE
from lotse.intake.validation import NOT_BOOLEAN, NOT_CHANGEABLE, NOT_LIST, NOT_OBJECT, ValidationFailed
from lotse.intake.web import forms, labels, manage_offers
from lotse.shared.i18n import translations

KINDS = ("newcomer", "mentor", "employer", "language_provider")
WRONG = 7.5  # wrong for every kind of field: not text, not an integer, not a list, not an object
# The manage page's e-mail change form (web/manage.py `_change_email`): one field of its own.
EMAIL_CHANGE_FIELD = "new_email"


class _Everything(Mapping[str, object]):
    """An object that has every field: each is WRONG, or what `deeper` says it is at its path (a list
    or an object to look into), so the validator names every field it checks, at every level."""

    def __init__(self, path: str, deeper: Mapping[str, object]) -> None:
        self.path, self.deeper = path, deeper

    def __contains__(self, key: object) -> bool:
        return True

    def __getitem__(self, key: str) -> object:
        return self.deeper.get(f"{self.path}.{key}" if self.path else key, WRONG)

    def __iter__(self) -> Iterator[str]:
        return iter(())  # no field of its own that the validator would call unknown

    def __len__(self) -> int:
        return 0


def _error_paths(validate: Callable[[object], object]) -> set[tuple[str, str]]:
    """Every (path, message) the validator can report for one form: a list or an object is given
    WRONG first, then looked into."""
    deeper: dict[str, object] = {}
    seen: set[tuple[str, str]] = set()
    while True:
        try:
            validate(_Everything("", deeper))
        except ValidationFailed as failed:
            errors = {(path, error.message) for path, error in failed.errors.items()}
        inside = {(path, message) for path, message in errors - seen if message in (NOT_LIST, NOT_OBJECT)}
        seen |= errors
        if not inside:
            return seen
        for path, message in inside:
            deeper[path] = [_Everything(f"{path}[0]", deeper)] if message == NOT_LIST else _Everything(path, deeper)


def _form_fields(kind: str) -> set[str]:
    """The field ids a registration or manage form of `kind` can show in its error summary. A
    checkbox's type error is left out: the form always sends it as a boolean (a box that must be
    ticked, or ticked only with another, is a different error and stays in); so is "cannot be
    changed", for fields the manage form does not send (`self_service.NOT_EDITABLE_HERE`)."""
    forms_validate: tuple[Callable[[object], object], ...] = (
        lambda p: validation.validate_registration(kind, p, today=date.today()),
        lambda p: validation.validate_update(kind, p, today=date.today()),
        lambda p: validation.validate_email(p[EMAIL_CHANGE_FIELD], path=EMAIL_CHANGE_FIELD),  # type: ignore[index]
    )
    return {forms.field_id(path) for validate in forms_validate for path, message in _error_paths(validate)
            if message not in (NOT_BOOLEAN, NOT_CHANGEABLE)}


@pytest.mark.parametrize("kind", KINDS)
def test_every_field_a_form_can_get_wrong_has_a_label(kind: str) -> None:
    fields = _form_fields(kind)
    assert {"name", "languages-0-code", "consent_data_processing", EMAIL_CHANGE_FIELD} <= fields  # the probe works
    shown = labels.for_page(str, kind, fields)
    assert [field for field in sorted(fields) if _shows_a_code(field, shown[field])] == []


def _shows_a_code(field: str, label: str) -> bool:
    """The label is the field id, or a row's label ends in the bare field name ("Position 2: openings")."""
    return label == field or label.rpartition(": ")[2] == field.rpartition("-")[2]


@pytest.mark.parametrize(("locale", "label"), [("vi", "Địa chỉ email mới"), ("de", "Neue E-Mail-Adresse"),
                                               ("en", "New e-mail address")])
def test_the_new_address_is_named_by_its_label(locale: str, label: str) -> None:
    gettext = translations(PACKAGE, DOMAIN, locale).gettext
    assert labels.for_page(gettext, "newcomer", [EMAIL_CHANGE_FIELD])[EMAIL_CHANGE_FIELD] == label


@pytest.mark.parametrize("kind", ["employer", "language_provider"])
def test_a_rows_field_is_named_whole_with_its_row(kind: str) -> None:
    """Review L5c's follow-up: "Openings for position 2", not "Position 2: Openings" before the
    message's own colon; the manage page's add fields "Openings for the new position"."""
    group = "positions" if kind == "employer" else "courses"
    rows = sorted(field for field in _form_fields(kind) if field.startswith(f"{group}-0-"))
    assert len(rows) >= 4  # the probe found the row's fields
    for locale in ("en", "de", "zh", "az"):
        gettext = translations(PACKAGE, DOMAIN, locale).gettext
        for field in rows:
            second = labels.label_for(field.replace("-0-", "-1-"), gettext)
            new = labels.new_row_label(field, gettext)
            assert ":" not in second and "2" in second, (locale, field, second)
            assert new is not None and ":" not in new and new != second, (locale, field, new)
    assert labels.label_for(f"{group}-1-{'openings' if kind == 'employer' else 'seats'}", str) == (
        "Openings for position 2" if kind == "employer" else "Seats in course 2")


# The manage page's forms of a course and a position already there: one of each kind's rows.
COURSE = {"id": uuid.UUID(int=1), "title": "Deutsch B1", "seats": 12}
POSITION = {"id": uuid.UUID(int=2), "title": "Pflegefachkraft", "openings": 2}
NAMED = {
    "en": ("Seats in “Deutsch B1”", "Job title of “Pflegefachkraft”"),
    "de": ("Plätze im Kurs „Deutsch B1“", "Stellenbezeichnung der Stelle „Pflegefachkraft“"),
    "zh": ("课程“Deutsch B1”的名额", "职位“Pflegefachkraft”的名称"),
    "az": ("“Deutsch B1” kursunda yerlər", "“Pflegefachkraft” vakansiyasında vəzifənin adı"),
}


@pytest.mark.parametrize("locale", NAMED)
def test_a_field_of_a_course_or_position_already_there_is_named_whole_with_its_title(locale: str) -> None:
    """"Seats in “Deutsch B1”", not "Deutsch B1: Seats" before the message's own colon: each field of
    the manage page's small form of one course or position, in that course's or position's title."""
    gettext = translations(PACKAGE, DOMAIN, locale).gettext
    named = manage_offers.field_labels([COURSE, POSITION], gettext)
    assert len(named) == 11 and len(set(named.values())) == 11  # every field, each its own words
    for field, label in named.items():
        title = str(COURSE["title"] if field.endswith(str(COURSE["id"])) else POSITION["title"])
        assert ":" not in label and label.count(title) == 1, (field, label)
    assert (named[f"seats-{COURSE['id']}"], named[f"title-{POSITION['id']}"]) == NAMED[locale]
