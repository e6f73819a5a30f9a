"""A check-in's "not sure", or any answer with a message to the welcome centre, flags the match
(matches.FLAG_CHECKIN_MESSAGE) and the message shows on the match's and the person's dashboard
pages; "not sure" has its own thanks. A coordinator marks a flag handled with a note: the flag
goes, audited and in the match's history, and an unanswered introduction may be sent again."""

from __future__ import annotations

import uuid

import asyncpg

from lotse.intake import lifecycle, lifecycle_jobs
from lotse.shared import events, matches, tokens
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import Person, add_match, add_participant
from tests.integration.test_dashboard import login
from tests.integration.test_match_life import _link
from tests.integration.test_own_matches import _text

MESSAGE = "Мені потрібна допомога з визнанням диплому медсестри."
FLAG = "SELECT flag_code FROM matches WHERE id = $1"


async def _pair(pool: asyncpg.Pool) -> tuple[Person, Person]:
    return (await add_participant(pool, "newcomer", name="Оксана Мельник", locale="uk"),
            await add_participant(pool, "mentor", name="Thomas Berger", locale="de"))


async def _check_in(pool: asyncpg.Pool, match_id: uuid.UUID, who: Person, answer: str, comment: str | None) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await lifecycle.check_in(conn, match_id, who.id, answer, comment)


async def test_not_sure_with_a_message_reaches_the_coordinators(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    oksana, thomas = await _pair(pool)
    match_id = await add_match(pool, "mentor", oksana, thomas.id, status="active")
    link = f"/checkin/{_link(tokens.CHECKIN, match_id, oksana.id)}"
    answered = await intake_client.post(f"{link}?lang=uk", data={"answer": "unsure", "comment": MESSAGE})
    thanks = _text(await answered.text())
    assert "Координатор центру прочитає вашу відповідь" in thanks and "Раді чути" not in thanks
    assert await pool.fetchval(FLAG, match_id) == matches.FLAG_CHECKIN_MESSAGE

    label = "Nachfrage: unsicher oder eine Nachricht an das Welcome Center"
    listed = _text(await (await intake_client.get("/dashboard/matches", params={"flagged": "1", "lang": "de"})).text())
    assert label in listed
    page = _text(await (await intake_client.get(f"/dashboard/matches/{match_id}", params={"lang": "de"})).text())
    assert "Nachrichten an das Welcome Center" in page and MESSAGE in page and label in page
    person = _text(await (await intake_client.get(f"/dashboard/participants/{oksana.id}",
                                                  params={"lang": "de"})).text())
    assert "Nachrichten an das Welcome Center" in person and MESSAGE in person and label in person


async def test_which_check_ins_flag(pool: asyncpg.Pool) -> None:
    oksana, thomas = await _pair(pool)
    quiet = await add_match(pool, "mentor", oksana, thomas.id, status="active")
    await _check_in(pool, quiet, oksana, "good", None)
    assert await pool.fetchval(FLAG, quiet) is None
    await _check_in(pool, quiet, thomas, "good", "Wir treffen uns jeden Dienstag.")  # a message: someone reads it
    assert await pool.fetchval(FLAG, quiet) == matches.FLAG_CHECKIN_MESSAGE
    await _check_in(pool, quiet, oksana, "good", None)  # stays until a coordinator handled it
    assert await pool.fetchval(FLAG, quiet) == matches.FLAG_CHECKIN_MESSAGE

    unsure = await add_match(pool, "mentor", oksana, thomas.id, status="active")
    await _check_in(pool, unsure, oksana, "unsure", None)
    assert await pool.fetchval(FLAG, unsure) == matches.FLAG_CHECKIN_MESSAGE

    # It replaces no other flag: "not a good fit" and "put them in touch" say more.
    bad = await add_match(pool, "mentor", oksana, thomas.id, status="active")
    await _check_in(pool, bad, thomas, "bad", None)
    await _check_in(pool, bad, oksana, "unsure", MESSAGE)
    assert await pool.fetchval(FLAG, bad) == matches.FLAG_CHECKIN_COUNTERPART
    connect = await add_match(pool, "mentor", oksana, thomas.id, status="active", flag_code=matches.FLAG_CONNECT)
    await _check_in(pool, connect, oksana, "unsure", MESSAGE)
    assert await pool.fetchval(FLAG, connect) == matches.FLAG_CONNECT


async def test_a_coordinator_marks_an_unanswered_flag_handled(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    csrf = await login(intake_client)
    oksana, thomas = await _pair(pool)
    match_id = await add_match(pool, "mentor", oksana, thomas.id, flag_code=matches.FLAG_UNANSWERED)
    await pool.execute("UPDATE matches SET reminded_at = now() - interval '20 days' WHERE id = $1", match_id)
    await pool.execute("INSERT INTO match_responses (match_id, participant_id, side, answer) "
                       "VALUES ($1, $2, 'newcomer', 'accept')", match_id, oksana.id)
    page = _text(await (await intake_client.get(f"/dashboard/matches/{match_id}", params={"lang": "de"})).text())
    assert "Markierung erledigen" in page

    missing = await intake_client.post(f"/dashboard/matches/{match_id}/handled", data={"csrf": csrf, "note": " "},
                                       allow_redirects=False)
    assert "msg=reason_missing" in missing.headers["Location"]
    assert await pool.fetchval(FLAG, match_id) == matches.FLAG_UNANSWERED
    before = await pool.fetchval("SELECT count(*) FROM outbox WHERE type = $1", events.NOTIFICATION_REQUESTED)
    done = await intake_client.post(f"/dashboard/matches/{match_id}/handled", allow_redirects=False,
                                    data={"csrf": csrf, "note": "angerufen, er antwortet heute", "resend": "1"})
    assert done.status == 303 and "msg=handled" in done.headers["Location"]
    assert await pool.fetchval("SELECT flagged_at IS NULL AND flag_code IS NULL FROM matches WHERE id = $1", match_id)
    # The introduction again, to the side that has not answered only.
    sent = await pool.fetch("SELECT payload FROM outbox WHERE type = $1 ORDER BY id OFFSET $2",
                            events.NOTIFICATION_REQUESTED, before)
    assert [(r["payload"]["notification"], r["payload"]["participant_id"]) for r in sent] == [
        ("reminder", str(thomas.id))]
    trail = await pool.fetchrow("SELECT action, detail, before FROM audit_log WHERE subject_id = $1", match_id)
    assert (trail["action"], trail["detail"], trail["before"]) == (
        "match.flag_handled", "angerufen, er antwortet heute", {"flag_code": matches.FLAG_UNANSWERED})
    page = _text(await (await intake_client.get(f"/dashboard/matches/{match_id}", params={"lang": "de"})).text())
    assert "hat die Markierung als erledigt vermerkt · angerufen, er antwortet heute" in page
    assert "Markierung erledigen" not in page

    # Not flagged again at once: only if still unanswered a week after this.
    async with pool.acquire() as conn, conn.transaction():
        await lifecycle_jobs.flag_unanswered(conn)
    assert await pool.fetchval(FLAG, match_id) is None
    await pool.execute("UPDATE matches SET reminded_at = now() - interval '8 days' WHERE id = $1", match_id)
    async with pool.acquire() as conn, conn.transaction():
        await lifecycle_jobs.flag_unanswered(conn)
    assert await pool.fetchval(FLAG, match_id) == matches.FLAG_UNANSWERED

    again = await intake_client.post(f"/dashboard/matches/{uuid.uuid4()}/handled", allow_redirects=False,
                                     data={"csrf": csrf, "note": "x"})
    assert "msg=conflict" in again.headers["Location"]


async def test_the_connect_flag_is_not_cleared_as_handled(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    """The connect flag goes only with "in touch" (mark_connected); a handled-note posted
    directly gets the usual conflict notice and the flag stays, unaudited."""
    csrf = await login(intake_client)
    oksana, thomas = await _pair(pool)
    match_id = await add_match(pool, "mentor", oksana, thomas.id, status="active", flag_code=matches.FLAG_CONNECT)
    refused = await intake_client.post(f"/dashboard/matches/{match_id}/handled", allow_redirects=False,
                                       data={"csrf": csrf, "note": "erledigt"})
    assert refused.status == 303 and "msg=conflict" in refused.headers["Location"]
    assert await pool.fetchval(FLAG, match_id) == matches.FLAG_CONNECT
    assert not await pool.fetchval("SELECT count(*) FROM audit_log WHERE subject_id = $1", match_id)
