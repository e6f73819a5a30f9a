"""The matcher's use cases against the real database: suggestions, waitlist, withdrawals, rounds,
the introduction step and learning. Events are handed to the consumer's handler in a
transaction, exactly as the consumer base does after taking them off the queue."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import asyncpg
import pytest

from lotse.matcher import learning, schedule
from lotse.matcher.consumer import MatcherConsumer
from lotse.shared import events, matches_db
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import employer_payload, mentor_payload, newcomer_payload, provider_payload

SOON = (date.today() + timedelta(days=20)).isoformat()
EVENING_COURSES = [
    {"title": "Deutsch B1 abends", "level": "B1", "schedule": "evening", "format": "in_person", "district": "16052",
     "seats": 10, "starts_on": SOON, "childcare": True},
    {"title": "Deutsch B1 online", "level": "B1", "schedule": "evening", "format": "online", "district": "16055",
     "seats": 10, "starts_on": SOON, "childcare": False},
    {"title": "Deutsch A1 abends", "level": "A1", "schedule": "evening", "format": "in_person", "district": "16052",
     "seats": 10, "starts_on": SOON, "childcare": True},
    {"title": "Deutsch B1 am Wochenende", "level": "B1", "schedule": "weekend", "format": "in_person",
     "district": "16052", "seats": 10, "starts_on": SOON, "childcare": True},
]
NURSING = [{"title": "Pflegefachkraft", "occupation_field": "nursing", "openings": 2, "min_german_level": "B1"},
           {"title": "Elektroniker/in", "occupation_field": "crafts", "openings": 2, "min_german_level": "A2"}]


async def _verified(intake_client: IntakeClient, pool: asyncpg.Pool, path: str, body: dict[str, Any]) -> uuid.UUID:
    created = await (await intake_client.post(path, json=body)).json()
    participant_id = uuid.UUID(created["id"])
    await pool.execute("UPDATE participants SET status = 'verified', verified_at = now() WHERE id = $1",
                       participant_id)
    return participant_id


@pytest.fixture
def matcher(pool: asyncpg.Pool) -> MatcherConsumer:
    return MatcherConsumer(pool, None)  # type: ignore[arg-type]  # handle() needs no broker


async def deliver(matcher: MatcherConsumer, pool: asyncpg.Pool, event_type: str, **data: object) -> None:
    event = events.new_event(event_type, **data)
    async with pool.acquire() as conn, conn.transaction():
        await matcher.handle(conn, event)


async def open_suggestions(pool: asyncpg.Pool, newcomer: uuid.UUID, kind: str | None = None) -> list[asyncpg.Record]:
    return list(await pool.fetch(
        "SELECT * FROM matches WHERE newcomer_id = $1 AND status = 'suggested' AND ($2::text IS NULL OR kind = $2)"
        " ORDER BY score DESC",
        newcomer, kind,
    ))


async def test_a_verified_newcomer_gets_explained_suggestions_of_each_kind(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    far_mentor = await _verified(intake_client, pool, "/api/v1/mentors",
                                 mentor_payload(district="16063", online_ok=False, max_distance_km=20))
    no_language = await _verified(intake_client, pool, "/api/v1/mentors",
                                  mentor_payload(languages=[{"code": "de", "level": "native"}]))
    provider = await _verified(intake_client, pool, "/api/v1/language-providers",
                               provider_payload(courses=EVENING_COURSES))
    employer = await _verified(intake_client, pool, "/api/v1/employers", employer_payload(
        positions=NURSING, offers=["language_course_during_work", "childcare_support"]))
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())

    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")

    mentors = await open_suggestions(pool, newcomer, "mentor")
    assert [m["counterpart_id"] for m in mentors] == [mentor]  # far and language-less mentors are infeasible
    assert far_mentor not in {m["counterpart_id"] for m in mentors} and no_language not in {
        m["counterpart_id"] for m in mentors}
    best = mentors[0]
    assert 0 < best["score"] <= 1
    assert abs(sum(e["contribution"] for e in best["explanation"]) - best["score"]) < 1e-6
    assert {e["factor"] for e in best["explanation"]} >= {"language", "distance", "needs"}
    assert all(e["detail"] for e in best["explanation"])
    assert best["model_version"] == "prior" and best["features"]["language"] > 0

    courses = await open_suggestions(pool, newcomer, "language_course")
    titles = [await pool.fetchval("SELECT title FROM courses WHERE id = $1", c["counterpart_id"]) for c in courses]
    # A2 German, evening wanted, a four-year-old: the B1 evening courses; childcare ranks first.
    assert titles == ["Deutsch B1 abends", "Deutsch B1 online"]
    assert provider
    [position] = await open_suggestions(pool, newcomer, "employer")
    title = await pool.fetchval("SELECT title FROM positions WHERE id = $1 AND employer_id = $2",
                                position["counterpart_id"], employer)
    assert title == "Pflegefachkraft"  # A2 for B1 is allowed: the employer offers a course during work

    suggested = await pool.fetch("SELECT payload FROM outbox WHERE type = 'match.suggested'")
    assert len(suggested) == len(mentors) + len(courses) + 1
    assert all(set(s["payload"]) >= {"match_id", "newcomer_id", "counterpart_id", "kind"} for s in suggested)

    # Delivered again (at-least-once): no second set of suggestions.
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
    assert len(await open_suggestions(pool, newcomer, "mentor")) == 1


async def test_no_candidate_puts_the_newcomer_on_the_waitlist_until_a_mentor_arrives(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
    reason = await pool.fetchrow("SELECT reason_code, reason FROM waitlist WHERE newcomer_id = $1 AND kind = 'mentor'",
                                 newcomer)
    assert reason["reason_code"] == "no_mentor_in_reach" and reason["reason"]

    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=mentor, kind="mentor")
    assert [m["counterpart_id"] for m in await open_suggestions(pool, newcomer, "mentor")] == [mentor]
    assert not await pool.fetchval("SELECT count(*) FROM waitlist WHERE newcomer_id = $1 AND kind = 'mentor'",
                                   newcomer)


async def test_pausing_withdraws_and_a_rejected_pair_never_returns(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(capacity=3))
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
    [suggestion] = await open_suggestions(pool, newcomer, "mentor")

    await pool.execute("UPDATE matches SET status = 'rejected' WHERE id = $1", suggestion["id"])
    await deliver(matcher, pool, events.MATCH_REJECTED, match_id=suggestion["id"], kind="mentor",
                  newcomer_id=newcomer, counterpart_id=mentor)
    assert await open_suggestions(pool, newcomer, "mentor") == []

    other = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Olena"))
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=other, kind="newcomer")
    assert len(await open_suggestions(pool, other, "mentor")) == 1
    await pool.execute("UPDATE participants SET status = 'paused' WHERE id = $1", mentor)
    await deliver(matcher, pool, events.PARTICIPANT_UPDATED, participant_id=mentor, kind="mentor")
    assert await open_suggestions(pool, other, "mentor") == []
    withdrawn = await pool.fetchval("SELECT count(*) FROM outbox WHERE type = 'match.withdrawn'")
    assert withdrawn == 1


async def test_withdrawing_takes_open_suggestions_only_each_with_its_event_and_reason(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    # The one withdrawal that intake (close, full offer), the matcher (paused, rescored, closed)
    # and an approval (stale) share.
    await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(capacity=3))
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
    suggested = {s["id"] for s in await open_suggestions(pool, newcomer)}
    [mentor_match] = await open_suggestions(pool, newcomer, "mentor")
    held = await pool.fetchval(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation, status)
           SELECT gen_random_uuid(), kind, newcomer_id, counterpart_id, score, explanation, 'approved'
           FROM matches WHERE id = $1 RETURNING id""", mentor_match["id"])

    async with pool.acquire() as conn, conn.transaction():
        withdrawn = await matches_db.withdraw_suggested(conn, "rescored", "newcomer_id = $1", newcomer)
    assert {w["id"] for w in withdrawn} == suggested and suggested
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", held) == "approved"
    assert {r["status"] + "/" + r["reason"] for r in await pool.fetch(
        "SELECT status, reason FROM matches WHERE id = ANY($1::uuid[])", list(suggested))} == {"withdrawn/rescored"}
    written = await pool.fetch("SELECT payload FROM outbox WHERE type = 'match.withdrawn'")
    assert sorted(r["payload"]["match_id"] for r in written) == sorted(str(i) for i in suggested)
    assert {r["payload"]["reason"] for r in written} == {"rescored"}


async def test_an_approved_match_is_introduced_once(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
    [suggestion] = await open_suggestions(pool, newcomer, "mentor")
    await pool.execute("UPDATE matches SET status = 'approved', decided_at = now() WHERE id = $1", suggestion["id"])
    for _ in range(2):
        await deliver(matcher, pool, events.MATCH_APPROVED, match_id=suggestion["id"], kind="mentor",
                      newcomer_id=newcomer, counterpart_id=mentor)
    row = await pool.fetchrow("SELECT status, introduced_at FROM matches WHERE id = $1", suggestion["id"])
    assert row["status"] == "introduced" and row["introduced_at"] is not None
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE type = 'match.introduced'") == 1


async def test_a_round_respects_capacity_and_records_its_result(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(capacity=2))
    newcomers = [
        await _verified(intake_client, pool, "/api/v1/newcomers",
                        newcomer_payload(name=f"N{i}", country_of_origin="VN" if i < 3 else "UA"))
        for i in range(4)
    ]
    round_id = uuid.uuid4()
    await pool.execute("INSERT INTO rounds (id, objective) VALUES ($1, 'most_matched')", round_id)
    await deliver(matcher, pool, events.ROUND_REQUESTED, round_id=round_id)
    row = await pool.fetchrow("SELECT status, result FROM rounds WHERE id = $1", round_id)
    assert row["status"] == "completed"
    report = row["result"]["kinds"]["mentor"]
    assert report["proposed"] == 2 and report["waiting"] == 4
    assert report["greedy"]["proposed"] == 2 and report["gain_over_greedy"] >= 0  # the same pairs, for comparison
    by_country = report["fairness"]["by_country_of_origin"]
    assert by_country.keys() == {"VN", "UA"} and by_country["VN"]["waiting"] == 3 and by_country["UA"]["waiting"] == 1
    assert sum(g["proposed"] for g in by_country.values()) == 2
    assert report["fairness"]["by_planning_region"]["Ostthüringen"]["match_rate"] == 0.5  # Gera (16052)
    proposed = await pool.fetch("SELECT newcomer_id FROM matches WHERE round_id = $1 AND kind = 'mentor'", round_id)
    assert len(proposed) == 2 and {r["newcomer_id"] for r in proposed} <= set(newcomers)
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE type = 'matching.round_completed'") == 1
    await deliver(matcher, pool, events.ROUND_REQUESTED, round_id=round_id)  # redelivery: nothing twice
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE type = 'matching.round_completed'") == 1
    assert mentor


async def test_the_model_learns_from_decisions_and_survives_a_restart(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(capacity=10))
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    # Coordinators approve pairs that share a language well, reject the others.
    for i in range(40):
        good = i % 2 == 0
        features = {"language": 1.0 if good else 0.2, "distance": 0.5, "needs": 0.5, "occupation": 0.0,
                    "about": 0.1, "waiting": 0.3}
        await pool.execute(
            """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status, features, decided_at)
               VALUES ($1, 'mentor', $2, $3, 0.5, $4, $5, now() - make_interval(mins => $6))""",
            uuid.uuid4(), newcomer, uuid.uuid4() if i else mentor, "approved" if good else "rejected", features, i,
        )
    model = await learning.retrain_if_due(pool, "mentor", None)
    assert model is not None and model.version == 1 and model.decisions == 40
    assert model.probability({"language": 1.0}) > model.probability({"language": 0.2})
    assert await learning.retrain_if_due(pool, "mentor", model) is None  # nothing new since
    async with pool.acquire() as conn:
        assert (await learning.latest_models(conn))["mentor"] == model


async def test_courses_in_the_past_and_full_positions_are_never_suggested(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    provider = await _verified(intake_client, pool, "/api/v1/language-providers",
                               provider_payload(courses=EVENING_COURSES))
    await pool.execute("UPDATE courses SET starts_on = $1 WHERE provider_id = $2", date.today() - timedelta(days=1),
                       provider)
    employer = await _verified(intake_client, pool, "/api/v1/employers", employer_payload(
        positions=NURSING, offers=["language_course_during_work"]))
    await pool.execute("UPDATE positions SET openings = 1 WHERE employer_id = $1", employer)
    holder = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Holder"))
    for position_id in [r["id"] for r in await pool.fetch("SELECT id FROM positions WHERE employer_id = $1",
                                                           employer)]:
        await pool.execute(
            """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status)
               VALUES ($1, 'employer', $2, $3, 0.5, 'active')""", uuid.uuid4(), holder, position_id)
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
    assert await open_suggestions(pool, newcomer, "language_course") == []
    assert await open_suggestions(pool, newcomer, "employer") == []


async def test_a_new_mentor_is_offered_only_to_newcomers_with_room(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    full = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    hungry = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    for _ in range(5):
        mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
        await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=mentor, kind="mentor")
    assert len(await open_suggestions(pool, full, "mentor")) == 5
    await pool.execute("UPDATE matches SET status = 'rejected' WHERE id IN (SELECT id FROM matches "
                       "WHERE newcomer_id = $1 AND kind = 'mentor' LIMIT 3)", hungry)

    sixth = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=sixth, kind="mentor")
    assert sixth not in {m["counterpart_id"] for m in await open_suggestions(pool, full, "mentor")}
    assert sixth in {m["counterpart_id"] for m in await open_suggestions(pool, hungry, "mentor")}


async def test_a_scheduled_round_is_requested_once_per_interval(pool: asyncpg.Pool) -> None:
    assert await schedule.run_once(pool, 60) == {"rounds_requested": 1}
    assert await schedule.run_once(pool, 60) == {"rounds_requested": 0}  # another instance, same interval
    row = await pool.fetchrow("SELECT objective, requested_by FROM rounds")
    assert (row["objective"], row["requested_by"]) == ("best_total_score", None)
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE type = 'matching.round_requested'") == 1
    await pool.execute("UPDATE rounds SET requested_at = now() - interval '61 minutes'")
    assert await schedule.run_once(pool, 60) == {"rounds_requested": 1}


async def test_a_far_online_mentor_only_for_newcomers_who_accept_online(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    """Gera newcomers; the far mentor is in Wartburgkreis (~150 km, limit 40 km) and offers online."""
    far = await _verified(intake_client, pool, "/api/v1/mentors",
                          mentor_payload(district="16063", max_distance_km=40, online_ok=True, capacity=5))
    near = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(online_ok=False, capacity=5))
    people = {
        "omitted": newcomer_payload(arrival="arrived"),
        "accepts": newcomer_payload(arrival="abroad", online_ok=True),
        "declines": newcomer_payload(arrival="arrived", online_ok=False),
        "declines, abroad": newcomer_payload(arrival="abroad", online_ok=False),
    }
    ids = {who: await _verified(intake_client, pool, "/api/v1/newcomers", body) for who, body in people.items()}
    for newcomer in ids.values():
        await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")

    async def mentors_of(newcomer: uuid.UUID) -> set[uuid.UUID]:
        return {m["counterpart_id"] for m in await open_suggestions(pool, newcomer, "mentor")}

    assert {who: await mentors_of(n) for who, n in ids.items()} == {
        "omitted": {far, near}, "accepts": {far, near}, "declines": {near}, "declines, abroad": {near}}
    [online] = [m for m in await open_suggestions(pool, ids["accepts"], "mentor") if m["counterpart_id"] == far]
    assert any("so meetings online" in e["detail"] for e in online["explanation"])

    # A changed answer arrives as participant.updated, as every profile edit does: looked at again.
    changed = ids["omitted"]
    for answer, expected in ((False, {near}), (True, {far, near})):
        await pool.execute("UPDATE participants SET profile = profile || jsonb_build_object('online_ok', $2::bool)"
                           " WHERE id = $1", changed, answer)
        await deliver(matcher, pool, events.PARTICIPANT_UPDATED, participant_id=changed, kind="newcomer")
        assert await mentors_of(changed) == expected
