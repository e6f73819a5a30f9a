"""Review 9a F6: bidi overrides reversed a name where it was shown ("\u202eevil" reads "live"), and
invisible format characters made an address nobody can type. Refused, in the contract's error shape
on the API and as the form's own error on the HTML form; the joiners Persian and Indic names need stay."""

from __future__ import annotations

import pytest

from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import employer_payload, newcomer_payload, unique_email
from tests.integration.test_web_forms import NEWCOMER_FORM

CONTROL = "Must not contain control characters."
INVALID_EMAIL = "Must be a valid e-mail address."


@pytest.mark.parametrize(("segment", "body", "field", "message"), [
    ("newcomers", newcomer_payload(name="\u202eevil\u202c عربي שלום"), "name", CONTROL),
    ("newcomers", newcomer_payload(name="Lan \u2067Nguyen\u2069"), "name", CONTROL),
    ("newcomers", newcomer_payload(email="\u00fc\u202e@ex\u00e4mple.org"), "email", INVALID_EMAIL),
    ("newcomers", newcomer_payload(email="lan\u200b@example.org"), "email", INVALID_EMAIL),
    ("newcomers", newcomer_payload(email="\ufefflan@example.org"), "email", INVALID_EMAIL),
    ("employers", employer_payload(organisation="Pflege \u202dGmbH"), "organisation", CONTROL),
    ("employers", employer_payload(contact_name="\u202bAnna"), "contact_name", CONTROL),
])
async def test_bidi_controls_and_invisible_characters_are_refused_by_the_api(
    intake_client: IntakeClient, segment: str, body: dict[str, object], field: str, message: str
) -> None:
    response = await intake_client.post(f"/api/v1/{segment}", json=body, headers={"Accept-Language": "en"})
    assert response.status == 422, await response.text()
    error = (await response.json())["error"]
    assert error["code"] == "validation_failed" and error["fields"] == {field: message}


async def test_a_name_written_with_a_zero_width_non_joiner_is_kept(intake_client: IntakeClient) -> None:
    name = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \u0641\u0631\u0647\u0627\u062f"  # Persian, with U+200C
    response = await intake_client.post("/api/v1/newcomers", json=newcomer_payload(name=name, email=unique_email("fa")))
    assert response.status == 201, await response.text()


async def test_the_form_shows_its_own_error_for_a_bidi_override(intake_client: IntakeClient) -> None:
    response = await intake_client.post("/register/newcomer?lang=de", data={**NEWCOMER_FORM, "name": "\u202eLan"})
    assert response.status == 422
    html = await response.text()
    assert 'href="#name"' in html and "Darf keine Steuerzeichen enthalten." in html
