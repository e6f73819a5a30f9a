"""Review 8e, finding 6: giving or withdrawing the share_contact consent on the manage page leaves
the matcher's open suggestions alone (no score reads the consent), where it used to withdraw them
as "rescored" and make identical new ones. The manage page's step runs for real; the events it
wrote go to the matcher's handler as its consumer does."""

from __future__ import annotations

import uuid

import asyncpg

from lotse.matcher.consumer import MatcherConsumer
from lotse.shared import events
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.test_email_change_matching import _to_matcher
from tests.integration.test_matcher import _verified, deliver, matcher, open_suggestions
from tests.integration.test_self_service import manage_link

__all__ = ["matcher"]  # fixture used by name


async def _suggested(pool: asyncpg.Pool, newcomer: uuid.UUID) -> set[uuid.UUID]:
    return {m["id"] for m in await open_suggestions(pool, newcomer, "mentor")}


async def test_a_consent_change_keeps_open_suggestions_of_both_sides(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
    before = await _suggested(pool, newcomer)
    assert before
    await pool.execute("DELETE FROM outbox")

    for person in (newcomer, mentor):
        for action in ("unshare", "share"):
            done = await intake_client.post(manage_link(person), data={"action": action}, allow_redirects=False)
            assert done.status == 303
            await _to_matcher(matcher, pool)
            assert await _suggested(pool, newcomer) == before, (person, action)
    assert await pool.fetchval("SELECT count(*) FROM matches WHERE newcomer_id = $1 AND status = 'withdrawn'",
                               newcomer) == 0
    # The consent itself is recorded each time, and the withdrawal audited.
    assert await pool.fetchval("SELECT count(*) FROM consents WHERE purpose = 'share_contact' AND "
                               "participant_id = ANY($1::uuid[])", [newcomer, mentor]) == 6
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'participant.share_contact_withdrawn'"
                               ) == 2
