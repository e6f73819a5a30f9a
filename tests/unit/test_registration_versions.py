"""A registration version is stored as JSON and read back as the registration validation made
(review 9a, F14): the verification then writes exactly what was submitted."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from lotse.intake.registration_versions import from_json, to_json
from lotse.intake.validation import validate_registration
from tests.integration.intake_fixtures import employer_payload, mentor_payload, newcomer_payload, provider_payload


@pytest.mark.parametrize(("kind", "payload"), [
    ("newcomer", newcomer_payload()), ("mentor", mentor_payload()), ("employer", employer_payload()),
    ("language_provider", provider_payload()),
])
def test_a_stored_version_reads_back_as_the_registration(kind: str, payload: dict[str, Any]) -> None:
    reg = validate_registration(kind, payload, today=date.today())
    stored = json.loads(json.dumps(to_json(reg)))  # through jsonb, as the database codec does
    assert from_json(stored) == reg
    if kind == "language_provider":
        assert isinstance(from_json(stored).courses[0]["starts_on"], date)
