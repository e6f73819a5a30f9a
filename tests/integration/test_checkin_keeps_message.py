"""A check-in's message flag (matches.FLAG_CHECKIN_MESSAGE: "not sure", or a message to the centre)
stays until a coordinator marks it handled. A later check-in's outcome flag set over it must not lose
it: when the outcome flag goes (a better answer, or a coordinator marks it handled), the message flag
comes back, before the connect flag; once a coordinator handled the message flag, it does not. A
message that came while the connect flag stood takes its place once the two are put in touch."""

from __future__ import annotations

import uuid

import asyncpg

from lotse.intake import lifecycle
from lotse.shared import matches
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import Person, add_match, add_participant
from tests.integration.test_dashboard import login
from tests.integration.test_self_service import manage_link

MESSAGE = "Wir kommen nicht weiter mit der Anerkennung, können Sie helfen?"
FLAG = "SELECT flag_code FROM matches WHERE id = $1"


async def _check_in(pool: asyncpg.Pool, match_id: uuid.UUID, who: Person, answer: str, comment: str | None) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await lifecycle.check_in(conn, match_id, who.id, answer, comment)


async def _handled(intake_client: IntakeClient, csrf: str, match_id: uuid.UUID, note: str) -> None:
    done = await intake_client.post(f"/dashboard/matches/{match_id}/handled", allow_redirects=False,
                                    data={"csrf": csrf, "note": note})
    assert done.status == 303 and "msg=handled" in done.headers["Location"]


async def _messaged(pool: asyncpg.Pool, *, share_contact: bool = True) -> tuple[Person, Person, uuid.UUID]:
    """An active mentor match the mentor sent a message to the centre on (the message flag)."""
    oksana = await add_participant(pool, "newcomer", name="Оксана Мельник", locale="uk", share_contact=share_contact)
    thomas = await add_participant(pool, "mentor", name="Thomas Berger", locale="de", share_contact=share_contact)
    match_id = await add_match(pool, "mentor", oksana, thomas.id, status="active")
    await _check_in(pool, match_id, thomas, "good", MESSAGE)
    assert await pool.fetchval(FLAG, match_id) == matches.FLAG_CHECKIN_MESSAGE
    return oksana, thomas, match_id


async def test_a_better_answer_brings_the_message_flag_back(pool: asyncpg.Pool) -> None:
    oksana, _, match_id = await _messaged(pool)
    since = await pool.fetchval("SELECT flagged_at FROM matches WHERE id = $1", match_id)
    await _check_in(pool, match_id, oksana, "not_in_touch", None)
    assert await pool.fetchval(FLAG, match_id) == matches.FLAG_CHECKIN_NOT_IN_TOUCH
    await _check_in(pool, match_id, oksana, "good", None)  # "Antwort ändern": they are in touch after all
    row = await pool.fetchrow("SELECT flag_code, flagged_at FROM matches WHERE id = $1", match_id)
    assert (row["flag_code"], row["flagged_at"]) == (matches.FLAG_CHECKIN_MESSAGE, since)


async def test_handling_the_outcome_flag_brings_the_message_flag_back(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    csrf = await login(intake_client)
    oksana, _, match_id = await _messaged(pool)
    await _check_in(pool, match_id, oksana, "bad", None)
    assert await pool.fetchval(FLAG, match_id) == matches.FLAG_CHECKIN_NEWCOMER
    await _handled(intake_client, csrf, match_id, "mit Oksana gesprochen, es geht weiter")
    assert await pool.fetchval(FLAG, match_id) == matches.FLAG_CHECKIN_MESSAGE


async def test_a_handled_message_flag_does_not_come_back(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    csrf = await login(intake_client)
    oksana, thomas, match_id = await _messaged(pool)
    await _handled(intake_client, csrf, match_id, "Thomas zurückgerufen, Termin bei der Anerkennungsstelle")
    assert await pool.fetchval(FLAG, match_id) is None
    await _check_in(pool, match_id, oksana, "not_in_touch", None)
    await _check_in(pool, match_id, oksana, "good", None)
    assert await pool.fetchval(FLAG, match_id) is None

    await _check_in(pool, match_id, thomas, "unsure", None)  # a new "not sure" after the handled one does
    await _check_in(pool, match_id, oksana, "not_in_touch", None)
    await _check_in(pool, match_id, oksana, "good", None)
    assert await pool.fetchval(FLAG, match_id) == matches.FLAG_CHECKIN_MESSAGE


async def test_the_message_comes_first_then_connect(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    """Two sides never put in touch: the message flag comes back first; handling it brings connect."""
    csrf = await login(intake_client)
    oksana, _, match_id = await _messaged(pool, share_contact=False)
    await _check_in(pool, match_id, oksana, "not_in_touch", None)
    await _check_in(pool, match_id, oksana, "good", None)
    assert await pool.fetchval(FLAG, match_id) == matches.FLAG_CHECKIN_MESSAGE
    await _handled(intake_client, csrf, match_id, "Nachricht gelesen, beantwortet")
    assert await pool.fetchval(FLAG, match_id) == matches.FLAG_CONNECT


async def _messaged_while_to_connect(pool: asyncpg.Pool) -> tuple[Person, Person, uuid.UUID]:
    """An active mentor match still to be put in touch (the connect flag, neither shares an
    address), on which the mentor sent a message to the centre: it does not flag over connect."""
    oksana = await add_participant(pool, "newcomer", name="Оксана Мельник", locale="uk", share_contact=False)
    thomas = await add_participant(pool, "mentor", name="Thomas Berger", locale="de", share_contact=False)
    match_id = await add_match(pool, "mentor", oksana, thomas.id, status="active")
    await pool.execute("UPDATE matches SET flag_code = $2, flagged_at = now() WHERE id = $1",
                       match_id, matches.FLAG_CONNECT)
    await _check_in(pool, match_id, thomas, "good", MESSAGE)
    assert await pool.fetchval(FLAG, match_id) == matches.FLAG_CONNECT
    return oksana, thomas, match_id


async def test_marked_in_touch_the_message_flag_takes_over(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    csrf = await login(intake_client)
    _, _, match_id = await _messaged_while_to_connect(pool)
    done = await intake_client.post(f"/dashboard/matches/{match_id}/connected", allow_redirects=False,
                                    data={"csrf": csrf})
    assert done.status == 303
    assert await pool.fetchval(FLAG, match_id) == matches.FLAG_CHECKIN_MESSAGE
    await _handled(intake_client, csrf, match_id, "Thomas zurückgerufen")
    assert await pool.fetchval(FLAG, match_id) is None  # in touch now: connect does not come back


async def test_in_touch_by_consent_the_message_flag_takes_over(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    oksana, thomas, match_id = await _messaged_while_to_connect(pool)
    for who in (oksana, thomas):
        answer = await intake_client.post(manage_link(who.id), data={"action": "share"}, allow_redirects=False)
        assert answer.status == 303, await answer.text()
    assert await pool.fetchval(FLAG, match_id) == matches.FLAG_CHECKIN_MESSAGE


async def test_marked_in_touch_without_a_message_the_flag_goes(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    csrf = await login(intake_client)
    oksana = await add_participant(pool, "newcomer", name="Olena Kovalenko", locale="uk", share_contact=False)
    thomas = await add_participant(pool, "mentor", name="Thomas Berger", locale="de", share_contact=False)
    match_id = await add_match(pool, "mentor", oksana, thomas.id, status="active")
    await pool.execute("UPDATE matches SET flag_code = $2, flagged_at = now() WHERE id = $1",
                       match_id, matches.FLAG_CONNECT)
    await _check_in(pool, match_id, thomas, "good", None)
    done = await intake_client.post(f"/dashboard/matches/{match_id}/connected", allow_redirects=False,
                                    data={"csrf": csrf})
    assert done.status == 303
    assert await pool.fetchval(FLAG, match_id) is None
