"""Review 7, finding 8: a confirmed change of e-mail address leaves the matcher's open suggestions
alone (an address says nothing about whom to suggest), while a profile edit still re-evaluates them.
Intake's steps run for real; the events they wrote go to the matcher's handler as its consumer does."""

from __future__ import annotations

import uuid

import asyncpg

from lotse.intake import email_change, self_service
from lotse.matcher.consumer import MatcherConsumer
from lotse.shared import events
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload, unique_email
from tests.integration.notifier_fixtures import outbox_events
from tests.integration.test_matcher import _verified, deliver, matcher, open_suggestions

__all__ = ["matcher"]  # fixture used by name


async def _to_matcher(matcher: MatcherConsumer, pool: asyncpg.Pool) -> None:
    """What the relay would publish since the last call, to the matcher."""
    for event in await outbox_events(pool):
        if event.type in matcher.HANDLES:
            async with pool.acquire() as conn, conn.transaction():
                await matcher.handle(conn, event)
    await pool.execute("DELETE FROM outbox")


async def _ids(pool: asyncpg.Pool, newcomer: uuid.UUID) -> set[uuid.UUID]:
    return {m["id"] for m in await open_suggestions(pool, newcomer, "mentor")}


async def test_an_address_change_keeps_open_suggestions_a_profile_edit_rescores(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
    before = await _ids(pool, newcomer)
    assert before
    await pool.execute("DELETE FROM outbox")

    async with pool.acquire() as conn, conn.transaction():
        change = await email_change.request(conn, newcomer, unique_email("lan.neu"))
        assert await email_change.confirm(conn, newcomer, change) == email_change.Outcome.CHANGED
    await _to_matcher(matcher, pool)
    assert await _ids(pool, newcomer) == before
    assert await pool.fetchval("SELECT count(*) FROM matches WHERE newcomer_id = $1 AND status = 'withdrawn'",
                               newcomer) == 0

    async with pool.acquire() as conn, conn.transaction():
        await self_service.update(conn, newcomer, {"name": "Lan Nguyễn"})
    await _to_matcher(matcher, pool)
    after = await _ids(pool, newcomer)
    assert after and after.isdisjoint(before)
