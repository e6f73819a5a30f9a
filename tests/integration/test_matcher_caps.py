"""Reviews 9b F3 and 9d D3: at most LOTSE_MATCHER_SUGGESTIONS_PER_PLACE open suggestions per place
name one counterpart, held by the newcomers it fits best; the others get their next best, and a
place or suggestion that frees up goes to the next newcomers (lotse.matcher.caps)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg
import pytest

from lotse.matcher import candidates as cand
from lotse.matcher import caps
from lotse.matcher.caps import DEFAULT_PER_PLACE, Held
from lotse.matcher.consumer import MatcherConsumer
from lotse.matcher.pools import load_newcomers, load_pools
from lotse.shared import events
from lotse.shared.config import ConfigError, load_settings
from lotse.shared.topology import MATCHER_QUEUE
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.notifier_fixtures import outbox_events
from tests.integration.test_matcher import _verified, deliver, matcher, open_suggestions
from tests.integration.test_matcher_reconsider import batch, nothing_undone
from tests.integration.test_matcher_withdraw_plans import _seed

__all__ = ["matcher"]  # the fixture
K = 2  # the default (DEFAULT_PER_PLACE); tests written for it
GERA, EISENACH = "16052", "16063"  # 130 km apart: the second mentor meets newcomers in Gera online
NO_JOB_OR_COURSE: dict[str, Any] = {"seeks_work": False, "course_schedules": []}


async def _popular_mentor_and_ten(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer,
) -> tuple[uuid.UUID, uuid.UUID, dict[uuid.UUID, float]]:
    """A mentor with one place whom ten newcomers all rank first, and one with ten places whom they
    all rank second; the newcomers verified worst fit first, so the best ones come last and must
    take the popular mentor from the others. Returns (popular, second, newcomer -> popular's score)."""
    popular = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(
        helps_with=["childcare", "housing", "authorities", "school"],
        about="Nurse in Gera, I help families with a daughter settle in."))
    second = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(
        capacity=10, helps_with=["housing"], district=EISENACH, about="Retired engineer."))
    newcomers = [await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(**NO_JOB_OR_COURSE))
                 for _ in range(10)]
    # Waiting longer counts in the score (features "waiting"): ten different scores.
    for days, newcomer in enumerate(newcomers):
        await pool.execute("UPDATE participants SET verified_at = now() - make_interval(days => $2) WHERE id = $1",
                           newcomer, 3 * days)
    async with pool.acquire() as conn:
        pools, now = await load_pools(conn), datetime.now().astimezone()
        scores = {}
        for person in (await load_newcomers(conn, newcomers)).values():
            ranked = cand.candidates("mentor", person, pools, set(), await matcher._models(conn), now)
            assert [c.counterpart.id for c in ranked] == [popular, second]  # everyone's first and second
            scores[person.id] = ranked[0].scored.score
    assert len(set(scores.values())) == 10
    for newcomer in sorted(newcomers, key=scores.__getitem__):
        await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
    return popular, second, scores


async def _holders(pool: asyncpg.Pool, counterpart: uuid.UUID) -> set[uuid.UUID]:
    return {r["newcomer_id"] for r in await pool.fetch(
        "SELECT newcomer_id FROM matches WHERE counterpart_id = $1 AND status = 'suggested'", counterpart)}


def _best(scores: dict[uuid.UUID, float], n: int, but: frozenset[uuid.UUID] = frozenset()) -> set[uuid.UUID]:
    return set(sorted((i for i in scores if i not in but), key=scores.__getitem__, reverse=True)[:n])


async def _to_matcher(pool: asyncpg.Pool, matcher: MatcherConsumer, after: int) -> None:
    """The events intake wrote since outbox row ``after`` that the matcher's queue is bound to, as one batch."""
    sent = {r["id"] for r in await pool.fetch("SELECT id FROM outbox WHERE seq > $1", after)}
    await batch(matcher, pool, [e for e in await outbox_events(pool)
                                if e.id in sent and e.type in MATCHER_QUEUE.bindings])


async def test_a_popular_mentor_is_suggested_to_the_best_fitting_few_and_comes_back_when_a_place_frees(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer,
    coordinator_headers: dict[str, str],
) -> None:
    popular, second, scores = await _popular_mentor_and_ten(intake_client, pool, matcher)

    # One place: K open suggestions name the popular mentor, the best-fitting newcomers' ...
    assert await _holders(pool, popular) == _best(scores, K)
    # ... and everyone else got their next best instead: nobody has fewer than the two mentors allow.
    assert await _holders(pool, second) == set(scores)
    assert await pool.fetchval("SELECT count(*) FROM waitlist WHERE kind = 'mentor'") == 0
    passed_over = await pool.fetch("SELECT newcomer_id FROM matches WHERE reason = 'outranked'")
    assert passed_over and {r["newcomer_id"] for r in passed_over} <= set(scores) - _best(scores, K)
    assert await nothing_undone(pool, matcher) == (0, False)

    # A coordinator approves the best newcomer's suggestion: it withdraws at most K - 1 others of the mentor.
    best = max(scores, key=scores.__getitem__)
    match_id = next(m["id"] for m in await open_suggestions(pool, best, "mentor") if m["counterpart_id"] == popular)
    after = await pool.fetchval("SELECT coalesce(max(seq), 0) FROM outbox")
    approved = await intake_client.post(f"/api/v1/matches/{match_id}/approve", json={}, headers=coordinator_headers)
    assert approved.status == 200, await approved.text()
    withdrawn = await pool.fetchval(
        "SELECT count(*) FROM matches WHERE counterpart_id = $1 AND status = 'withdrawn' AND reason = 'stale'", popular)
    assert withdrawn <= K - 1
    await _to_matcher(pool, matcher, after)
    assert await _holders(pool, popular) == set()  # no place left

    # The introduction is declined: the place is free again, and the next best newcomers get the mentor.
    await pool.execute("UPDATE matches SET status = 'declined' WHERE id = $1", match_id)
    await deliver(matcher, pool, events.MATCH_RESPONDED, match_id=match_id, kind="mentor", newcomer_id=best,
                  counterpart_id=popular, answer="decline")
    assert await _holders(pool, popular) == _best(scores, K, but=frozenset({best}))
    assert await nothing_undone(pool, matcher) == (0, False)


async def test_a_rejected_suggestion_lets_the_next_newcomer_have_the_mentor(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer,
    coordinator_headers: dict[str, str],
) -> None:
    popular, _, scores = await _popular_mentor_and_ten(intake_client, pool, matcher)
    assert await _holders(pool, popular) == _best(scores, K)
    best = max(scores, key=scores.__getitem__)
    match_id = next(m["id"] for m in await open_suggestions(pool, best, "mentor") if m["counterpart_id"] == popular)
    after = await pool.fetchval("SELECT coalesce(max(seq), 0) FROM outbox")
    rejected = await intake_client.post(f"/api/v1/matches/{match_id}/reject", json={"reason": "not_a_good_fit"},
                                        headers=coordinator_headers)
    assert rejected.status == 200, await rejected.text()
    await _to_matcher(pool, matcher, after)
    # The third best takes the freed suggestion; the rejected pair is never suggested again.
    assert await _holders(pool, popular) == _best(scores, K + 1) - {best}
    assert await nothing_undone(pool, matcher) == (0, False)


async def test_two_places_allow_twice_the_suggestions_and_an_approval_trims_to_the_rest(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer,
    coordinator_headers: dict[str, str],
) -> None:
    popular, _, scores = await _popular_mentor_and_ten(intake_client, pool, matcher)
    await pool.execute("UPDATE participants SET profile = jsonb_set(profile, '{capacity}', '2') WHERE id = $1", popular)
    await deliver(matcher, pool, events.PARTICIPANT_UPDATED, participant_id=popular, kind="mentor")
    assert await _holders(pool, popular) == _best(scores, 2 * K)

    best = max(scores, key=scores.__getitem__)
    match_id = next(m["id"] for m in await open_suggestions(pool, best, "mentor") if m["counterpart_id"] == popular)
    after = await pool.fetchval("SELECT coalesce(max(seq), 0) FROM outbox")
    approved = await intake_client.post(f"/api/v1/matches/{match_id}/approve", json={}, headers=coordinator_headers)
    assert approved.status == 200, await approved.text()
    await _to_matcher(pool, matcher, after)
    # One place left: K suggestions, the best fitting ones; K - 1 were withdrawn for it.
    assert await _holders(pool, popular) == _best(scores, K + 1) - {best}
    assert await pool.fetchval("""SELECT count(*) FROM matches WHERE counterpart_id = $1 AND status = 'withdrawn'
                                  AND id IN (SELECT (payload->>'match_id')::uuid FROM outbox WHERE seq > $2)""",
                               popular, after) == K - 1
    assert await nothing_undone(pool, matcher) == (0, False)


async def test_a_rounds_proposal_stays_and_the_weakest_other_suggestion_makes_room(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer,
) -> None:
    popular, second, scores = await _popular_mentor_and_ten(intake_client, pool, matcher)
    # A newcomer who meets only in person, so the popular mentor is the only one for them; verified
    # last and waiting least, they fit it worse than those who hold it now.
    only = await _verified(intake_client, pool, "/api/v1/newcomers",
                           newcomer_payload(online_ok=False, **NO_JOB_OR_COURSE))
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=only, kind="newcomer")
    assert await _holders(pool, popular) == _best(scores, K) and await open_suggestions(pool, only) == []

    round_id = uuid.uuid4()
    await pool.execute("INSERT INTO rounds (id, objective) VALUES ($1, 'most_matched')", round_id)
    await deliver(matcher, pool, events.ROUND_REQUESTED, round_id=round_id)
    # The round gives the one place to the newcomer who has no one else: that proposal stays, and the
    # weaker of the two who held the mentor gives up their suggestion, as the limit says.
    proposed = await pool.fetch("SELECT newcomer_id, counterpart_id, status FROM matches WHERE round_id = $1",
                                round_id)
    assert (only, popular, "suggested") in {tuple(r) for r in proposed}
    assert all(r["status"] == "suggested" for r in proposed)
    assert await _holders(pool, popular) == {only} | _best(scores, K - 1)
    assert len(await _holders(pool, second)) <= K * 10


@pytest.mark.timeout(60)
async def test_the_limits_read_a_counterparts_open_suggestions_through_its_index(pool: asyncpg.Pool) -> None:
    """Each flush reads the open suggestions of the counterparts it looks at: by matches_counterpart,
    never a scan of every match (thousands after a year, most of them withdrawn)."""
    mentor = (await _seed(pool))["mentor"]  # six open suggestions among 4,000 matches
    statements: list[tuple[str, tuple[object, ...]]] = []
    async with pool.acquire() as conn:
        conn.add_query_logger(lambda r: statements.append((r.query, tuple(r.args or ()))))
        held = Held()
        await held.read(conn, [mentor])
        assert len(held.holds[mentor]) == 6
        await caps.were_full(conn, "mentor", {mentor: 1}, K)
    reads = [(q, a) for q, a in statements if "FROM matches" in q]
    assert len(reads) >= 2
    async with pool.acquire() as conn:
        for query, args in reads:
            plan = "\n".join(r[0] for r in await conn.fetch(f"EXPLAIN {query}", *args))
            assert "Seq Scan on matches" not in plan, f"{query}\n{plan}"


def test_the_limit_is_a_setting() -> None:
    assert load_settings({}, needs_secret=False).matcher_suggestions_per_place == DEFAULT_PER_PLACE == K
    variable = "LOTSE_MATCHER_SUGGESTIONS_PER_PLACE"
    assert load_settings({variable: "3"}, needs_secret=False).matcher_suggestions_per_place == 3
    with pytest.raises(ConfigError, match=variable):  # 0 would suggest nobody anything
        load_settings({variable: "0"}, needs_secret=False)
