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
                                             ("7, 25", [7, 25])])
def test_what_is_not_an_age_goes_on_for_the_validator(typed: str, read: list[object]) -> None:
    assert forms.children_ages(typed) == read


def _form_message(typed: str) -> str:
    payload = newcomer()
    payload["household"] = {"children_ages": forms.children_ages(typed)}
    with pytest.raises(ValidationFailed) as failed:
        validate_registration("newcomer", payload, today=TODAY)
    errors = messages.form_errors({}, failed.value, lambda text: text, payload)
    return next(message for path, message in errors.items() if path.startswith("household.children_ages"))


def test_an_unreadable_age_says_how_to_write_it() -> None:
    assert _form_message("drei und acht") == messages.CHILDREN_AGES
    assert messages.CHILDREN_AGES == "Write each child's age as a number, separated by commas, for example: 4, 9."


def test_an_age_too_high_keeps_the_range() -> None:
    assert _form_message("7, 25") == "Must be a whole number between 0 and 17."
