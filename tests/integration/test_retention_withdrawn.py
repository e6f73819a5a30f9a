"""Withdrawn suggestions leave the database 90 days after their withdrawal (review 9b, F12): they were
kept for ever with their explanation and features, most of a year's growth. Decided matches, open
ones, recent withdrawals and withdrawn ones something still names stay; the matcher's learning and
every figure of the statistics but the per-status count of withdrawn suggestions are unchanged."""

from __future__ import annotations

import uuid

import asyncpg

from lotse.intake import retention, stats
from lotse.matcher import learning
from lotse.shared import matches, matches_db
from lotse.shared.migrate import available_migrations
from tests.integration.notifier_fixtures import EXPLANATION, Person, add_participant

FEATURES = {"language": 0.8, "distance": 0.6}


async def _match(pool: asyncpg.Pool, newcomer: Person, mentor: Person, status: str, *, age_days: int,
                 withdrawn_days: int | None = None) -> uuid.UUID:
    """A match made ``age_days`` ago, with its explanation and features; a withdrawn one withdrawn
    ``withdrawn_days`` ago (None: before migration 0044, no withdrawn_at)."""
    match_id = uuid.uuid4()
    decided = status not in (matches.SUGGESTED, matches.WITHDRAWN)
    await pool.execute(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status, explanation, features,
                                created_at, decided_at, withdrawn_at)
           VALUES ($1, 'mentor', $2, $3, 0.7, $4, $5::jsonb, $6::jsonb, now() - make_interval(days => $7),
                   CASE WHEN $8 THEN now() - make_interval(days => $7) END,
                   now() - make_interval(days => $9))""",
        match_id, newcomer.id, mentor.id, status, EXPLANATION, FEATURES, age_days,
        decided, withdrawn_days)
    return match_id


async def _figures(pool: asyncpg.Pool) -> tuple[dict[str, object], list[learning.Example]]:
    async with pool.acquire() as conn:
        return await stats.collect(conn), await learning.decisions(conn, "mentor")


async def test_old_withdrawn_suggestions_go_and_everything_else_stays(pool: asyncpg.Pool) -> None:
    newcomer = await add_participant(pool, "newcomer", name="Nguyễn Thị Lan", locale="vi")
    mentor = await add_participant(pool, "mentor", name="Petra Schulz", locale="de")
    old = await _match(pool, newcomer, mentor, matches.WITHDRAWN, age_days=120, withdrawn_days=91)
    before_0044 = await _match(pool, newcomer, mentor, matches.WITHDRAWN, age_days=91)
    recent = await _match(pool, newcomer, mentor, matches.WITHDRAWN, age_days=120, withdrawn_days=89)
    # Open for 200 days, then made stale by an approval today: counts from its withdrawal (the trigger).
    long_open = await _match(pool, newcomer, mentor, matches.SUGGESTED, age_days=200)
    async with pool.acquire() as conn, conn.transaction():
        await matches_db.withdraw_suggested(conn, "stale", "id = $1", long_open)
    decided = [await _match(pool, newcomer, mentor, status, age_days=400)
               for status in (matches.REJECTED, matches.APPROVED, matches.INTRODUCED, matches.ACTIVE,
                              matches.COMPLETED, matches.DECLINED, matches.CANCELLED)]
    still_open = await _match(pool, newcomer, mentor, matches.SUGGESTED, age_days=400)
    # Old withdrawn suggestions something names: an audit entry, an email, an answer, a check-in, a
    # match asked for again of it (none of these arise today; if one ever does, the row stays).
    named = [await _match(pool, newcomer, mentor, matches.WITHDRAWN, age_days=400, withdrawn_days=400)
             for _ in range(5)]
    await pool.execute("INSERT INTO audit_log (action, subject_type, subject_id) VALUES ('match.note', 'match', $1)",
                       named[0])
    await pool.execute("INSERT INTO notifications (id, dedupe_key, type, event_id, status, match_id) "
                       "VALUES ($1, $2, 'match_active', $3, 'sent', $4)",
                       uuid.uuid4(), str(uuid.uuid4()), uuid.uuid4(), named[1])
    await pool.execute("INSERT INTO match_responses (match_id, participant_id, side, answer) "
                       "VALUES ($1, $2, 'newcomer', 'decline')", named[2], newcomer.id)
    await pool.execute("INSERT INTO checkins (match_id, participant_id, side, answer) "
                       "VALUES ($1, $2, 'newcomer', 'good')", named[3], newcomer.id)
    await pool.execute("UPDATE matches SET requested_again_of = $1 WHERE id = $2", named[4], decided[-1])
    figures_before, learned_before = await _figures(pool)

    done = await retention.run_once(pool, retention.Periods(30, 365, 180))

    assert done is not None and done["withdrawn_suggestions_deleted"] == 2
    left = {r["id"] for r in await pool.fetch("SELECT id FROM matches")}
    assert old not in left and before_0044 not in left
    assert left == {recent, long_open, *decided, still_open, *named}
    figures_after, learned_after = await _figures(pool)
    # Approved, introduced, active, completed, rejected, declined: never a withdrawn one.
    assert learned_after == learned_before and len(learned_before) == 6
    # The per-status count of withdrawn suggestions is now of those kept (docs/decisions.md); the rest is the same.
    counts_before, counts_after = figures_before.pop("matches"), figures_after.pop("matches")
    assert isinstance(counts_before, dict) and isinstance(counts_after, dict)
    assert counts_after == {**counts_before, matches.WITHDRAWN: counts_before[matches.WITHDRAWN] - 2}
    assert figures_after == figures_before


async def test_a_withdrawal_records_when_on_every_path(pool: asyncpg.Pool) -> None:
    """withdrawn_at is set by the database, whatever statement withdraws (here erasure's own UPDATE
    shape, not matches_db's), and only by a withdrawal."""
    newcomer = await add_participant(pool, "newcomer", name="Ana", locale="pl")
    mentor = await add_participant(pool, "mentor", name="Jan", locale="de")
    other = await add_participant(pool, "mentor", name="Eva", locale="de")
    open_ = await _match(pool, newcomer, mentor, matches.SUGGESTED, age_days=100)
    rejected = await _match(pool, newcomer, other, matches.SUGGESTED, age_days=100)
    await pool.execute("UPDATE matches SET status = CASE WHEN id = $1 THEN 'withdrawn' ELSE 'rejected' END "
                       "WHERE id = ANY($2::uuid[])", open_, [open_, rejected])
    rows = {r["id"]: r["recent"] for r in await pool.fetch(
        "SELECT id, withdrawn_at > now() - interval '1 minute' AS recent FROM matches")}
    assert rows == {open_: True, rejected: None}
    assert (await retention.prune(pool))["withdrawn_suggestions_deleted"] == 0  # withdrawn today: kept


async def test_withdrawn_suggestions_are_deleted_in_batches(pool: asyncpg.Pool) -> None:
    newcomer = await add_participant(pool, "newcomer", name="Ali", locale="az")
    mentor = await add_participant(pool, "mentor", name="Ute", locale="de")
    for _ in range(25):
        await _match(pool, newcomer, mentor, matches.WITHDRAWN, age_days=100, withdrawn_days=95)
    one_batch = await retention.prune(pool, batch=10, most_batches=1)
    assert one_batch["withdrawn_suggestions_deleted"] == 10
    assert (await retention.prune(pool, batch=10))["withdrawn_suggestions_deleted"] == 15
    assert await pool.fetchval("SELECT count(*) FROM matches") == 0


async def test_the_upgrade_takes_old_withdrawals_times_from_their_events(pool: asyncpg.Pool) -> None:
    """Review 9d, D4: before 0044 a withdrawal had no time; its match.withdrawn event in the outbox has,
    until the first retention pass prunes the event. Migration 0045 copies it over."""
    newcomer = await add_participant(pool, "newcomer", name="Lan", locale="vi")
    mentor = await add_participant(pool, "mentor", name="Martina", locale="de")
    yesterday = await _match(pool, newcomer, mentor, matches.WITHDRAWN, age_days=200)  # open 199 days
    twice = await _match(pool, newcomer, mentor, matches.WITHDRAWN, age_days=300)
    no_event = await _match(pool, newcomer, mentor, matches.WITHDRAWN, age_days=120)
    timed = await _match(pool, newcomer, mentor, matches.WITHDRAWN, age_days=50, withdrawn_days=10)
    for match_id, days_ago in ((yesterday, 1), (twice, 250), (twice, 5), (timed, 3)):
        await pool.execute(
            """INSERT INTO outbox (id, type, payload, occurred_at, published_at)
               VALUES ($1, 'match.withdrawn', $2::jsonb, now() - make_interval(days => $3), now())""",
            uuid.uuid4(), {"match_id": str(match_id), "reason": "stale"}, days_ago)
    await pool.execute("UPDATE matches SET withdrawn_at = NULL WHERE id = ANY($1::uuid[])",
                       [yesterday, twice, no_event])
    [sql] = [text for version, text in available_migrations() if version == "0045_withdrawn_at_from_outbox"]
    await pool.execute(sql)
    ages = {r["id"]: r["days"] for r in await pool.fetch(
        "SELECT id, extract(day FROM now() - withdrawn_at)::int AS days FROM matches WHERE status = 'withdrawn'")}
    assert ages == {yesterday: 1, twice: 5, no_event: None, timed: 10}
    done = await retention.run_once(pool, retention.Periods(30, 365, 180))
    assert done is not None and done["withdrawn_suggestions_deleted"] == 1  # only the one without any time
    assert {r["id"] for r in await pool.fetch("SELECT id FROM matches")} == {yesterday, twice, timed}
