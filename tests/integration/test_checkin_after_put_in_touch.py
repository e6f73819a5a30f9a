"""Review 8d, finding 7: the three-week check-in is not sent to a pair the welcome centre has not put
in touch yet (connect flag open); for a pair put in touch later, it comes three weeks after that."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from lotse.intake import lifecycle_jobs
from lotse.shared import matches, matches_db
from tests.integration.notifier_fixtures import add_match, add_participant

ASKED = "SELECT checkin_sent_at IS NOT NULL FROM matches WHERE id = $1"


async def _pair(pool: asyncpg.Pool, *, share_contact: bool, days_active: int) -> uuid.UUID:
    """A mentor match both accepted `days_active` days ago; without both consents it is connect-flagged."""
    mentor = await add_participant(pool, "mentor", name="Martina Fischer", locale="de", share_contact=share_contact)
    newcomer = await add_participant(pool, "newcomer", name="Olena Koval", locale="uk")
    match_id = await add_match(pool, "mentor", newcomer, mentor.id, status="active",
                               flag_code=None if share_contact else matches.FLAG_CONNECT)
    await pool.execute("UPDATE matches SET active_at = now() - make_interval(days => $2) WHERE id = $1",
                       match_id, days_active)
    # Their consents, given at registration, before the match became active.
    await pool.execute("UPDATE consents SET recorded_at = now() - interval '60 days' "
                       "WHERE participant_id = ANY($1::uuid[])", [mentor.id, newcomer.id])
    return match_id


async def _put_in_touch(pool: asyncpg.Pool, match_id: uuid.UUID, days_ago: int,
                        action: str = "match.connected") -> None:
    """What "They are in touch now" does (lifecycle.mark_connected), `days_ago` days ago."""
    await pool.execute("UPDATE matches SET flagged_at = NULL, flag_code = NULL WHERE id = $1", match_id)
    await pool.execute("INSERT INTO audit_log (at, action, subject_type, subject_id) "
                       "VALUES (now() - make_interval(days => $3), $2, 'match', $1)", match_id, action, days_ago)


async def _checkin_requests(pool: asyncpg.Pool, match_id: uuid.UUID) -> int:
    return int(await pool.fetchval("SELECT count(*) FROM outbox WHERE payload->>'notification' = 'checkin' "
                                   "AND payload->>'match_id' = $1", str(match_id)))


async def test_no_check_in_while_the_centre_still_owes_the_introduction(pool: asyncpg.Pool) -> None:
    waiting = await _pair(pool, share_contact=False, days_active=22)
    sharing = await _pair(pool, share_contact=True, days_active=22)
    async with pool.acquire() as conn, conn.transaction():
        assert await lifecycle_jobs.send_checkins(conn) == 1
    assert not await pool.fetchval(ASKED, waiting) and await _checkin_requests(pool, waiting) == 0
    assert await pool.fetchval(ASKED, sharing) and await _checkin_requests(pool, sharing) == 2


async def test_the_three_weeks_count_from_when_they_were_put_in_touch(pool: asyncpg.Pool) -> None:
    """Active for 40 days, but put in touch (by a coordinator, or by a consent that let both addresses
    be passed on) 20 days ago: not yet; 22 days ago: now."""
    recent = [await _pair(pool, share_contact=False, days_active=40) for _ in range(2)]
    due = [await _pair(pool, share_contact=False, days_active=40) for _ in range(2)]
    for days_ago, (connected, shared_later) in ((20, recent), (22, due)):
        await _put_in_touch(pool, connected, days_ago)
        await _put_in_touch(pool, shared_later, days_ago, action="match.contact_shared")
    async with pool.acquire() as conn, conn.transaction():
        assert await lifecycle_jobs.send_checkins(conn) == 2
    for match_id in recent:
        assert not await pool.fetchval(ASKED, match_id) and await _checkin_requests(pool, match_id) == 0
    for match_id in due:
        assert await pool.fetchval(ASKED, match_id) and await _checkin_requests(pool, match_id) == 2


async def test_a_consent_given_again_does_not_restart_the_three_weeks(pool: asyncpg.Pool) -> None:
    """Both shared when the match became active: the "both said yes" emails passed the addresses on.
    One withdrew and gave the consent again (match.contact_shared) a week ago: they had each other's
    address all along, so the check-in is due three weeks after the match became active."""
    match_id = await _pair(pool, share_contact=True, days_active=22)
    await _put_in_touch(pool, match_id, days_ago=7, action="match.contact_shared")
    async with pool.acquire() as conn, conn.transaction():
        assert await lifecycle_jobs.send_checkins(conn) == 1
    assert await pool.fetchval(ASKED, match_id)


async def test_a_pair_put_in_touch_lately_has_its_owner_looked_up_once(
    pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """send_checkins reads who is behind the counterpart once per match, also for a pair put in touch
    within CHECKIN_AFTER (whose "did both share from the start" check needs it too)."""
    match_id = await _pair(pool, share_contact=True, days_active=22)
    await _put_in_touch(pool, match_id, days_ago=7, action="match.contact_shared")
    looked_up: list[uuid.UUID] = []
    owner_of = matches_db.counterpart_owner

    async def counting(conn: asyncpg.Connection, kind: str, counterpart_id: uuid.UUID) -> uuid.UUID | None:
        looked_up.append(counterpart_id)
        return await owner_of(conn, kind, counterpart_id)

    monkeypatch.setattr(matches_db, "counterpart_owner", counting)
    async with pool.acquire() as conn, conn.transaction():
        assert await lifecycle_jobs.send_checkins(conn) == 1
    assert len(looked_up) == 1 and await _checkin_requests(pool, match_id) == 2
