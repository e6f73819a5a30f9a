"""Only newcomers who look for a job themselves are offered positions and wait for one
(review 4, finding 9); an API client that does not send `seeks_work` gets today's behaviour."""

from __future__ import annotations

import re

import asyncpg

from lotse.intake import self_service
from lotse.matcher.consumer import MatcherConsumer
from lotse.shared import events
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import employer_payload, newcomer_payload
from tests.integration.test_matcher import NURSING, _verified, deliver, matcher, open_suggestions
from tests.integration.test_self_service import _stored, edit_form, manage_link
from tests.integration.test_web_forms import NEWCOMER_FORM

__all__ = ["matcher"]  # the fixture


async def _waits_for_a_job(pool: asyncpg.Pool, newcomer: object) -> bool:
    return bool(await pool.fetchval("SELECT count(*) FROM waitlist WHERE newcomer_id = $1 AND kind = 'employer'",
                                    newcomer))


async def test_positions_only_for_newcomers_who_look_for_work(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    await _verified(intake_client, pool, "/api/v1/employers", employer_payload(
        positions=NURSING, offers=["language_course_during_work"]))
    unsaid = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    has_a_job = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(seeks_work=False))
    no_opening = await _verified(intake_client, pool, "/api/v1/newcomers",
                                 newcomer_payload(occupation_field="it", seeks_work=True))
    for newcomer in (unsaid, has_a_job, no_opening):
        await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")

    assert len(await open_suggestions(pool, unsaid, "employer")) == 1  # not sent: as before, yes
    assert await open_suggestions(pool, has_a_job, "employer") == []
    assert not await _waits_for_a_job(pool, has_a_job)
    assert await _waits_for_a_job(pool, no_opening)
    assert await pool.fetchval("SELECT profile->'seeks_work' FROM participants WHERE id = $1", has_a_job) is False

    # Saying so later withdraws the open position and takes them off the waiting list.
    for newcomer in (unsaid, no_opening):
        async with pool.acquire() as conn, conn.transaction():
            await self_service.update(conn, newcomer, {"seeks_work": False})
        await deliver(matcher, pool, events.PARTICIPANT_UPDATED, participant_id=newcomer, kind="newcomer")
        assert await open_suggestions(pool, newcomer, "employer") == []
        assert not await _waits_for_a_job(pool, newcomer)


async def test_the_newcomer_form_asks_ticked_and_stores_the_answer(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    page = await (await intake_client.get("/register/newcomer?lang=de-simple")).text()
    box = re.search(r'<input type="checkbox" id="seeks_work"[^>]*>', page)
    assert box and " checked" in box.group(0) and 'aria-describedby="seeks_work-hint"' in box.group(0)
    assert "Ich suche selbst Arbeit" in page and "nehmen Sie hier den Haken weg" in page
    assert 'id="seeks_work"' not in await (await intake_client.get("/register/mentor")).text()

    unticked = await intake_client.post("/register/newcomer", data=NEWCOMER_FORM, allow_redirects=False)
    ticked = await intake_client.post("/register/newcomer", data={
        **NEWCOMER_FORM, "email": "lan.job@example.org", "seeks_work": "on"}, allow_redirects=False)
    assert unticked.status == ticked.status == 303
    stored = dict(await pool.fetch("SELECT email, profile->'seeks_work' FROM participants"))
    assert stored == {"lan.form@example.org": False, "lan.job@example.org": True}


async def test_the_manage_page_shows_an_unanswered_profile_ticked_and_saves_the_answer(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    participant_id = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(preferred_locale="uk"))
    # Stored before newcomers were asked: shown as it is matched, looking for a job.
    await pool.execute("UPDATE participants SET profile = profile - 'seeks_work' WHERE id = $1", participant_id)
    link = manage_link(participant_id)
    page = await (await intake_client.get(link)).text()
    form = edit_form(page)
    assert form["seeks_work"] == "on" and "Я шукаю роботу для себе" in page

    kept = await intake_client.post(link, data=form, allow_redirects=False)  # saved as shown: still looking
    assert kept.status == 303 and await _stored(pool, participant_id, "seeks_work") is True
    unticked = await intake_client.post(link, data={k: v for k, v in form.items() if k != "seeks_work"},
                                        allow_redirects=False)
    assert unticked.status == 303 and await _stored(pool, participant_id, "seeks_work") is False
    assert "seeks_work" not in edit_form(await (await intake_client.get(link)).text())
