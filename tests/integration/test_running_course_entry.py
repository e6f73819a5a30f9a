"""A course that is already running can be entered, or have its start corrected, while its late
entry is open (review 8e #1): one rule for the API, the registration form and the manage page's
add and edit (validation._check_course_start). A past start whose late entry is over, or that has
none, stays refused, with a message that points at the late-entry field."""

from __future__ import annotations

import html as html_lib
import uuid
from datetime import timedelta

import asyncpg

from lotse.shared import reference
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import form_fields, provider_payload
from tests.integration.test_late_entry_course import EVENING_B1, _started_course
from tests.integration.test_self_service import manage_link

LATE_ENTRY_HINT = "If newcomers can still join"


def _days_ago(days: int) -> str:
    return (reference.today() - timedelta(days=days)).isoformat()


async def test_the_api_takes_a_running_course_while_its_late_entry_is_open(intake_client: IntakeClient) -> None:
    running = {**EVENING_B1, "starts_on": _days_ago(14), "late_entry_weeks": 2}  # today is its last day of entry
    response = await intake_client.post("/api/v1/language-providers", json=provider_payload(courses=[running]))
    assert response.status == 201, await response.text()

    for course in ({**running, "late_entry_weeks": 1}, {**running, "late_entry_weeks": None},
                   {k: v for k, v in running.items() if k != "late_entry_weeks"}):
        response = await intake_client.post("/api/v1/language-providers", json=provider_payload(courses=[course]),
                                            headers={"Accept-Language": "en"})
        assert response.status == 422, course
        fields = (await response.json())["error"]["fields"]
        assert set(fields) == {"courses[0].starts_on"}
        assert LATE_ENTRY_HINT in fields["courses[0].starts_on"]
        assert "courses[0].late_entry_weeks" in fields["courses[0].starts_on"]  # names the field to fill in


async def test_the_registration_form_takes_a_running_course(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    page = html_lib.unescape(await (await intake_client.get("/register/language-provider")).text())
    assert 'name="courses-0-starts_on"' in page and f'min="{reference.today().isoformat()}"' not in page
    form = {"name": "Anna Schmidt", "email": "running-course@example.org", "preferred_locale": "de",
            "district": "16053", "languages-0-code": "de", "languages-0-level": "native",
            "consent_data_processing": "on", "organisation": "VHS Jena",
            **{f"courses-0-{k}": str(v) for k, v in EVENING_B1.items() if k != "childcare"},
            "courses-0-starts_on": _days_ago(10)}
    response = await intake_client.post("/register/language-provider", data=form, params={"lang": "en"})
    page = html_lib.unescape(await response.text())
    assert response.status == 422 and 'id="courses-0-starts_on-error"' in page
    assert f"{LATE_ENTRY_HINT}, fill in “Late entry: weeks after the start”." in page
    response = await intake_client.post("/register/language-provider", data={**form, "courses-0-late_entry_weeks": "8"})
    assert response.status in (200, 303), await response.text()
    assert await pool.fetchval(
        """SELECT c.starts_on FROM courses c JOIN participants p ON p.id = c.provider_id
           WHERE p.email = 'running-course@example.org'""") == reference.today() - timedelta(days=10)


async def _post(intake_client: IntakeClient, owner: uuid.UUID, data: dict[str, str]) -> tuple[int, str]:
    response = await intake_client.post(manage_link(owner), data=data, params={"lang": "en"})
    return response.status, html_lib.unescape(await response.text())


async def test_the_manage_page_adds_a_running_course(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    provider, _ = await _started_course(intake_client, pool, days_ago=0, late_entry_weeks=None)
    added = {"action": "offer_add", **{f"courses-0-{k}": str(v) for k, v in EVENING_B1.items() if k != "childcare"},
             "courses-0-title": "Integrationskurs laufend", "courses-0-starts_on": _days_ago(14)}
    status, page = await _post(intake_client, provider, added)
    assert status == 422 and f"{LATE_ENTRY_HINT}, fill in" in page
    status, page = await _post(intake_client, provider, {**added, "courses-0-late_entry_weeks": "8"})
    assert status == 200, page
    assert await pool.fetchval("SELECT starts_on FROM courses WHERE provider_id = $1 AND title = $2",
                               provider, "Integrationskurs laufend") == reference.today() - timedelta(days=14)


async def test_the_manage_page_corrects_the_start_of_a_running_course(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    provider, course = await _started_course(intake_client, pool, days_ago=10, late_entry_weeks=6)
    page = html_lib.unescape(await (await intake_client.get(manage_link(provider))).text())
    fields = dict(form_fields(page, f"seats-{course}"))

    status, page = await _post(intake_client, provider, {**fields, f"starts_on-{course}": _days_ago(12),
                                                         "action": "offer_save"})
    assert status == 200, page
    assert await pool.fetchval("SELECT starts_on FROM courses WHERE id = $1", course) == \
        reference.today() - timedelta(days=12)

    # A start so early that its late entry is over: refused at the field, nothing changes.
    status, page = await _post(intake_client, provider, {**fields, f"starts_on-{course}": _days_ago(43),
                                                         "action": "offer_save"})
    assert status == 422 and f'id="starts_on-{course}-error"' in page and f"{LATE_ENTRY_HINT}, fill in" in page
    assert await pool.fetchval("SELECT starts_on FROM courses WHERE id = $1", course) == \
        reference.today() - timedelta(days=12)
