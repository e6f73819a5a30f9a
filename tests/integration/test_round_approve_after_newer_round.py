"""A coordinator approves the pairs of a round's page while a newer round (a colleague's, or the
scheduled one) proposes the same still open pairs and so takes them into its own (rounds.run_round's
re-tagging). The pairs shown are approved all the same (review 10c, F3: every one was skipped "because
of conflicts"). The newer round's step and the approval race for real (asyncio.gather)."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.test_dashboard import login
from tests.integration.test_dashboard_rounds import _round_with_two_proposals


async def _newer_round_takes(pool: asyncpg.Pool, pairs: list[uuid.UUID]) -> None:
    """What a later round does with an open pair it proposes again (run_round): its round_id becomes the new round's."""
    newer = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("INSERT INTO rounds (id, objective, status) VALUES ($1, 'best_total_score', 'running')",
                           newer)
        await conn.execute("UPDATE matches SET round_id = $1 WHERE id = ANY($2::uuid[]) AND status = 'suggested'",
                           newer, pairs)
        await conn.execute("UPDATE rounds SET status = 'completed', completed_at = now(), result = '{}' "
                           "WHERE id = $1", newer)


async def test_the_pairs_shown_are_approved_though_a_newer_round_proposed_them_again(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    csrf = await login(intake_client)
    round_id, proposed, _own = await _round_with_two_proposals(intake_client, pool)
    await _newer_round_takes(pool, proposed)
    approved = await intake_client.post(f"/dashboard/rounds/{round_id}/approve", allow_redirects=False,
                                        data=[("csrf", csrf), *(("match", str(m)) for m in proposed)])
    assert approved.headers["Location"] == "/dashboard?msg=round_approved:2:0"
    assert {r["status"] for r in await pool.fetch("SELECT status FROM matches WHERE id = ANY($1::uuid[])",
                                                  proposed)} == {"approved"}
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'match.approve' "
                               "AND detail = $1", f"round {round_id}") == 2


async def test_an_approval_racing_a_newer_round_approves_every_pair_shown(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    csrf = await login(intake_client)
    for attempt in range(6):  # a race is a matter of timing: run it a few times
        round_id, proposed, _own = await _round_with_two_proposals(intake_client, pool)
        approved, _ = await asyncio.gather(
            intake_client.post(f"/dashboard/rounds/{round_id}/approve", allow_redirects=False,
                               data=[("csrf", csrf), *(("match", str(m)) for m in proposed)]),
            _newer_round_takes(pool, proposed))
        assert approved.headers["Location"].endswith("msg=round_approved:2:0"), (attempt, approved.headers)
        assert {r["status"] for r in await pool.fetch("SELECT status FROM matches WHERE id = ANY($1::uuid[])",
                                                      proposed)} == {"approved"}, attempt


async def test_a_pair_of_an_earlier_round_is_not_approved_from_a_later_rounds_page(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """Only later rounds count: a page's form naming an older round's pairs approves none of them."""
    csrf = await login(intake_client)
    older, pairs, _own = await _round_with_two_proposals(intake_client, pool)
    newer = uuid.uuid4()
    await pool.execute("INSERT INTO rounds (id, objective, status, completed_at, result) "
                       "VALUES ($1, 'best_total_score', 'completed', now(), '{}')", newer)
    approved = await intake_client.post(f"/dashboard/rounds/{newer}/approve", allow_redirects=False,
                                        data=[("csrf", csrf), *(("match", str(m)) for m in pairs)])
    assert approved.headers["Location"] == "/dashboard?msg=round_approved:0:2"
    assert {r["status"] for r in await pool.fetch("SELECT status FROM matches WHERE round_id = $1",
                                                  older)} == {"suggested"}
