"""A person pauses on their manage page while a coordinator approves one of their suggestions
(review 10c, F1): the matcher withdraws a paused person's suggestions only when it gets to the
event, so until then the approval itself must refuse a side that is no longer verified. Both
requests race for real (asyncio.gather, each on its own database connection)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg

from lotse.shared import tokens
from tests.conftest import TEST_SECRET_KEY, IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.test_dashboard import _suggest, _verified

SIGNER = tokens.TokenSigner(TEST_SECRET_KEY)


def _manage(participant_id: uuid.UUID) -> str:
    return f"/manage/{SIGNER.sign(tokens.MANAGE, pid=str(participant_id))}"


async def _pair(intake_client: IntakeClient, pool: asyncpg.Pool) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(capacity=3))
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    return newcomer, mentor, await _suggest(pool, newcomer, mentor)


async def test_a_suggestion_of_a_paused_newcomer_or_mentor_is_not_approved(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    for side in ("newcomer", "mentor"):
        newcomer, mentor, match_id = await _pair(intake_client, pool)
        paused = await intake_client.post(_manage(newcomer if side == "newcomer" else mentor),
                                          data={"action": "pause", "paused_until": ""}, allow_redirects=False)
        assert paused.status == 303
        # The matcher has not yet withdrawn the suggestion (no matcher runs here): still open.
        assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", match_id) == "suggested"
        answer = await intake_client.post(f"/api/v1/matches/{match_id}/approve", json={}, headers=coordinator_headers)
        assert answer.status == 409, side
        assert "paused" in (await answer.json())["error"]["message"]
        assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", match_id) == "suggested"
        assert await pool.fetchval("SELECT count(*) FROM outbox WHERE type = 'match.approved' "
                                   "AND payload->>'match_id' = $1", str(match_id)) == 0


async def test_a_pause_racing_an_approval_is_either_after_it_or_refuses_it(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    outcomes = set()
    for attempt in range(12):  # a race is a matter of timing: run it a number of times
        newcomer, _mentor, match_id = await _pair(intake_client, pool)
        approved, paused = await asyncio.gather(
            intake_client.post(f"/api/v1/matches/{match_id}/approve", json={}, headers=coordinator_headers),
            intake_client.post(_manage(newcomer), data={"action": "pause", "paused_until": ""},
                               allow_redirects=False))
        assert paused.status == 303 and approved.status in (200, 409), attempt
        outcomes.add(approved.status)
        steps = [r["action"] for r in await pool.fetch(
            "SELECT action FROM audit_log WHERE subject_id = ANY($1::uuid[]) ORDER BY id", [newcomer, match_id])]
        if approved.status == 200:
            # The approval came first: the pause waited for it (its audit entry is the later one).
            assert steps == ["match.approve", "participant.pause_own"], attempt
        else:
            assert steps == ["participant.pause_own"], attempt
            assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", match_id) == "suggested"
    assert outcomes  # (which orders occurred is the scheduler's business)


# Backends of this database that wait for a lock another one holds.
BLOCKED = """SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0"""


async def _until(pool: asyncpg.Pool, blocked: int, *, or_done: asyncio.Future[Any] | None = None) -> None:
    for _ in range(500):
        if await pool.fetchval(BLOCKED) == blocked or (or_done is not None and or_done.done()):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never {blocked} waiting")


async def test_a_pause_after_the_approval_read_the_newcomer_waits_for_it(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    """The interleaving the race above leaves to timing, every time: the approval has read the newcomer
    as verified and waits (here for the match's row, held by the test) when the pause comes. The pause
    must wait for the approval, or the newcomer who paused is introduced all the same."""
    newcomer, _mentor, match_id = await _pair(intake_client, pool)
    async with pool.acquire() as gate:
        held = gate.transaction()
        await held.start()
        await gate.execute("SELECT 1 FROM matches WHERE id = $1 FOR UPDATE", match_id)
        approving = asyncio.ensure_future(intake_client.post(
            f"/api/v1/matches/{match_id}/approve", json={}, headers=coordinator_headers))
        await _until(pool, 1)  # the approval, at the match's row: it has locked and read both people
        pausing = asyncio.ensure_future(intake_client.post(
            _manage(newcomer), data={"action": "pause", "paused_until": ""}, allow_redirects=False))
        await _until(pool, 2, or_done=pausing)  # the pause waits for the approval (or, unlocked, is done)
        await held.rollback()
    approved, paused = await approving, await pausing
    assert (approved.status, paused.status) == (200, 303)
    steps = [r["action"] for r in await pool.fetch(
        "SELECT action FROM audit_log WHERE subject_id = ANY($1::uuid[]) ORDER BY id", [newcomer, match_id])]
    assert steps == ["match.approve", "participant.pause_own"]
