"""Review 9b, F1 and F3: events that free or add room look again only at the newcomers they can
change something for, and a batch's events are looked at once each.

Which newcomers are topped up is seen through a spy on suggest.top_up (and suggest.load_pools):
the database, the consumer code and the rules are the real ones."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg
import pytest

from lotse.matcher import suggest
from lotse.matcher.consumer import MatcherConsumer
from lotse.matcher.pools import load_newcomers
from lotse.shared import events
from lotse.shared.events import Event
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import employer_payload, mentor_payload, newcomer_payload, provider_payload
from tests.integration.test_matcher import EVENING_COURSES, _verified, deliver, matcher, open_suggestions

__all__ = ["matcher"]  # the fixture
GERA, EISENACH = "16052", "16063"  # 130 km apart
NO_MENTOR: dict[str, Any] = {"wants_mentor": False}


@pytest.fixture
def topped(monkeypatch: pytest.MonkeyPatch) -> list[uuid.UUID]:
    """The newcomers suggest.top_up is called for, in order."""
    seen: list[uuid.UUID] = []
    original = suggest.top_up

    async def spy(conn: asyncpg.Connection, newcomer: Any, *args: Any, **kwargs: Any) -> int:
        seen.append(newcomer.id)
        return await original(conn, newcomer, *args, **kwargs)

    monkeypatch.setattr(suggest, "top_up", spy)
    return seen


@pytest.fixture
def pool_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    reads: list[int] = []
    original = suggest.load_pools

    async def spy(conn: asyncpg.Connection) -> Any:
        reads.append(1)
        return await original(conn)

    monkeypatch.setattr(suggest, "load_pools", spy)
    return reads


async def batch(matcher: MatcherConsumer, pool: asyncpg.Pool, batch: list[Event]) -> None:
    """As the consumer base hands a batch to the handler: in one transaction."""
    async with pool.acquire() as conn, conn.transaction():
        await matcher.handle_all(conn, batch)


async def nothing_undone(pool: asyncpg.Pool, matcher: MatcherConsumer) -> tuple[int, bool]:
    """What the matcher did on every such event before: every verified newcomer topped up for every
    kind. Rolled back; returns (suggestions it would add, whether the waitlist would change)."""
    waitlist = "SELECT newcomer_id, kind, reason_code FROM waitlist ORDER BY 1, 2"
    async with pool.acquire() as conn:
        before = await conn.fetch(waitlist)
        transaction = conn.transaction()
        await transaction.start()
        try:
            pools, models = await suggest.load_pools(conn), await matcher._models(conn)
            ids = [r["id"] for r in await conn.fetch("SELECT id FROM participants WHERE kind = 'newcomer'")]
            written = 0
            for newcomer in (await load_newcomers(conn, ids)).values():
                written += await suggest.top_up(conn, newcomer, pools, models, datetime.now().astimezone())
            return written, before != await conn.fetch(waitlist)
        finally:
            await transaction.rollback()


async def test_a_new_mentor_tops_up_only_the_newcomers_who_could_have_them(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer, topped: list[uuid.UUID]
) -> None:
    people = {
        "fits": newcomer_payload(),  # Gera, English B2
        "no shared language": newcomer_payload(languages=[{"code": "ar", "level": "native"},
                                                          {"code": "de", "level": "A1"}]),
        "too far": newcomer_payload(district=EISENACH, online_ok=False),
        "wants no mentor": newcomer_payload(**NO_MENTOR),
    }
    ids = {who: await _verified(intake_client, pool, "/api/v1/newcomers", body) for who, body in people.items()}
    for newcomer in ids.values():
        await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
    waiting = await pool.fetch("SELECT newcomer_id FROM waitlist WHERE kind = 'mentor' ORDER BY 1")
    assert {r["newcomer_id"] for r in waiting} == {ids["fits"], ids["no shared language"], ids["too far"]}
    topped.clear()

    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(online_ok=False))
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=mentor, kind="mentor")

    assert topped == [ids["fits"]]
    assert [m["counterpart_id"] for m in await open_suggestions(pool, ids["fits"], "mentor")] == [mentor]
    assert await pool.fetch("SELECT newcomer_id FROM waitlist WHERE kind = 'mentor' ORDER BY 1") == [
        r for r in waiting if r["newcomer_id"] != ids["fits"]]
    # Nothing changed for anyone: the same mentor again tops up nobody.
    topped.clear()
    await deliver(matcher, pool, events.PARTICIPANT_UPDATED, participant_id=mentor, kind="mentor")
    assert topped == []
    assert await nothing_undone(pool, matcher) == (0, False)


async def test_a_stale_withdrawal_under_a_live_match_recomputes_nothing(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer, topped: list[uuid.UUID],
    pool_reads: list[int],
) -> None:
    mentors = [await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload()) for _ in range(3)]
    approved = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    other = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    for newcomer in (approved, other):
        await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
    # A coordinator approves the first newcomer's first mentor (capacity 1, so now full): the
    # newcomer's two other suggestions and the other newcomer's of that mentor go stale.
    first = (await open_suggestions(pool, approved, "mentor"))[0]
    await pool.execute("UPDATE matches SET status = 'approved' WHERE id = $1", first["id"])
    stale = await pool.fetch(
        """UPDATE matches SET status = 'withdrawn', reason = 'stale' WHERE status = 'suggested' AND kind = 'mentor'
           AND (newcomer_id = $1 OR counterpart_id = $2) RETURNING *""", approved, first["counterpart_id"])
    assert len(stale) == 3
    withdrawn = [events.new_event(events.MATCH_WITHDRAWN, match_id=r["id"], kind="mentor", newcomer_id=r["newcomer_id"],
                                  counterpart_id=r["counterpart_id"], reason="stale") for r in stale]
    topped.clear()
    pool_reads.clear()

    await batch(matcher, pool, [e for e in withdrawn if e.data["newcomer_id"] == str(approved)])
    assert topped == [] and pool_reads == []  # the approved newcomer holds a live mentor match

    await batch(matcher, pool, withdrawn + withdrawn)  # and a redelivery in the same batch
    assert topped == [other] and pool_reads == [1]  # the other lost a suggestion: once, one read of the pools
    assert len(mentors) == 3 and await nothing_undone(pool, matcher) == (0, False)


async def test_offers_changing_and_ending_matches_leave_nothing_undone(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer, topped: list[uuid.UUID]
) -> None:
    """What looking at everyone wrote before, in a mixed population, event by event."""
    people = [
        newcomer_payload(),
        newcomer_payload(district=EISENACH, max_commute_km=50),  # nursing, would not go to Gera
        newcomer_payload(occupation_field="crafts", languages=[{"code": "de", "level": "B1"}]),
        newcomer_payload(course_schedules=[], **NO_MENTOR),
        newcomer_payload(seeks_work=False, course_schedules=["weekend"]),
        newcomer_payload(languages=[{"code": "ar", "level": "native"}, {"code": "de", "level": "A2"}]),
    ]
    newcomers = [await _verified(intake_client, pool, "/api/v1/newcomers", body) for body in people]
    for newcomer in newcomers:
        await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")

    async def changed(path: str, body: dict[str, Any], kind: str, helped: set[int]) -> uuid.UUID:
        participant = await _verified(intake_client, pool, path, body)
        topped.clear()
        await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=participant, kind=kind)
        # Only those it can help (topping up everyone with room would leave nothing undone too).
        assert {newcomers.index(t) for t in topped} == helped, path
        assert await nothing_undone(pool, matcher) == (0, False), path
        return participant

    # A nursing job: not the craftsman (2), nor who seeks no work (4).
    employer = await changed("/api/v1/employers", employer_payload(district=GERA, positions=[
        {"title": "Pflege", "occupation_field": "nursing", "openings": 1, "min_german_level": "A2"}]), "employer",
        {0, 1, 3, 5})
    assert await pool.fetchval("SELECT reason_code FROM waitlist WHERE newcomer_id = $1 AND kind = 'employer'",
                               newcomers[1]) == "opening_beyond_commute"
    # A1 and B1 courses: not who needs B2 (2).
    await changed("/api/v1/language-providers", provider_payload(courses=EVENING_COURSES), "language_provider",
                  {0, 1, 4, 5})
    # A mentor speaking German and English: not who shares neither (5).
    mentor = await changed("/api/v1/mentors", mentor_payload(capacity=2), "mentor", {0, 1, 2, 4})

    # The employer closes the position: the Eisenach nurse's reason names none any more.
    await pool.execute("UPDATE positions SET closed_at = now() WHERE employer_id = $1", employer)
    await deliver(matcher, pool, events.PARTICIPANT_UPDATED, participant_id=employer, kind="employer")
    assert await nothing_undone(pool, matcher) == (0, False)
    assert await pool.fetchval("SELECT reason_code FROM waitlist WHERE newcomer_id = $1 AND kind = 'employer'",
                               newcomers[1]) == "no_opening_in_field"

    # A mentor match ends: the newcomer may have another mentor; the mentor's place is free again.
    [first] = await pool.fetch("UPDATE matches SET status = 'completed' WHERE id = (SELECT id FROM matches WHERE "
                               "counterpart_id = $1 AND status = 'suggested' LIMIT 1) RETURNING *", mentor)
    await pool.execute("UPDATE matches SET status = 'withdrawn', reason = 'stale' WHERE newcomer_id = $1 "
                       "AND kind = 'mentor' AND status = 'suggested'", first["newcomer_id"])
    topped.clear()
    await deliver(matcher, pool, events.MATCH_ENDED, match_id=first["id"], kind="mentor",
                  newcomer_id=first["newcomer_id"], counterpart_id=mentor)
    assert first["newcomer_id"] in topped
    assert await nothing_undone(pool, matcher) == (0, False)


async def test_a_batch_of_verifications_reads_the_pools_once_and_tops_up_each_newcomer_once(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer, topped: list[uuid.UUID],
    pool_reads: list[int],
) -> None:
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(capacity=3))
    newcomers = [await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload()) for _ in range(3)]
    verified = [events.new_event(events.PARTICIPANT_VERIFIED, participant_id=n, kind="newcomer") for n in newcomers]
    # The last one also changed their profile (paused, say) in the same batch: nothing stays open.
    await pool.execute("UPDATE participants SET status = 'paused' WHERE id = $1", newcomers[2])
    updated = events.new_event(events.PARTICIPANT_UPDATED, participant_id=newcomers[2], kind="newcomer")

    await batch(matcher, pool, [*verified, verified[0], updated])

    assert pool_reads == [1] and topped == newcomers[:2]
    assert [[m["counterpart_id"] for m in await open_suggestions(pool, n, "mentor")] for n in newcomers] == [
        [mentor], [mentor], []]
    assert await nothing_undone(pool, matcher) == (0, False)


async def test_newcomers_paused_in_one_batch_keep_nothing_open(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(capacity=3))
    newcomers = [await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload()) for _ in range(3)]
    await batch(matcher, pool, [events.new_event(events.PARTICIPANT_VERIFIED, participant_id=n, kind="newcomer")
                                for n in newcomers])
    before = {n: [m["id"] for m in await open_suggestions(pool, n, "mentor")] for n in newcomers}
    assert all(len(ids) == 1 for ids in before.values())
    waiting = await pool.fetchval("SELECT count(*) FROM waitlist WHERE newcomer_id = $1", newcomers[2])
    assert waiting and await pool.fetchval("SELECT count(*) FROM waitlist") == 3 * waiting  # no job, no course
    paused = newcomers[:2]
    await pool.execute("UPDATE participants SET status = 'paused' WHERE id = ANY($1::uuid[])", paused)

    await batch(matcher, pool, [events.new_event(events.PARTICIPANT_UPDATED, participant_id=n, kind="newcomer")
                                for n in paused])

    for n in paused:
        assert await open_suggestions(pool, n, "mentor") == []
        assert await pool.fetchval("SELECT reason FROM matches WHERE id = $1", before[n][0]) == "newcomer_unavailable"
        assert await pool.fetchval("SELECT count(*) FROM waitlist WHERE newcomer_id = $1", n) == 0
    withdrawn = await pool.fetch("SELECT payload->>'match_id' AS id FROM outbox WHERE type = 'match.withdrawn'")
    assert sorted(r["id"] for r in withdrawn) == sorted(str(before[n][0]) for n in paused)  # one event each
    # The one still verified keeps their suggestion and their places on the waitlist.
    assert [m["id"] for m in await open_suggestions(pool, newcomers[2], "mentor")] == before[newcomers[2]]
    assert await pool.fetchval("SELECT count(*) FROM waitlist WHERE newcomer_id = $1", newcomers[2]) == waiting
