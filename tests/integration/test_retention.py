"""The retention job: what is past its period goes, what is not stays, and only one instance
does a pass at a time."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg

from lotse.intake import retention
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload

PERIODS = retention.Periods(unverified_days=30, ended_match_days=365, email_log_days=180)


async def _register(intake_client: IntakeClient, path: str, body: dict[str, object]) -> uuid.UUID:
    response = await intake_client.post(path, json=body)
    assert response.status == 201
    return uuid.UUID((await response.json())["id"])


async def _notification(pool: asyncpg.Pool, participant: uuid.UUID, status: str, age_days: int) -> uuid.UUID:
    note_id = uuid.uuid4()
    await pool.execute(
        """INSERT INTO notifications (id, dedupe_key, type, event_id, participant_id, status, last_error,
                                      created_at, sent_at)
           VALUES ($1, $2, 'verification', $3, $4, $5, '550 <x@example.org> unknown',
                   now() - make_interval(days => $6), now() - make_interval(days => $6))""",
        note_id, str(note_id), uuid.uuid4(), participant, status, age_days)
    return note_id


async def test_retention_removes_what_is_past_its_period_and_keeps_the_rest(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    old = await _register(intake_client, "/api/v1/newcomers", newcomer_payload())
    fresh = await _register(intake_client, "/api/v1/newcomers", newcomer_payload())
    mentor = await _register(intake_client, "/api/v1/mentors", mentor_payload())
    await pool.execute("UPDATE participants SET created_at = now() - interval '31 days' WHERE id = $1", old)
    await pool.execute("UPDATE participants SET status = 'verified', verified_at = now() WHERE id = ANY($1)",
                       [fresh, mentor])
    old_note = await _notification(pool, old, "sent", 5)
    ancient_email = await _notification(pool, mentor, "sent", 181)
    pending_email = await _notification(pool, mentor, "pending", 400)
    recent_email = await _notification(pool, mentor, "sent", 10)

    ended, running = uuid.uuid4(), uuid.uuid4()
    for match_id, status, age in ((ended, "completed", 400), (running, "active", 400)):
        await pool.execute(
            """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation, status, note, reason,
                                    created_at, ended_at)
               VALUES ($1, 'mentor', $2, $3, 0.5, '[]', $4, 'Lan likes hiking', 'moved to Erfurt',
                       now() - make_interval(days => $5), CASE WHEN $4 = 'completed'
                       THEN now() - make_interval(days => $5) END)""",
            match_id, fresh, mentor, status, age)
        await pool.execute("INSERT INTO checkins (match_id, participant_id, side, answer, comment) "
                           "VALUES ($1, $2, 'newcomer', 'good', 'Thomas helped with the flat')", match_id, fresh)

    done = await retention.run_once(pool, PERIODS)
    assert done == {"unverified_deleted": 1, "ended_matches_cleared": 1, "emails_forgotten": 1,
                    "email_changes_forgotten": 0}
    assert await pool.fetchval("SELECT count(*) FROM participants WHERE id = $1", old) == 0
    assert await pool.fetchval("SELECT count(*) FROM consents WHERE participant_id = $1", old) == 0
    remaining = {r["id"] for r in await pool.fetch("SELECT id FROM notifications")}
    assert old_note not in remaining and ancient_email not in remaining
    assert {pending_email, recent_email} <= remaining
    kept = {r["id"]: r for r in await pool.fetch("SELECT id, note, reason, status FROM matches")}
    assert (kept[ended]["note"], kept[ended]["reason"], kept[ended]["status"]) == (None, None, "completed")
    assert kept[running]["note"] == "Lan likes hiking"
    comments = {r["match_id"]: r["comment"] for r in await pool.fetch("SELECT match_id, comment FROM checkins")}
    assert comments == {ended: None, running: "Thomas helped with the flat"}
    assert await retention.run_once(pool, PERIODS) == {"unverified_deleted": 0, "ended_matches_cleared": 0,
                                                       "emails_forgotten": 0, "email_changes_forgotten": 0}


async def test_only_one_instance_does_a_pass_at_a_time(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as holder, holder.transaction():
        await holder.execute("SELECT pg_advisory_xact_lock($1)", retention.LOCK_KEY)
        assert await asyncio.wait_for(retention.run_once(pool, PERIODS), 5) is None
