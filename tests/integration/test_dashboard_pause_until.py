"""A coordinator pauses a participant until a date on the dashboard, as the person can on their manage
page (lotse.intake.pause): the same rule for the date (after today, at most a year ahead), a refused
date said at the field with status 422 and nothing changed, the end shown on the participant's page,
and the end date in the audit entry."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from lotse.shared import reference
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import add_participant
from tests.integration.test_dashboard import login
from tests.integration.test_pause_until import ONE_PLACE, STATUS, _text

PAUSES = ("SELECT actor_role, action, before, after FROM audit_log WHERE subject_id = $1"
          " AND action IN ('participant.pause', 'participant.resume') ORDER BY at, id")


async def test_a_coordinator_pauses_until_a_date_and_the_page_says_until_when(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    csrf = await login(intake_client)
    mentor = await add_participant(pool, "mentor", name="Renate Albrecht", locale="de", profile=ONE_PLACE)
    page_url = f"/dashboard/participants/{mentor.id}"
    form = _text(await (await intake_client.get(f"{page_url}?lang=de")).text())
    assert "Pausieren bis (freiwillig)" in form

    until = reference.today() + timedelta(days=49)
    paused = await intake_client.post(page_url, data={"csrf": csrf, "action": "pause",
                                                      "paused_until": until.isoformat()}, allow_redirects=False)
    assert paused.status == 303
    row = await pool.fetchrow(STATUS, mentor.id)
    assert (row["status"], row["paused_until"], row["pause_reminded_at"]) == ("paused", until, None)
    person = _text(await (await intake_client.get(f"{page_url}?lang=de")).text())
    assert f"pausiert bis {until:%d.%m.%Y}" in person

    # A new end while paused: the date only, audited with both ends.
    later = until + timedelta(days=7)
    await intake_client.post(page_url, data={"csrf": csrf, "action": "pause", "paused_until": later.isoformat()})
    assert (await pool.fetchrow(STATUS, mentor.id))["paused_until"] == later
    await intake_client.post(page_url, data={"csrf": csrf, "action": "resume"})
    assert tuple(await pool.fetchrow(STATUS, mentor.id))[:2] == ("verified", None)

    entries = [dict(e) for e in await pool.fetch(PAUSES, mentor.id)]  # the test login is an admin
    assert entries == [
        {"actor_role": "admin", "action": "participant.pause", "before": {"status": "verified"},
         "after": {"status": "paused", "paused_until": until.isoformat()}},
        {"actor_role": "admin", "action": "participant.pause",
         "before": {"status": "paused", "paused_until": until.isoformat()},
         "after": {"status": "paused", "paused_until": later.isoformat()}},
        {"actor_role": "admin", "action": "participant.resume",
         "before": {"status": "paused", "paused_until": later.isoformat()}, "after": {"status": "verified"}},
    ]


async def test_a_date_the_manage_page_refuses_is_refused_at_the_field(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    csrf = await login(intake_client)
    mentor = await add_participant(pool, "mentor", name="Sabine Koch", locale="de", profile=ONE_PLACE)
    page_url = f"/dashboard/participants/{mentor.id}?lang=de"
    today = reference.today()
    latest = today + timedelta(days=365)
    after_today = "Bitte geben Sie einen Tag nach heute ein oder lassen Sie das Feld leer."
    for typed, said in [(today.isoformat(), after_today), ((today - timedelta(days=3)).isoformat(), after_today),
                        ("12.01.2027", after_today),
                        ((latest + timedelta(days=1)).isoformat(),
                         f"Bitte geben Sie einen Tag innerhalb eines Jahres ein, spätestens den {latest:%d.%m.%Y}.")]:
        refused = await intake_client.post(page_url, data={"csrf": csrf, "action": "pause", "paused_until": typed},
                                           allow_redirects=False)
        assert refused.status == 422, typed
        page = await refused.text()
        assert said in _text(page), typed
        assert f'value="{typed}"' in page  # what was typed stays in the field
        assert tuple(await pool.fetchrow(STATUS, mentor.id))[:2] == ("verified", None)
    assert await pool.fetchval(PAUSES.replace("SELECT actor_role, action, before, after", "SELECT count(*)")
                               .replace(" ORDER BY at, id", ""), mentor.id) == 0

    # The last day allowed is taken; so is no date at all (until someone resumes).
    await intake_client.post(page_url, data={"csrf": csrf, "action": "pause", "paused_until": latest.isoformat()})
    assert tuple(await pool.fetchrow(STATUS, mentor.id))[:2] == ("paused", latest)
    other = await add_participant(pool, "mentor", name="Jens Vogt", locale="de", profile=ONE_PLACE)
    await intake_client.post(f"/dashboard/participants/{other.id}",
                             data={"csrf": csrf, "action": "pause", "paused_until": ""})
    assert tuple(await pool.fetchrow(STATUS, other.id))[:2] == ("paused", None)
