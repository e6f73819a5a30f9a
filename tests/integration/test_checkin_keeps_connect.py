"""Review 8c, finding 2: a check-in's outcome flag set over "please put them in touch" (connect) must
not lose that to-do. When the outcome flag goes (a better answer, or a coordinator marks it handled),
an active match whose two sides were never given each other's address is flagged connect again;
one a coordinator has put in touch, or whose sides both share their address, is not."""

from __future__ import annotations

import uuid

import asyncpg

from lotse.intake import lifecycle
from lotse.shared import matches
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import Person, add_match, add_participant, add_position
from tests.integration.test_dashboard import login

FLAG = "SELECT flag_code FROM matches WHERE id = $1"


async def _check_in(pool: asyncpg.Pool, match_id: uuid.UUID, who: Person, answer: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await lifecycle.check_in(conn, match_id, who.id, answer, None)


async def _latest(pool: asyncpg.Pool, match_id: uuid.UUID) -> str | None:
    """The match's latest check-in answer: the "talking" the flag went away for was recorded."""
    answer: str | None = await pool.fetchval(
        "SELECT answer FROM checkins WHERE match_id = $1 ORDER BY answered_at DESC, id DESC LIMIT 1", match_id)
    return answer


async def _sonnenschein(pool: asyncpg.Pool, *, share_contact: bool = False) -> tuple[Person, list[uuid.UUID]]:
    """An employer without share_contact consent and its two active, connect-flagged job matches."""
    employer = await add_participant(pool, "employer", name="Katrin Böhme", locale="de", share_contact=share_contact,
                                     profile={"organisation": "Kita Sonnenschein"})
    position = await add_position(pool, employer, title="Erzieher/in")
    found = []
    for name in ("Оксана Мельник", "Lan Nguyen"):
        newcomer = await add_participant(pool, "newcomer", name=name, locale="uk")
        found.append(await add_match(pool, "employer", newcomer, position, status="active",
                                     flag_code=matches.FLAG_CONNECT))
    await pool.execute("UPDATE matches SET flagged_at = now() - interval '5 days' WHERE id = ANY($1::uuid[])", found)
    return employer, found


async def test_a_better_answer_brings_the_connect_flag_back(pool: asyncpg.Pool) -> None:
    employer, (answered, other) = await _sonnenschein(pool)
    since = await pool.fetchval("SELECT flagged_at FROM matches WHERE id = $1", answered)
    await _check_in(pool, answered, employer, "not_hired")
    assert await pool.fetchval(FLAG, answered) == matches.FLAG_CHECKIN_DID_NOT_HAPPEN
    await _check_in(pool, answered, employer, "talking")  # "Antwort ändern": still talking
    row = await pool.fetchrow("SELECT flag_code, flagged_at FROM matches WHERE id = $1", answered)
    assert (row["flag_code"], row["flagged_at"]) == (matches.FLAG_CONNECT, since)  # waiting since then, not now
    assert await pool.fetchval(FLAG, other) == matches.FLAG_CONNECT


async def test_handling_the_outcome_flag_brings_the_connect_flag_back(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    csrf = await login(intake_client)
    employer, (match_id, _) = await _sonnenschein(pool)
    await _check_in(pool, match_id, employer, "not_hired")
    done = await intake_client.post(f"/dashboard/matches/{match_id}/handled", allow_redirects=False,
                                    data={"csrf": csrf, "note": "angerufen: sie sprechen noch miteinander"})
    assert done.status == 303 and "msg=handled" in done.headers["Location"]
    assert await pool.fetchval(FLAG, match_id) == matches.FLAG_CONNECT


async def test_no_connect_flag_once_they_are_in_touch(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    csrf = await login(intake_client)
    employer, (connected, _) = await _sonnenschein(pool)
    done = await intake_client.post(f"/dashboard/matches/{connected}/connected", data={"csrf": csrf},
                                    allow_redirects=False)
    assert done.status == 303
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = 'match.connected' "
                               "AND subject_id = $1", connected) == 1
    assert await pool.fetchval(FLAG, connected) is None
    await _check_in(pool, connected, employer, "not_hired")
    assert await pool.fetchval(FLAG, connected) == matches.FLAG_CHECKIN_DID_NOT_HAPPEN  # the outcome flag came
    await _check_in(pool, connected, employer, "talking")
    assert await pool.fetchval(FLAG, connected) is None

    sharing, (shared, _) = await _sonnenschein(pool, share_contact=True)  # addresses passed on: nothing to do
    await _check_in(pool, shared, sharing, "not_hired")
    assert await pool.fetchval(FLAG, shared) == matches.FLAG_CHECKIN_DID_NOT_HAPPEN
    await _check_in(pool, shared, sharing, "talking")
    assert await pool.fetchval(FLAG, shared) is None
    assert await _latest(pool, shared) == "talking"


async def test_no_connect_flag_when_the_addresses_were_passed_on_before_a_consent_was_withdrawn(
    pool: asyncpg.Pool,
) -> None:
    """Both shared when the match became active: the "both said yes" emails passed the addresses on.
    The employer withdrawing its consent afterwards takes nothing back, so nobody is to connect them."""
    employer, (match_id, _) = await _sonnenschein(pool, share_contact=True)
    await pool.execute("UPDATE matches SET flagged_at = NULL, flag_code = NULL, active_at = now() WHERE id = $1",
                       match_id)
    await pool.execute("INSERT INTO consents (participant_id, purpose, given, text_version) "
                       "VALUES ($1, 'share_contact', false, 'v1')", employer.id)
    await _check_in(pool, match_id, employer, "not_hired")
    assert await pool.fetchval(FLAG, match_id) == matches.FLAG_CHECKIN_DID_NOT_HAPPEN
    await _check_in(pool, match_id, employer, "talking")
    assert await pool.fetchval(FLAG, match_id) is None
    assert await _latest(pool, match_id) == "talking"
