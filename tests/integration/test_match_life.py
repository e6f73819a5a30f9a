"""The life of a match after approval, through the pages behind the email links and the timed jobs."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from lotse.intake import lifecycle, lifecycle_jobs
from lotse.intake.accounts import Coordinator
from lotse.shared import matches_db, tokens
from lotse.shared.i18n import translations
from tests.conftest import TEST_SECRET_KEY, IntakeClient
from tests.integration.intake_fixtures import employer_payload, mentor_payload, newcomer_payload, provider_payload

SIGNER = tokens.TokenSigner(TEST_SECRET_KEY)


async def _verified(intake_client: IntakeClient, pool: asyncpg.Pool, path: str, body: dict[str, object]) -> uuid.UUID:
    created = await (await intake_client.post(path, json=body)).json()
    participant_id = uuid.UUID(created["id"])
    await pool.execute("UPDATE participants SET status = 'verified', verified_at = now() WHERE id = $1",
                       participant_id)
    return participant_id


async def _introduced(pool: asyncpg.Pool, newcomer: uuid.UUID, counterpart: uuid.UUID, kind: str = "mentor",
                      *, days_ago: int = 0) -> uuid.UUID:
    match_id = uuid.uuid4()
    await pool.execute(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation, status, decided_at,
                                introduced_at)
           VALUES ($1, $2, $3, $4, 0.7, '[]', 'introduced', now() - make_interval(days => $5),
                   now() - make_interval(days => $5))""",
        match_id, kind, newcomer, counterpart, days_ago,
    )
    return match_id


def _link(purpose: str, match_id: uuid.UUID, participant_id: uuid.UUID) -> str:
    return SIGNER.sign(purpose, mid=str(match_id), pid=str(participant_id))


async def _active_check_in(pool: asyncpg.Pool, newcomer: uuid.UUID, mentor: uuid.UUID) -> tuple[uuid.UUID, str]:
    """An active match of the pair and the newcomer's check-in link for it."""
    match_id = await _introduced(pool, newcomer, mentor)
    await pool.execute("UPDATE matches SET status = 'active', active_at = now() WHERE id = $1", match_id)
    return match_id, f"/checkin/{_link(tokens.CHECKIN, match_id, newcomer)}"


async def _event_types(pool: asyncpg.Pool) -> list[str]:
    return [r["type"] for r in await pool.fetch("SELECT type FROM outbox WHERE type LIKE 'match.%' ORDER BY seq")]


# What the `pair` fixture gives: a verified newcomer's and a verified mentor's ids.
Pair = tuple[uuid.UUID, uuid.UUID]


@pytest.fixture
async def pair(intake_client: IntakeClient, pool: asyncpg.Pool) -> Pair:
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    return newcomer, mentor


async def test_both_accept_through_the_email_links_and_the_match_becomes_active(
    intake_client: IntakeClient, pool: asyncpg.Pool, pair: Pair
) -> None:
    newcomer, mentor = pair
    match_id = await _introduced(pool, newcomer, mentor)
    newcomer_link = f"/respond/{_link(tokens.RESPOND, match_id, newcomer)}"

    page = await intake_client.get(newcomer_link, params={"answer": "accept", "lang": "de"})
    assert page.status == 200
    html = await page.text()
    # To confirm with one button (review 8b, finding 1); the address is not shown yet.
    assert '<input type="hidden" name="answer" value="accept">' in html and "Thomas Berger" in html
    assert "@" not in html.split("<main")[1]

    done = await intake_client.post(newcomer_link, data={"answer": "accept"}, allow_redirects=False)
    assert done.status == 303
    assert (await intake_client.get(done.headers["Location"])).status == 200
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", match_id) == "introduced"
    again = await intake_client.post(newcomer_link, data={"answer": "accept"}, allow_redirects=False)
    assert again.status == 303  # the same answer twice is harmless

    mentor_link = f"/respond/{_link(tokens.RESPOND, match_id, mentor)}"
    await intake_client.post(mentor_link, data={"answer": "accept"}, allow_redirects=False)
    row = await pool.fetchrow("SELECT status, active_at FROM matches WHERE id = $1", match_id)
    assert row["status"] == "active" and row["active_at"] is not None
    assert await _event_types(pool) == ["match.responded", "match.responded"]
    changed_mind = await intake_client.post(mentor_link, data={"answer": "decline"})
    assert changed_mind.status == 409


async def test_a_decline_frees_the_place_and_keeps_the_reason(
    intake_client: IntakeClient, pool: asyncpg.Pool, pair: Pair
) -> None:
    newcomer, mentor = pair
    match_id = await _introduced(pool, newcomer, mentor)
    link = f"/respond/{_link(tokens.RESPOND, match_id, mentor)}"
    response = await intake_client.post(link, data={"answer": "decline", "reason": "<b>no time</b> this spring"})
    assert response.status == 200
    assert "<b>no time</b>" not in await response.text()
    row = await pool.fetchrow("SELECT status, reason FROM matches WHERE id = $1", match_id)
    assert row["status"] == "declined"
    assert await pool.fetchval("SELECT reason FROM match_responses WHERE match_id = $1", match_id) == (
        "<b>no time</b> this spring"
    )
    event = await pool.fetchrow("SELECT payload FROM outbox WHERE type = 'match.responded'")
    assert event["payload"]["answer"] == "decline" and event["payload"]["side"] == "counterpart"
    async with pool.acquire() as conn:
        assert await matches_db.remaining_capacity(conn, "mentor", mentor) == 1  # the only place is free again


async def test_links_open_only_their_own_match(intake_client: IntakeClient, pool: asyncpg.Pool, pair: Pair) -> None:
    newcomer, mentor = pair
    stranger = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Olena"))
    match_id = await _introduced(pool, newcomer, mentor)
    assert (await intake_client.get(f"/respond/{_link(tokens.RESPOND, match_id, stranger)}")).status == 404
    assert (await intake_client.get(f"/respond/{_link(tokens.RESPOND, uuid.uuid4(), newcomer)}")).status == 404
    assert (await intake_client.get("/respond/not-a-token")).status == 400
    # A check-in token is not an answer token.
    assert (await intake_client.get(f"/respond/{_link(tokens.CHECKIN, match_id, newcomer)}")).status == 400
    missing = await intake_client.post(f"/respond/{_link(tokens.RESPOND, match_id, newcomer)}", data={})
    assert missing.status == 422


async def test_an_employer_answers_for_its_position(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    employer = await _verified(intake_client, pool, "/api/v1/employers", employer_payload())
    position = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1 LIMIT 1", employer)
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    match_id = await _introduced(pool, newcomer, position, "employer")
    page = await intake_client.get(f"/respond/{_link(tokens.RESPOND, match_id, employer)}")
    assert page.status == 200


async def test_check_in_not_a_good_fit_flags_and_offers_a_rematch(
    intake_client: IntakeClient, pool: asyncpg.Pool, pair: Pair
) -> None:
    newcomer, mentor = pair
    match_id, link = await _active_check_in(pool, newcomer, mentor)
    assert (await intake_client.get(link)).status == 200
    answered = await intake_client.post(link, data={"answer": "bad", "comment": "we never met"})
    assert answered.status == 200 and "/rematch" in await answered.text()
    row = await pool.fetchrow("SELECT status, flagged_at, flag_code FROM matches WHERE id = $1", match_id)
    assert row["status"] == "active" and row["flagged_at"] is not None and row["flag_code"] == "checkin_bad_newcomer"

    rematch = await intake_client.post(f"{link}/rematch")
    # The newcomer of newcomer_payload reads Vietnamese; the page says the search goes on.
    looking = translations("lotse.intake", "intake", "vi").gettext("We look for someone else")
    assert rematch.status == 200 and f"<h1>{looking}</h1>" in await rematch.text()
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", match_id) == "cancelled"
    ended = await pool.fetchrow("SELECT payload FROM outbox WHERE type = 'match.ended'")
    assert ended["payload"]["reason"] == "rematch_requested" and ended["payload"]["side"] == "newcomer"


async def test_answering_a_check_in_again_keeps_the_first_answer_and_the_flag_follows_the_latest(
    intake_client: IntakeClient, pool: asyncpg.Pool, pair: Pair
) -> None:
    newcomer, mentor = pair
    match_id, link = await _active_check_in(pool, newcomer, mentor)
    mentor_link = f"/checkin/{_link(tokens.CHECKIN, match_id, mentor)}"
    flagged = "SELECT flagged_at IS NOT NULL FROM matches WHERE id = $1"

    assert (await intake_client.post(link, data={"answer": "bad", "comment": "她从来没有时间"})).status == 200
    assert await pool.fetchval(flagged, match_id)
    assert (await intake_client.post(link, data={"answer": "good"})).status == 200
    history = await pool.fetch(
        "SELECT answer, comment FROM checkins WHERE match_id = $1 ORDER BY answered_at, id", match_id)
    assert [(r["answer"], r["comment"]) for r in history] == [("bad", "她从来没有时间"), ("good", None)]
    assert not await pool.fetchval(flagged, match_id)
    assert 'value="good" checked' in await (await intake_client.get(link)).text()

    # The mentor's "not a good fit" still stands after the newcomer's "good".
    assert (await intake_client.post(mentor_link, data={"answer": "bad"})).status == 200
    assert (await intake_client.post(link, data={"answer": "unsure"})).status == 200
    code = await pool.fetchval("SELECT flag_code FROM matches WHERE id = $1", match_id)
    assert code == "checkin_bad_counterpart"
    assert (await intake_client.post(mentor_link, data={"answer": "good"})).status == 200
    # The newcomer's "not sure" the mentor's flag stood over is still unread (lifecycle._unhandled_message).
    assert await pool.fetchval("SELECT flag_code FROM matches WHERE id = $1", match_id) == "checkin_unsure_or_message"


async def test_a_coordinator_ends_a_match_with_an_audited_reason(
    intake_client: IntakeClient, pool: asyncpg.Pool, pair: Pair
) -> None:
    newcomer, mentor = pair
    match_id = await _introduced(pool, newcomer, mentor)
    coordinator = Coordinator(uuid.uuid4(), "c@example.org", "coordinator")
    async with pool.acquire() as conn:
        with pytest.raises(matches_db.Conflict):
            async with conn.transaction():
                await lifecycle.end_match(conn, coordinator, match_id, "completed", "done")
        async with conn.transaction():
            ended = await lifecycle.end_match(conn, coordinator, match_id, "cancelled", "moved to Erfurt")
    assert ended["status"] == "cancelled"
    trail = await pool.fetchrow("SELECT action, detail, before, after FROM audit_log")
    assert trail["action"] == "match.cancelled" and trail["detail"] == "moved to Erfurt"
    assert trail["before"] == {"status": "introduced"}


async def test_one_reminder_then_a_flag_then_check_ins(
    intake_client: IntakeClient, pool: asyncpg.Pool, pair: Pair
) -> None:
    newcomer, mentor = pair
    quiet = await _introduced(pool, newcomer, mentor, days_ago=8)
    await pool.execute(
        "INSERT INTO match_responses (match_id, participant_id, side, answer) VALUES ($1, $2, 'newcomer', 'accept')",
        quiet, newcomer,
    )
    fresh = await _introduced(pool, newcomer, mentor, days_ago=1)

    assert await lifecycle_jobs.run_once(pool) == {"reminders": 1, "flagged": 0, "checkins": 0, "checkins_again": 0,
                                                    "withdrawn_started": 0, "pauses_ended": 0, "pause_reminders": 0}
    assert await lifecycle_jobs.run_once(pool) == {"reminders": 0, "flagged": 0, "checkins": 0, "checkins_again": 0,
                                                    "withdrawn_started": 0, "pauses_ended": 0, "pause_reminders": 0}
    requests = await pool.fetch("SELECT payload FROM outbox WHERE type = 'notification.requested'")
    assert [(r["payload"]["notification"], r["payload"]["participant_id"]) for r in requests] == [
        ("reminder", str(mentor))
    ]
    await pool.execute("UPDATE matches SET reminded_at = now() - interval '8 days' WHERE id = $1", quiet)
    counts = await lifecycle_jobs.run_once(pool)
    assert counts is not None and counts["flagged"] == 1
    assert await pool.fetchval("SELECT flagged_at IS NULL FROM matches WHERE id = $1", fresh)

    await pool.execute(
        "UPDATE matches SET status = 'active', active_at = now() - interval '22 days' WHERE id = $1", fresh
    )
    counts = await lifecycle_jobs.run_once(pool)
    assert counts is not None and counts["checkins"] == 1
    checkins = await pool.fetch(
        "SELECT payload FROM outbox WHERE payload->>'notification' = 'checkin' ORDER BY seq"
    )
    assert {r["payload"]["participant_id"] for r in checkins} == {str(newcomer), str(mentor)}


async def test_only_one_instance_runs_the_job_at_a_time(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", lifecycle_jobs.LOCK_KEY)
        assert await lifecycle_jobs.run_once(pool) is None


async def test_a_course_check_in_waits_until_some_weeks_after_the_course_started(
    intake_client: IntakeClient, pool: asyncpg.Pool, pair: Pair
) -> None:
    newcomer, _ = pair
    provider = await _verified(intake_client, pool, "/api/v1/language-providers", provider_payload())
    course = await pool.fetchval("SELECT id FROM courses WHERE provider_id = $1 LIMIT 1", provider)
    match_id = await _introduced(pool, newcomer, course, "language_course")
    # Both said yes 22 days ago, for a course that starts in ten days: nothing to ask about yet.
    await pool.execute("UPDATE matches SET status = 'active', active_at = now() - interval '22 days' WHERE id = $1",
                       match_id)
    await pool.execute("UPDATE courses SET starts_on = current_date + 10 WHERE id = $1", course)
    assert await lifecycle_jobs.run_once(pool) == {"reminders": 0, "flagged": 0, "checkins": 0, "checkins_again": 0,
                                                    "withdrawn_started": 0, "pauses_ended": 0, "pause_reminders": 0}
    await pool.execute("UPDATE courses SET starts_on = current_date - 20 WHERE id = $1", course)
    assert await lifecycle_jobs.run_once(pool) == {"reminders": 0, "flagged": 0, "checkins": 0, "checkins_again": 0,
                                                    "withdrawn_started": 0, "pauses_ended": 0, "pause_reminders": 0}
    # Three weeks into the course: the newcomer is asked, and the provider (with its own choices).
    await pool.execute("UPDATE courses SET starts_on = current_date - 22 WHERE id = $1", course)
    assert await lifecycle_jobs.run_once(pool) == {"reminders": 0, "flagged": 0, "checkins": 1, "checkins_again": 0,
                                                    "withdrawn_started": 0, "pauses_ended": 0, "pause_reminders": 0}
    requests = await pool.fetch("SELECT payload FROM outbox WHERE payload->>'notification' = 'checkin'")
    assert {r["payload"]["participant_id"] for r in requests} == {str(newcomer), str(provider)}


async def test_a_backlog_larger_than_a_batch_goes_out_in_one_run(
    intake_client: IntakeClient, pool: asyncpg.Pool, pair: Pair, monkeypatch: pytest.MonkeyPatch
) -> None:
    newcomer, mentor = pair
    monkeypatch.setattr(lifecycle_jobs, "BATCH", 2)
    for _ in range(5):
        match_id = await _introduced(pool, newcomer, mentor)
        await pool.execute("UPDATE matches SET status = 'active', active_at = now() - interval '22 days' WHERE id = $1",
                           match_id)
    done = await lifecycle_jobs.run_until_done(pool)
    assert done is not None and done["checkins"] == 5
    assert await pool.fetchval("SELECT count(*) FROM matches WHERE checkin_sent_at IS NULL") == 0
    assert await lifecycle_jobs.run_until_done(pool) == dict.fromkeys(done, 0)  # nothing twice
