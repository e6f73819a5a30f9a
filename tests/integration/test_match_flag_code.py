"""Why a match is flagged is a code (matches.flag_code, one of lotse.shared.matches.FLAGS), written
by intake and labelled by the dashboard in the coordinator's language; migration 0021 turns the
sentences stored before into codes. Words in flag_reason, or a coordinator's words that read like
one of intake's sentences, are shown as written and never taken for a flag."""

from __future__ import annotations

import html as htmllib
import re
import uuid

import asyncpg
import pytest

from lotse.intake import lifecycle
from lotse.intake.accounts import Coordinator
from lotse.shared import matches
from lotse.shared.migrate import available_migrations
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import Person, add_match, add_participant
from tests.integration.test_dashboard import login

# The sentences intake stored as flag_reason before migration 0021, and the code each became.
SENTENCES = {
    "no answer after a reminder": matches.FLAG_UNANSWERED,
    "check-in: newcomer says it is not a good fit": matches.FLAG_CHECKIN_NEWCOMER,
    "check-in: counterpart says it is not a good fit": matches.FLAG_CHECKIN_COUNTERPART,
    "contact details not shared: please put them in touch": matches.FLAG_CONNECT,
}
LABELS = {  # German, English
    matches.FLAG_CHECKIN_NOT_IN_TOUCH: (
        "Nachfrage: Die beiden hatten noch keinen Kontakt, bitte helfen Sie ihnen dabei",
        "Check-in: they have not been in touch yet, please help them connect",
    ),
    matches.FLAG_CHECKIN_DID_NOT_HAPPEN: (
        "Nachfrage: Arbeitgeber oder Kursanbieter meldet, es kam nicht zustande oder wurde abgebrochen",
        "Check-in: the employer or course provider says it did not come about or has stopped",
    ),
    matches.FLAG_UNANSWERED: ("Keine Antwort nach einer Erinnerung", "No answer after a reminder"),
    matches.FLAG_CHECKIN_NEWCOMER: (
        "Nachfrage: Die neu angekommene Person sagt, es passt nicht",
        "Check-in: the newcomer says it is not a good fit",
    ),
    matches.FLAG_CHECKIN_COUNTERPART: (
        "Nachfrage: Die Gegenseite sagt, es passt nicht",
        "Check-in: the other side says it is not a good fit",
    ),
    matches.FLAG_CONNECT: (
        "Beide haben zugestimmt, aber ihre Adressen wurden nicht weitergegeben: bitte in Kontakt bringen",
        "Both accepted, but their addresses were not passed on: please put them in touch",
    ),
    matches.FLAG_CHECKIN_MESSAGE: (
        "Nachfrage: unsicher oder eine Nachricht an das Welcome Center",
        "Check-in: not sure, or a message to the welcome centre",
    ),
}


async def _pair(pool: asyncpg.Pool) -> tuple[Person, Person]:
    newcomer = await add_participant(pool, "newcomer", name="Оксана Коваль", locale="uk")
    mentor = await add_participant(pool, "mentor", name="Thomas Berger", locale="de")
    return newcomer, mentor


async def _flag_shown(client: IntakeClient, match_id: uuid.UUID, lang: str) -> str:
    page = await (await client.get(f"/dashboard/matches/{match_id}", params={"lang": lang})).text()
    [shown] = re.findall(r'<strong class="flag">[^:<]*: (.*?)</strong>', page)
    return htmllib.unescape(shown)


def test_every_flag_code_has_a_dashboard_label() -> None:
    # The codes written since migration 0021 were never sentences.
    assert set(LABELS) == set(matches.FLAGS) == {*SENTENCES.values(), matches.FLAG_CHECKIN_MESSAGE,
                                                 matches.FLAG_CHECKIN_DID_NOT_HAPPEN, matches.FLAG_CHECKIN_NOT_IN_TOUCH}


@pytest.mark.parametrize("code", matches.FLAGS)
async def test_the_dashboard_names_a_flag_in_the_coordinators_language(
    intake_client: IntakeClient, pool: asyncpg.Pool, code: str
) -> None:
    await login(intake_client)
    newcomer, mentor = await _pair(pool)
    match_id = await add_match(pool, "mentor", newcomer, mentor.id, status="active", flag_code=code)
    german, english = LABELS[code]
    assert await _flag_shown(intake_client, match_id, "de") == german
    assert await _flag_shown(intake_client, match_id, "en") == english
    listed = await (await intake_client.get("/dashboard/matches", params={"flagged": "1", "lang": "de"})).text()
    assert re.search(f'<td data-label="[^"]*">{re.escape(htmllib.escape(german, quote=False))}</td>', listed)


async def test_intake_writes_the_codes(pool: asyncpg.Pool) -> None:
    newcomer, mentor = await _pair(pool)
    match_id = await add_match(pool, "mentor", newcomer, mentor.id, status="active")
    async with pool.acquire() as conn, conn.transaction():
        await lifecycle.check_in(conn, match_id, mentor.id, "bad", None)
    row = await pool.fetchrow("SELECT flag_code, flag_reason FROM matches WHERE id = $1", match_id)
    assert (row["flag_code"], row["flag_reason"]) == (matches.FLAG_CHECKIN_COUNTERPART, None)


async def test_words_in_flag_reason_stay_words(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    """Words that read like intake's connect sentence are no connect flag: shown as written, no
    "in touch" button, and marking the match connected leaves them."""
    csrf = await login(intake_client)
    newcomer, mentor = await _pair(pool)
    words = "contact details not shared: please put them in touch"
    match_id = await add_match(pool, "mentor", newcomer, mentor.id, status="active", flag_reason=words)
    assert await _flag_shown(intake_client, match_id, "de") == words
    page = await (await intake_client.get(f"/dashboard/matches/{match_id}", params={"lang": "de"})).text()
    assert "/connected" not in page
    done = await intake_client.post(
        f"/dashboard/matches/{match_id}/connected", data={"csrf": csrf}, allow_redirects=False
    )
    assert done.status == 303 and "msg=conflict" in done.headers["Location"]
    assert await pool.fetchval("SELECT flag_reason FROM matches WHERE id = $1", match_id) == words


async def test_a_coordinators_words_like_a_flag_sentence_are_shown_as_typed(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    newcomer, mentor = await _pair(pool)
    match_id = await add_match(pool, "mentor", newcomer, mentor.id, status="active")
    coordinator_id = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO coordinators (id, email, password_hash) VALUES ($1, $2, 'x')",
            coordinator_id,
            f"c-{coordinator_id.hex[:8]}@example.org",
        )
        await lifecycle.end_match(
            conn,
            Coordinator(coordinator_id, "c@example.org", "coordinator"),
            match_id,
            "cancelled",
            "no answer after a reminder",
        )
    page = await (await intake_client.get(f"/dashboard/matches/{match_id}", params={"lang": "de"})).text()
    assert "Keine Antwort nach einer Erinnerung" not in page  # the audit entry's words, as typed
    assert "· no answer after a reminder</li>" in page


async def test_the_migration_turns_intakes_sentences_into_codes(pool: asyncpg.Pool, migrated: str) -> None:
    newcomer, mentor = await _pair(pool)
    ids = {
        sentence: await add_match(pool, "mentor", newcomer, mentor.id, status="active", flag_reason=sentence)
        for sentence in SENTENCES
    }
    words = await add_match(pool, "mentor", newcomer, mentor.id, flag_reason="Arbeitgeber meldet sich nicht")
    # Written since (a code already there): left as it is.
    kept = await add_match(
        pool, "mentor", newcomer, mentor.id, flag_code=matches.FLAG_CONNECT, flag_reason="no answer after a reminder"
    )
    unflagged = await add_match(pool, "mentor", newcomer, mentor.id)
    [sql] = [text for version, text in available_migrations() if version == "0021_match_flag_code"]
    conn = await asyncpg.connect(migrated)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()
    rows = {
        r["id"]: (r["flag_code"], r["flag_reason"])
        for r in await pool.fetch("SELECT id, flag_code, flag_reason FROM matches")
    }
    assert {sentence: rows[match_id] for sentence, match_id in ids.items()} == {
        sentence: (code, None) for sentence, code in SENTENCES.items()
    }
    assert rows[words] == (None, "Arbeitgeber meldet sich nicht")
    assert rows[kept] == (matches.FLAG_CONNECT, "no answer after a reminder")
    assert rows[unflagged] == (None, None)


async def test_a_flagged_introduction_declined_takes_its_flag_along(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """A flag asks coordinators to act on a match under way; a declined one needs nothing more."""
    await login(intake_client)
    newcomer, mentor = await _pair(pool)
    declined = await add_match(pool, "mentor", newcomer, mentor.id, flag_code=matches.FLAG_UNANSWERED)
    async with pool.acquire() as conn, conn.transaction():
        await lifecycle.respond(conn, declined, mentor.id, "decline", None)
    row = await pool.fetchrow("SELECT status, flagged_at, flag_code FROM matches WHERE id = $1", declined)
    assert (row["status"], row["flagged_at"], row["flag_code"]) == ("declined", None, None)
    # One ended while flagged before this rule: no longer listed as needing attention.
    older = await add_match(pool, "mentor", newcomer, mentor.id, status="declined", flag_code=matches.FLAG_UNANSWERED)
    waiting = await add_match(pool, "mentor", newcomer, mentor.id, status="active", flag_code=matches.FLAG_CONNECT)
    listed = await (await intake_client.get("/dashboard/matches", params={"flagged": "1"})).text()
    assert f"/dashboard/matches/{waiting}" in listed
    assert f"/dashboard/matches/{older}" not in listed and f"/dashboard/matches/{declined}" not in listed


async def test_matches_that_ended_flagged_before_the_rule_lose_their_flag(pool: asyncpg.Pool, migrated: str) -> None:
    """Review 5, finding 4: migration 0023 clears what _transition clears now, on the matches that
    ended while flagged before it did; flags on matches under way stay."""
    newcomer, mentor = await _pair(pool)
    ended = {
        status: await add_match(pool, "mentor", newcomer, mentor.id, status=status, flag_code=matches.FLAG_UNANSWERED,
                                flag_reason="Arbeitgeber meldet sich nicht")
        for status in sorted(matches.STATES - set(matches.FLAGGABLE))
    }
    under_way = {
        status: await add_match(pool, "mentor", newcomer, mentor.id, status=status, flag_code=matches.FLAG_CONNECT)
        for status in matches.FLAGGABLE
    }
    [sql] = [text for version, text in available_migrations() if version == "0023_ended_matches_unflagged"]
    conn = await asyncpg.connect(migrated)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()
    found = await pool.fetch("SELECT id, flagged_at, flag_code, flag_reason FROM matches")
    rows = {r["id"]: tuple(r)[1:] for r in found}
    assert {status: rows[match_id] for status, match_id in ended.items()} == {s: (None, None, None) for s in ended}
    assert all(rows[match_id][0] is not None and rows[match_id][1] == matches.FLAG_CONNECT
               for match_id in under_way.values())


async def test_the_unfiltered_list_puts_only_flags_that_ask_for_action_first(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """Review 5, finding 4: "flagged first" follows the flagged filter's rule (matches.FLAGGABLE)."""
    await login(intake_client)
    newcomer, mentor = await _pair(pool)
    cancelled = await add_match(pool, "mentor", newcomer, mentor.id, status="cancelled",
                                flag_code=matches.FLAG_CHECKIN_NEWCOMER)
    waiting = await add_match(pool, "mentor", newcomer, mentor.id, status="active", flag_code=matches.FLAG_CONNECT)
    fresh = await add_match(pool, "mentor", newcomer, mentor.id, status="suggested")
    # The cancelled one was flagged long ago, the fresh suggestion is the newest match.
    await pool.execute("UPDATE matches SET flagged_at = now() - interval '30 days' WHERE id = $1", cancelled)
    await pool.execute("UPDATE matches SET created_at = now() + interval '1 day' WHERE id = $1", fresh)
    page = await (await intake_client.get("/dashboard/matches")).text()
    order = sorted((page.index(f"/dashboard/matches/{m}"), m) for m in (cancelled, waiting, fresh))
    assert [m for _, m in order] == [waiting, fresh, cancelled]
