"""Grouped fields tell assistive technology what text inputs tell it (review 5, finding 11): a
required radio group is required, and a group's error describes its controls and marks them invalid."""

from __future__ import annotations

import uuid

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import newcomer_payload
from tests.integration.test_register_form_markup import parse
from tests.integration.test_self_service import manage_link


def _described_by(attributes: dict[str, str | None]) -> list[str]:
    return (attributes.get("aria-describedby") or "").split()


async def test_an_empty_newcomer_form_links_every_groups_error_to_its_controls(intake_client: IntakeClient) -> None:
    fresh = parse(await (await intake_client.get("/register/newcomer?lang=vi")).text()).by_id
    # The choice is required as a group (ARIA has no required radio); nothing is wrong before it is sent.
    assert fresh["arrival"].get("role") == "radiogroup" and fresh["arrival"].get("aria-required") == "true"
    for radio in ("arrival-abroad", "arrival-arrived"):
        assert "aria-invalid" not in fresh[radio] and "aria-describedby" not in fresh[radio]
    for select in ("languages-0-code", "languages-0-level"):  # at least one language: the first row
        assert fresh[select].get("aria-required") == "true" and "required" in fresh[select]
    assert "required" not in fresh["languages-1-code"]
    assert fresh["course_schedules"].get("aria-describedby") == "course_schedules-hint"
    assert "course_schedules-hint" in fresh

    response = await intake_client.post("/register/newcomer?lang=vi", data={"course_schedules": "nonsense"})
    assert response.status == 422
    sent = parse(await response.text()).by_id
    for group, controls in (("arrival", ["arrival-abroad", "arrival-arrived"]),
                            ("languages", ["languages-0-code", "languages-0-level", "languages-1-code"]),
                            ("course_schedules", ["course_schedules-weekend"])):
        assert f"{group}-error" in sent, group
        for control in controls:
            assert f"{group}-error" in _described_by(sent[control]), control
            assert sent[control].get("aria-invalid") == "true", control
    # A group without an error leaves its controls alone.
    assert "aria-invalid" not in sent["needs-housing"] and "aria-describedby" not in sent["needs-housing"]
    # Text inputs keep their own hint and error.
    assert _described_by(sent["email"]) == ["email-hint", "email-error"]


async def test_a_missing_position_describes_the_positions_fields(intake_client: IntakeClient) -> None:
    response = await intake_client.post("/register/employer?lang=en", data={"positions-0-title": ""})
    sent = parse(await response.text()).by_id
    assert "positions-error" in sent  # an empty row is no position: the list's error
    for control in ("positions-0-title", "positions-0-occupation_field", "positions-0-openings"):
        assert _described_by(sent[control]) == ["positions-error"] and sent[control].get("aria-invalid") == "true"


async def test_the_manage_pages_language_error_describes_the_language_selects(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    created = await (await intake_client.post("/api/v1/newcomers", json=newcomer_payload())).json()
    participant = uuid.UUID(created["id"])
    await pool.execute("UPDATE participants SET status = 'verified' WHERE id = $1", participant)
    link = manage_link(participant)
    page = await (await intake_client.get(f"{link}?lang=en")).text()
    form = {"action": "edit", "name": "Olena", "preferred_locale": "en", "district": "16055",
            "country_of_origin": "UA", "arrival": "abroad"}
    response = await intake_client.post(f"{link}?lang=en", data=form)
    sent = parse(await response.text()).by_id
    assert "languages-error" in sent, "no language sent: the group's error"
    assert "languages-error" in _described_by(sent["languages-0-code"])
    assert sent["languages-0-code"].get("aria-invalid") == "true"
    assert "aria-required" not in parse(page).by_id["arrival"]  # the manage page changes only what is sent
