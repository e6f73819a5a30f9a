"""Review 10b, F8: no suggestion stays open for a counterpart whose places are all taken.

The matcher reads the places when its batch begins. An approval that fills a mentor meanwhile
withdraws the mentor's other open suggestions, but not those the matcher has written and not yet
committed: before it commits, the matcher withdraws them itself (matches_db.withdraw_where_full),
waiting for an approval still running. And a suggestion of a full counterpart still open (written
before this fix) is withdrawn, with its counterpart's others, by the approval it refuses."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any

import asyncpg
import pytest

from lotse.matcher import rounds, suggest
from lotse.matcher.consumer import MatcherConsumer
from lotse.matcher.pools import load_newcomers
from lotse.shared import events, matches_db
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.row_gate import until_waiting
from tests.integration.test_dashboard import login
from tests.integration.test_matcher import _verified, deliver, matcher, open_suggestions

__all__ = ["matcher"]  # the fixture
ONLY_MENTOR = {"needs": ["childcare"], "wants_mentor": True}


async def _a_mentor_and_two_newcomers(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """A mentor with one place, suggested to the first newcomer; the second is verified but not
    looked at yet. Returns (mentor, the first's suggestion, the second newcomer)."""
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(capacity=1))
    first = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(**ONLY_MENTOR))
    second = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(**ONLY_MENTOR))
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=str(first), kind="newcomer")
    [suggestion] = [r["id"] for r in await open_suggestions(pool, first, "mentor") if r["counterpart_id"] == mentor]
    return mentor, suggestion, second


async def _top_up(conn: asyncpg.Connection, matcher: MatcherConsumer, newcomer: uuid.UUID) -> suggest.Suggested:
    """What the matcher's flush does for one newcomer, up to its last step (the check for room)."""
    await suggest.lock_writers(conn)
    pools, models = await suggest.load_pools(conn), await matcher._models(conn)
    suggested = suggest.Suggested()
    found = (await load_newcomers(conn, [newcomer]))[newcomer]
    await suggest.top_up(conn, found, pools, models, datetime.now().astimezone(), ("mentor",), suggested)
    return suggested


async def _status(pool: asyncpg.Pool, newcomer: uuid.UUID, mentor: uuid.UUID) -> list[tuple[str, str | None]]:
    return [(r["status"], r["reason"]) for r in await pool.fetch(
        "SELECT status, reason FROM matches WHERE newcomer_id = $1 AND counterpart_id = $2", newcomer, mentor)]


async def test_an_approval_committed_while_the_matcher_wrote_leaves_no_open_suggestion_of_the_full_mentor(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer, coordinator_headers: dict[str, str]
) -> None:
    mentor, suggestion, second = await _a_mentor_and_two_newcomers(intake_client, pool, matcher)
    async with pool.acquire() as conn, conn.transaction():
        suggested = await _top_up(conn, matcher, second)
        assert suggested.counterparts == {"mentor": {mentor}}  # written from places read before the approval
        approved = await intake_client.post(f"/api/v1/matches/{suggestion}/approve", headers=coordinator_headers)
        assert approved.status == 200, await approved.text()
        assert await suggested.withdraw_where_full(conn) == 1
    assert await _status(pool, second, mentor) == [("withdrawn", "stale")]
    withdrawn = await pool.fetch("SELECT payload FROM outbox WHERE type = 'match.withdrawn' "
                                 "AND payload->>'newcomer_id' = $1", str(second))
    assert len(withdrawn) == 1


async def test_the_matcher_waits_for_an_approval_still_running_and_then_sees_the_mentor_full(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    mentor, suggestion, second = await _a_mentor_and_two_newcomers(intake_client, pool, matcher)
    coordinator = await pool.fetchval("SELECT id FROM coordinators ORDER BY created_at LIMIT 1")
    async with pool.acquire() as deciding, pool.acquire() as conn, conn.transaction():
        suggested = await _top_up(conn, matcher, second)
        decision = deciding.transaction()
        await decision.start()
        await matches_db.approve(deciding, suggestion, coordinator, None)  # holds the mentor's row
        checking = asyncio.ensure_future(suggested.withdraw_where_full(conn))
        await until_waiting(pool, 1)
        assert not checking.done()  # waits for the decision, whose snapshot could not see this suggestion
        await decision.commit()
        assert await checking == 1
    assert await _status(pool, second, mentor) == [("withdrawn", "stale")]


async def test_an_approval_after_the_matchers_check_waits_and_withdraws_the_new_suggestion_itself(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer, coordinator_headers: dict[str, str]
) -> None:
    mentor, suggestion, second = await _a_mentor_and_two_newcomers(intake_client, pool, matcher)
    async with pool.acquire() as conn:
        matcher_batch = conn.transaction()
        await matcher_batch.start()
        suggested = await _top_up(conn, matcher, second)
        assert await suggested.withdraw_where_full(conn) == 0  # a place is free: it stays, the row held
        approving = asyncio.ensure_future(
            intake_client.post(f"/api/v1/matches/{suggestion}/approve", headers=coordinator_headers))
        await until_waiting(pool, 1)
        assert not approving.done()
        await matcher_batch.commit()
        assert (await approving).status == 200
    assert await _status(pool, second, mentor) == [("withdrawn", "stale")]


async def _open_for_full_mentor(intake_client: IntakeClient, pool: asyncpg.Pool) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """A mentor whose one place is taken, with three suggestions still open (as the race left them
    before the matcher checked for room)."""
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(capacity=1))
    ids = []
    for status in ("active", "suggested", "suggested", "suggested"):
        newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(**ONLY_MENTOR))
        ids.append(await pool.fetchval(
            """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation, status)
               VALUES (gen_random_uuid(), 'mentor', $1, $2, 0.9, '[]', $3) RETURNING id""",
            newcomer, mentor, status))
    return mentor, ids[1:]


async def test_approving_a_full_mentors_suggestion_withdraws_all_of_them_and_says_so(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    mentor, open_ones = await _open_for_full_mentor(intake_client, pool)
    refused = await intake_client.post(f"/api/v1/matches/{open_ones[0]}/approve", headers=coordinator_headers)
    assert refused.status == 409
    body = await refused.json()
    assert body["error"]["code"] == "conflict" and "places are all taken" in body["error"]["message"]
    statuses = await pool.fetch("SELECT status, reason FROM matches WHERE id = ANY($1::uuid[])", open_ones)
    assert [(r["status"], r["reason"]) for r in statuses] == [("withdrawn", "stale")] * 3
    evented = await pool.fetchval("SELECT count(*) FROM outbox WHERE type = 'match.withdrawn' "
                                  "AND payload->>'counterpart_id' = $1", str(mentor))
    assert evented == 3
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'match.approve'") == 0


async def test_the_review_queue_says_the_places_are_taken_and_does_not_offer_the_pair_again(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    csrf = await login(intake_client)
    _, open_ones = await _open_for_full_mentor(intake_client, pool)
    refused = await intake_client.post(f"/dashboard/matches/{open_ones[0]}/approve", data={"csrf": csrf},
                                       allow_redirects=False)
    assert refused.status == 303 and "msg=full" in refused.headers["Location"], refused.headers["Location"]
    page = await (await intake_client.get(refused.headers["Location"])).text()
    assert "dort sind inzwischen alle Plätze vergeben" in page
    queue = await (await intake_client.get("/dashboard")).text()
    assert not any(f"/dashboard/matches/{m}/approve" in queue for m in open_ones)


def _approved_once_read(monkeypatch: pytest.MonkeyPatch, reader: Any, intake_client: IntakeClient,
                        suggestion: uuid.UUID, headers: dict[str, str]) -> None:
    """``reader``'s load_pools (the matcher's batch, or a round) followed at once by the suggestion's
    approval, committed through intake: the places it read are stale when it writes."""
    read_pools = reader.load_pools

    async def then_approved(conn: asyncpg.Connection) -> Any:
        pools = await read_pools(conn)
        approved = await intake_client.post(f"/api/v1/matches/{suggestion}/approve", headers=headers)
        assert approved.status == 200, await approved.text()
        return pools

    monkeypatch.setattr(reader, "load_pools", then_approved)


async def test_a_matcher_batch_checks_for_room_as_its_last_step(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer, coordinator_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The consumer's batch, end to end: the approval lands right after the batch read the places."""
    mentor, suggestion, second = await _a_mentor_and_two_newcomers(intake_client, pool, matcher)
    _approved_once_read(monkeypatch, suggest, intake_client, suggestion, coordinator_headers)
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=str(second), kind="newcomer")
    assert await _status(pool, second, mentor) == [("withdrawn", "stale")]


async def test_a_rounds_proposals_for_a_mentor_filled_meanwhile_are_withdrawn_before_it_commits(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer, coordinator_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mentor, suggestion, second = await _a_mentor_and_two_newcomers(intake_client, pool, matcher)
    _approved_once_read(monkeypatch, rounds, intake_client, suggestion, coordinator_headers)
    round_id = uuid.uuid4()
    await pool.execute("INSERT INTO rounds (id, objective) VALUES ($1, 'most_matched')", round_id)
    await deliver(matcher, pool, events.ROUND_REQUESTED, round_id=round_id)
    assert await pool.fetchval("SELECT status FROM rounds WHERE id = $1", round_id) == "completed"
    # Proposed from the places read before the approval, then withdrawn: nothing open for the full mentor.
    assert await _status(pool, second, mentor) == [("withdrawn", "stale")]
    assert await pool.fetchval("SELECT round_id FROM matches WHERE newcomer_id = $1", second) == round_id
