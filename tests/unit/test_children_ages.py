"""Children's ages as people type them on a phone (review 8b, finding 3)."""

from __future__ import annotations

import pytest

from lotse.intake.validation import ValidationFailed, validate_registration
from lotse.intake.web import forms, messages
from tests.unit.test_validation import TODAY, newcomer


@pytest.mark.parametrize("typed", ["3，8", "3、8", "3岁，8岁", "3 tuổi, 8 tuổi", "3 và 8", "3 і 8", "３, ８",
                                   "3; 8", "3 8", " 3,8 "])
def test_every_way_of_writing_3_and_8_is_read(typed: str) -> None:
    assert forms.children_ages(typed) == [3, 8]


@pytest.mark.parametrize(("typed", "read"), [("", []), ("  ", []), ("keine", ["keine"]), ("3.5", ["3.5"]),
                                             ("7, 25", [7, 25]), ("-1", ["-1"]), ("3, -1", ["3, -1"]),
                                             ("3, abc", ["3, abc"]), ("3,", [3]), ("3-5", [3, 5])])
def test_what_is_not_an_age_goes_on_for_the_validator(typed: str, read: list[object]) -> None:
    assert forms.children_ages(typed) == read


def _form_message(typed: str) -> str:
    payload = newcomer()
    payload["household"] = {"children_ages": forms.children_ages(typed)}
    with pytest.raises(ValidationFailed) as failed:
        validate_registration("newcomer", payload, today=TODAY)
    errors = messages.form_errors({}, failed.value, lambda text: text, payload)
    return next(message for path, message in errors.items() if path.startswith("household.children_ages"))


HOW_TO_WRITE = ("Please write each child's age in years, as a number from 0 to 17, separated by commas, "
                "for example: 4, 9.")


@pytest.mark.parametrize("typed", ["drei und acht", "3, abc", "40", "7, 25", "-1", "12345"])
def test_any_age_the_form_cannot_take_says_in_a_sentence_how_to_write_them(typed: str) -> None:
    """Review L5b: "40" got the validator's "Must be a whole number between 0 and 17.", "-1" was
    read as 1 and "3, abc" as 3; each now gets one sentence saying what to type."""
    assert _form_message(typed) == HOW_TO_WRITE


def test_too_many_ages_are_said_in_a_sentence_too() -> None:
    assert _form_message(", ".join(["4"] * 16)) == "Please give the ages of at most 15 children."


def test_the_api_keeps_its_precise_message() -> None:
    payload = newcomer()
    payload["household"] = {"children_ages": [7, 25]}
    with pytest.raises(ValidationFailed) as failed:
        validate_registration("newcomer", payload, today=TODAY)
    assert failed.value.fields()["household.children_ages[1]"] == "Must be a whole number between 0 and 17."
