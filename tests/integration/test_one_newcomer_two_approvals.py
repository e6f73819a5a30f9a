"""Two suggestions of one newcomer approved at once (two coordinators, two mentors), and a suggestion
the matcher makes from what it read before another of the newcomer's was approved (review 10c, F7,
F8): each approval withdraws the other's suggestion as stale, so the two ran into a deadlock and one
coordinator got a 500 (44 of ~430 decisions under load); and a suggestion inserted beside an approval
could be approved too, giving the newcomer two mentors. The requests race for real: both have read
their suggestion before either goes on (row_gate: their mentors' rows are held till both wait)."""

from __future__ import annotations

import uuid

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.row_gate import all_waiting
from tests.integration.test_dashboard import _suggest, _verified

LIVE = "SELECT count(*) FROM matches WHERE newcomer_id = $1 AND status IN ('approved', 'introduced', 'active')"


async def _mentors(intake_client: IntakeClient, pool: asyncpg.Pool, n: int) -> list[uuid.UUID]:
    return [await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(capacity=3)) for _ in range(n)]


async def test_two_approvals_of_one_newcomers_suggestions_at_once_give_one_mentor_and_no_error(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    for attempt in range(12):
        newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
        mentors = await _mentors(intake_client, pool, 2)
        suggestions = [await _suggest(pool, newcomer, m) for m in mentors]
        answers = await all_waiting(pool, mentors, *(intake_client.post(
            f"/api/v1/matches/{s}/approve", json={}, headers=coordinator_headers) for s in suggestions))
        assert sorted(a.status for a in answers) == [200, 409], attempt
        assert await pool.fetchval(LIVE, newcomer) == 1, attempt
        assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'match.approve' "
                                   "AND subject_id = ANY($1::uuid[])", suggestions) == 1, attempt


async def test_a_suggestion_made_from_a_read_before_an_approval_is_withdrawn_not_approved(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    """The matcher read the newcomer as waiting, the approval of another of theirs committed, then the
    matcher's insert landed (the interleaving the load test hit 34 times; inserted after the approval
    here, since an insert that comes first is withdrawn by the approval itself)."""
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    first, late = await _mentors(intake_client, pool, 2)
    approved_one = await _suggest(pool, newcomer, first)
    answer = await intake_client.post(f"/api/v1/matches/{approved_one}/approve", json={}, headers=coordinator_headers)
    assert answer.status == 200
    made = await _suggest(pool, newcomer, late)
    second = await intake_client.post(f"/api/v1/matches/{made}/approve", json={}, headers=coordinator_headers)
    assert second.status == 409
    assert "already has an approved match" in (await second.json())["error"]["message"]
    assert await pool.fetchval(LIVE, newcomer) == 1
    # Withdrawn as stale for good (the refusal keeps that step), with its event for the matcher.
    assert await pool.fetchval("SELECT reason FROM matches WHERE id = $1 AND status = 'withdrawn'", made) == "stale"
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE type = 'match.withdrawn' "
                               "AND payload->>'match_id' = $1", str(made)) == 1
