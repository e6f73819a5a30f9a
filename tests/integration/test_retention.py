"""The retention job: what is past its period goes, what is not stays, and only one instance
does a pass at a time."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg

from lotse.intake import retention
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.notifier_fixtures import add_coordinator

PERIODS = retention.Periods(unverified_days=30, ended_match_days=365, email_log_days=180)
NOTHING_PRUNED = {"outbox_pruned": 0, "processed_messages_pruned": 0, "sessions_pruned": 0,
                  "withdrawn_suggestions_deleted": 0,  # test_retention_withdrawn.py (review 9b, F12)
                  # inactive.py (review 9b, F8/F9); PERIODS leaves the storage limit off
                  "erasure_receipts_forgotten": 0, "inactive_noticed": 0, "inactive_erased": 0}


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


async def _pass(pool: asyncpg.Pool) -> dict[str, int]:
    """One pass; the intake app of the client fixture runs its own at start-up under the same lock,
    so a pass may find it taken (None) and is asked again."""
    for _ in range(50):
        if (done := await retention.run_once(pool, PERIODS)) is not None:
            return done
        await asyncio.sleep(0.1)
    raise AssertionError("the retention lock stayed taken")


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

    done = await _pass(pool)
    assert done == {"unverified_deleted": 1, "ended_matches_cleared": 1, "emails_forgotten": 1,
                    "email_changes_forgotten": 0, **NOTHING_PRUNED}
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
                                                       "emails_forgotten": 0, "email_changes_forgotten": 0,
                                                       **NOTHING_PRUNED}


async def test_only_one_instance_does_a_pass_at_a_time(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as holder, holder.transaction():
        await holder.execute("SELECT pg_advisory_xact_lock($1)", retention.LOCK_KEY)
        assert await asyncio.wait_for(retention.run_once(pool, PERIODS), 5) is None


async def _outbox(pool: asyncpg.Pool, published_days_ago: int | None) -> uuid.UUID:
    event_id = uuid.uuid4()
    await pool.execute(
        """INSERT INTO outbox (id, type, occurred_at, payload, published_at)
           VALUES ($1, 'participant.verified', now() - interval '400 days', '{}',
                   now() - make_interval(days => $2))""",
        event_id, published_days_ago)
    return event_id


async def _processed(pool: asyncpg.Pool, consumer: str, event_type: str, age_days: int) -> uuid.UUID:
    message_id = uuid.uuid4()
    await pool.execute("INSERT INTO processed_messages (consumer, message_id, type, processed_at) "
                       "VALUES ($1, $2, $3, now() - make_interval(days => $4))",
                       consumer, message_id, event_type, age_days)
    return message_id


async def _session(pool: asyncpg.Pool, coordinator: uuid.UUID, kind: str, seen_ago: str, expires_in: str) -> bytes:
    token_hash = uuid.uuid4().bytes
    await pool.execute(
        """INSERT INTO auth_sessions (token_hash, coordinator_id, kind, created_at, last_seen_at, expires_at)
           VALUES ($1, $2, $3, now() - interval '13 hours', now() - $4::text::interval, now() + $5::text::interval)""",
        token_hash, coordinator, kind, seen_ago, expires_in)
    return token_hash


async def test_old_bookkeeping_goes_and_recent_or_pending_rows_stay(pool: asyncpg.Pool) -> None:
    """Review 9b, F5: published outbox rows, processed-message records and dead sessions were kept for ever."""
    await _outbox(pool, 31)  # goes
    recent_published = await _outbox(pool, 29)
    unpublished = await _outbox(pool, None)  # waiting for the broker since long: the relay still owes it
    await _processed(pool, "matcher", "participant.verified", 31)  # goes
    recent_seen = await _processed(pool, "notifier", "match.responded", 29)
    await _processed(pool, "notifier", "notification.requested", 31)  # goes: no email names it
    named_request = await _processed(pool, "notifier", "notification.requested", 31)
    await pool.execute(  # an email log row made from it: the dashboard labels it by the record's type
        "INSERT INTO notifications (id, dedupe_key, type, event_id, status) "
        "VALUES ($1, $2, 'match_active', $3, 'sent')",
        uuid.uuid4(), str(uuid.uuid4()), named_request)
    coordinator, _ = await add_coordinator(pool)
    await _session(pool, coordinator, "bearer", "13 hours", "-1 hour")  # expired: goes
    await _session(pool, coordinator, "cookie", "31 minutes", "11 hours")  # idle too long: goes
    live = await _session(pool, coordinator, "bearer", "1 minute", "11 hours")
    other, _ = await add_coordinator(pool)
    last_of_other = await _session(pool, other, "bearer", "13 hours", "-1 hour")  # the team page's "last seen"

    done = await retention.run_once(pool, PERIODS)
    assert done is not None
    assert (done["outbox_pruned"], done["processed_messages_pruned"], done["sessions_pruned"]) == (1, 2, 2)
    assert {r["id"] for r in await pool.fetch("SELECT id FROM outbox")} == {recent_published, unpublished}
    assert {r["message_id"] for r in await pool.fetch("SELECT message_id FROM processed_messages")} == {
        recent_seen, named_request}
    assert {bytes(r["token_hash"]) for r in await pool.fetch("SELECT token_hash FROM auth_sessions")} == {
        live, last_of_other}


async def test_bookkeeping_is_pruned_in_batches_until_none_is_left(pool: asyncpg.Pool) -> None:
    await pool.execute(
        """INSERT INTO outbox (id, type, payload, published_at)
           SELECT gen_random_uuid(), 'participant.verified', '{}', now() - interval '40 days'
           FROM generate_series(1, 25)""")
    one_batch = await retention.prune(pool, batch=10, most_batches=1)  # one DELETE never takes more than a batch
    assert one_batch == {"outbox_pruned": 10, "processed_messages_pruned": 0, "sessions_pruned": 0,
                         "withdrawn_suggestions_deleted": 0}
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 15
    assert (await retention.prune(pool, batch=10))["outbox_pruned"] == 15  # 10, then 5: fewer than a batch, done
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0
