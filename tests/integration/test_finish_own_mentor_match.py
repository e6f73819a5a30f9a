"""Review 8d, finding 1: a running mentor match is ended on the manage page either as "We are done –
it went well" (completed, no new mentor searched until the newcomer asks with "I would like a
mentor again") or as "I cannot continue" (cancelled, a new search at once, as before). Intake's
steps run for real; the events they wrote go to the real matcher's handler, as its consumer takes
them; the statistics count the first as completed."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from lotse.matcher.consumer import MatcherConsumer
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.test_email_change_matching import _to_matcher
from tests.integration.test_matcher import _verified, matcher, open_suggestions
from tests.integration.test_own_matches import _match, _text
from tests.integration.test_self_service import _registered, manage_link

__all__ = ["matcher"]  # fixture used by name

FINISH = "We are done – it went well"
CANNOT = "I cannot continue"
AGAIN = "I would like a mentor again"


async def _running(intake_client: IntakeClient, pool: asyncpg.Pool) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """A newcomer who wants a mentor, her running mentor match, and two more mentors who would fit."""
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(preferred_locale="en"))
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(preferred_locale="en"))
    for _ in range(2):
        await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    match_id = await _match(pool, "mentor", newcomer, mentor, "active")
    await pool.execute("DELETE FROM outbox")  # the registrations' events: not what this test is about
    return newcomer, mentor, match_id


async def _end(intake_client: IntakeClient, link: str, match_id: uuid.UUID, outcome: str) -> None:
    done = await intake_client.post(link, data={"action": "match_end", "match": str(match_id), "confirm": "yes",
                                                "outcome": outcome, "reason": "Olena has settled in."},
                                    allow_redirects=False)
    assert done.status == 303, await done.text()


async def test_a_mentor_finishes_a_match_that_went_well_and_the_newcomer_asks_for_a_mentor_again(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer, coordinator_headers: dict[str, str]
) -> None:
    newcomer, mentor, match_id = await _running(intake_client, pool)
    link = manage_link(mentor)

    asked = _text(await (await intake_client.post(link, data={"action": "match_end", "match": str(match_id)})).text())
    assert FINISH in asked and CANNOT in asked and "Yes, end this match" not in asked
    assert "We look for a new mentor for them only when they ask for one." in asked

    await _end(intake_client, link, match_id, "finished")
    state = await pool.fetchrow("SELECT status, end_reason, ended_by_side, reason FROM matches WHERE id = $1",
                                match_id)
    assert dict(state) == {"status": "completed", "end_reason": "finished_by_participant",
                           "ended_by_side": "counterpart", "reason": "Olena has settled in."}
    event = await pool.fetchrow("SELECT payload FROM outbox WHERE type = 'match.ended'")
    assert (event["payload"]["outcome"], event["payload"]["reason"]) == ("completed", "finished_by_participant")
    audit = await pool.fetchrow("SELECT actor_id, after FROM audit_log WHERE action = 'match.ended_own'")
    assert (audit["actor_id"], audit["after"]) == (mentor, {"status": "completed"})
    stats = await (await intake_client.get("/api/v1/stats", headers=coordinator_headers)).json()
    assert stats["completion_rate"] == 1.0

    # The freed place makes the matcher look at who waits; she no longer asks for a mentor.
    await _to_matcher(matcher, pool)
    assert await open_suggestions(pool, newcomer, "mentor") == []
    assert await pool.fetchval("SELECT profile->>'wants_mentor' FROM participants WHERE id = $1", newcomer) == "false"

    # Her page offers to ask again; asking makes the matcher look (participant.updated).
    own = manage_link(newcomer)
    page = _text(await (await intake_client.get(own)).text())
    assert "Your mentorship is complete." in page and AGAIN in page
    again = await intake_client.post(own, data={"action": "mentor_again"}, allow_redirects=False)
    assert again.status == 303 and again.headers["Location"].endswith("?done=mentor_again")
    shown = _text(await (await intake_client.get(again.headers["Location"])).text())
    assert "We are looking for a mentor for you again" in shown and AGAIN not in shown
    await _to_matcher(matcher, pool)
    assert len(await open_suggestions(pool, newcomer, "mentor")) == 2


async def test_i_cannot_continue_cancels_and_looks_for_a_new_mentor_at_once(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer, coordinator_headers: dict[str, str]
) -> None:
    newcomer, mentor, match_id = await _running(intake_client, pool)
    await _end(intake_client, manage_link(mentor), match_id, "cancelled")
    state = await pool.fetchrow("SELECT status, end_reason FROM matches WHERE id = $1", match_id)
    assert (state["status"], state["end_reason"]) == ("cancelled", "ended_by_participant")
    await _to_matcher(matcher, pool)
    assert len(await open_suggestions(pool, newcomer, "mentor")) == 2
    stats = await (await intake_client.get("/api/v1/stats", headers=coordinator_headers)).json()
    assert stats["completion_rate"] == 0.0
    # Her page shows the match as ended, and offers no "ask again": she still asks for a mentor.
    page = _text(await (await intake_client.get(manage_link(newcomer))).text())
    assert "Your matches" in page and "Ended." in page and AGAIN not in page
    assert await pool.fetchval("SELECT profile->>'wants_mentor' FROM participants WHERE id = $1", newcomer) == "true"


async def test_the_newcomer_finishes_too_and_only_a_running_mentor_match_can_be_finished(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer = await _registered(intake_client, pool, "newcomers", preferred_locale="en")
    mentor = await _registered(intake_client, pool, "mentors", preferred_locale="en")
    running = await _match(pool, "mentor", newcomer, mentor, "active")
    link = manage_link(newcomer)
    asked = _text(await (await intake_client.post(link, data={"action": "match_end", "match": str(running)})).text())
    assert "we thank your mentor. We look for a new mentor for you only when you ask for one on your page." in asked
    await _end(intake_client, link, running, "finished")
    assert await pool.fetchval("SELECT ended_by_side FROM matches WHERE id = $1 AND status = 'completed'",
                               running) == "newcomer"

    # A job has one button, as before, and a forged "finished" ends it as it always did.
    employer = await _registered(intake_client, pool, "employers", preferred_locale="en")
    position = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1", employer)
    job = await _match(pool, "employer", newcomer, position, "active")
    asked = _text(await (await intake_client.post(link, data={"action": "match_end", "match": str(job)})).text())
    assert "Yes, end this match" in asked and FINISH not in asked
    await _end(intake_client, link, job, "finished")
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", job) == "cancelled"


@pytest.mark.parametrize("mine", [True, False])
async def test_the_end_step_opens_from_a_link_and_changes_nothing(
    intake_client: IntakeClient, pool: asyncpg.Pool, mine: bool
) -> None:
    newcomer = await _registered(intake_client, pool, "newcomers", preferred_locale="en")
    mentor = await _registered(intake_client, pool, "mentors", preferred_locale="en")
    match_id = await _match(pool, "mentor", newcomer, mentor, "active")
    reader = mentor if mine else await _registered(intake_client, pool, "mentors", preferred_locale="en")
    page = _text(await (await intake_client.get(f"{manage_link(reader)}?end={match_id}")).text())
    if mine:
        assert "End this match?" in page and FINISH in page and CANNOT in page
    else:
        assert "This match has ended. Nothing was changed." in page and FINISH not in page
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", match_id) == "active"
