"""The newcomer's `max_commute_km`: 25, 50, 100 or null (anywhere, they would also move);
anything else is a 422 naming the field, at registration and in an edit."""

from __future__ import annotations

from typing import Any

import pytest

from lotse.intake.validation import NOT_ONE_OF, ValidationFailed, validate_registration, validate_update
from tests.unit.test_validation import TODAY, newcomer, with_


@pytest.mark.parametrize("km", [25, 50, 100, None])
def test_the_answers(km: int | None) -> None:
    assert validate_registration("newcomer", with_("newcomer", max_commute_km=km), today=TODAY
                                 ).profile["max_commute_km"] == km
    assert validate_update("newcomer", {"max_commute_km": km}, today=TODAY) == {"max_commute_km": km}


def test_not_answered_is_no_limit() -> None:
    assert validate_registration("newcomer", newcomer(), today=TODAY).profile["max_commute_km"] is None


@pytest.mark.parametrize("km", [30, 0, -25, 50.0, "50", True, "", [50], {"km": 50}, 10**30])
def test_other_values_name_the_field(km: Any) -> None:
    for validate in (lambda: validate_registration("newcomer", with_("newcomer", max_commute_km=km), today=TODAY),
                     lambda: validate_update("newcomer", {"max_commute_km": km}, today=TODAY)):
        with pytest.raises(ValidationFailed) as failed:
            validate()
        assert failed.value.fields() == {"max_commute_km": "Must be one of: 25, 50, 100."}
        assert failed.value.errors["max_commute_km"].message == NOT_ONE_OF


@pytest.mark.parametrize("kind", ["mentor", "employer", "language_provider"])
def test_only_newcomers_answer_it(kind: str) -> None:
    with pytest.raises(ValidationFailed) as failed:
        validate_registration(kind, with_(kind, max_commute_km=50), today=TODAY)
    assert "max_commute_km" in failed.value.errors
