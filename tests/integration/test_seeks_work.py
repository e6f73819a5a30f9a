"""Only newcomers who look for a job themselves are offered positions and wait for one
(review 4, finding 9); an API client that does not send `seeks_work` gets today's behaviour."""

from __future__ import annotations

import asyncpg

from lotse.intake import self_service
from lotse.matcher.consumer import MatcherConsumer
from lotse.shared import events
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import employer_payload, newcomer_payload
from tests.integration.test_matcher import NURSING, _verified, deliver, matcher, open_suggestions

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
