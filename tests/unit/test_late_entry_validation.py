"""Late-entry courses: the field's validation in the API and the registration and manage forms."""

from __future__ import annotations

from datetime import date

import pytest

from lotse.intake.validation import ValidationFailed, validate_registration, validate_update
from lotse.intake.web import forms
from tests.unit.test_validation import language_provider


def _course(**changes: object) -> dict[str, object]:
    return {**language_provider()["courses"][0], **changes}


def test_validation_takes_weeks_from_1_to_52_or_none() -> None:
    for weeks in (1, 4, 52, None):
        payload = {**language_provider(), "courses": [_course(late_entry_weeks=weeks)]}
        reg = validate_registration("language_provider", payload, today=date(2025, 3, 1))
        assert reg.courses[0]["late_entry_weeks"] == weeks
    reg = validate_registration("language_provider", language_provider(), today=date(2025, 3, 1))
    assert reg.courses[0]["late_entry_weeks"] is None  # absent: no late entry
    bad: object
    for bad in (0, 53, -1, "4", True, 2.5, []):
        with pytest.raises(ValidationFailed) as failed:
            validate_update("language_provider", {"courses": [_course(), _course(late_entry_weeks=bad)]},
                            today=date(2025, 3, 1))
        assert set(failed.value.errors) == {"courses[1].late_entry_weeks"}, bad
        assert failed.value.errors["courses[1].late_entry_weeks"].message == (
            "Must be a whole number between %(min)d and %(max)d.")


def test_the_forms_send_late_entry_as_a_number() -> None:
    form = {f"courses-0-{k}": str(v) for k, v in _course().items() if k != "childcare"}
    assert forms.to_payload("language_provider", {**form, "courses-0-late_entry_weeks": " 6 "})["courses"] == [
        {**_course(childcare=False), "late_entry_weeks": 6}]
    payload = forms.to_payload("language_provider", {**form, "courses-0-late_entry_weeks": ""})
    assert "late_entry_weeks" not in payload["courses"][0]  # type: ignore[index]
