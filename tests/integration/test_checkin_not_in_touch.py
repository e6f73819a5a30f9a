"""Review 8d, finding 7: a newcomer and a mentor can answer the check-in "We have not been in touch
yet"; it flags the match for the coordinators (matches.FLAG_CHECKIN_NOT_IN_TOUCH), which label it,
and the check-in email names the choice as the page offers it."""

from __future__ import annotations

import uuid

import asyncpg

from lotse.intake import lifecycle
from lotse.notifier.compose import flag_code
from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared import matches, tokens
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import Person, add_match, add_participant, add_position
from tests.integration.test_dashboard import login
from tests.integration.test_match_life import _link
from tests.integration.test_own_matches import _text

FLAG = "SELECT flag_code FROM matches WHERE id = $1"
LABEL = "Nachfrage: Die beiden hatten noch keinen Kontakt, bitte helfen Sie ihnen dabei"


async def _pair(pool: asyncpg.Pool) -> tuple[Person, Person, uuid.UUID]:
    olena = await add_participant(pool, "newcomer", name="Олена Коваль", locale="uk")
    martina = await add_participant(pool, "mentor", name="Martina Fischer", locale="de")
    return olena, martina, await add_match(pool, "mentor", olena, martina.id, status="active")


async def test_not_in_touch_yet_is_a_choice_that_flags_the_match(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    olena, martina, match_id = await _pair(pool)
    link = f"/checkin/{_link(tokens.CHECKIN, match_id, martina.id)}"
    form = await (await intake_client.get(f"{link}?lang=de")).text()
    assert 'value="not_in_touch"' in form and "Wir hatten noch keinen Kontakt" in form
    newcomer_form = await (await intake_client.get(
        f"/checkin/{_link(tokens.CHECKIN, match_id, olena.id)}?lang=uk")).text()
    assert "Ми ще не зв’язалися одне з одним" in newcomer_form

    answered = await intake_client.post(f"{link}?lang=de", data={"answer": "not_in_touch", "comment": ""})
    assert answered.status == 200
    assert "Koordinator" in _text(await answered.text())  # a coordinator reads it, not "good to hear"
    assert await pool.fetchval(FLAG, match_id) == matches.FLAG_CHECKIN_NOT_IN_TOUCH

    listed = _text(await (await intake_client.get("/dashboard/matches", params={"flagged": "1", "lang": "de"})).text())
    assert LABEL in listed
    page = _text(await (await intake_client.get(f"/dashboard/matches/{match_id}", params={"lang": "de"})).text())
    assert LABEL in page and "noch kein Kontakt" in page

    # In touch now, and it goes well: the flag goes with the better answer.
    async with pool.acquire() as conn, conn.transaction():
        await lifecycle.check_in(conn, match_id, martina.id, "good", None)
    assert await pool.fetchval(FLAG, match_id) is None


async def test_an_organisation_has_no_such_choice(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    employer = await add_participant(pool, "employer", name="Katrin Böhme", locale="de",
                                     profile={"organisation": "Kita Sonnenschein"})
    newcomer = await add_participant(pool, "newcomer", name="Lan Nguyen", locale="vi")
    match_id = await add_match(pool, "employer", newcomer, await add_position(pool, employer, title="Erzieher/in"),
                               status="active")
    link = f"/checkin/{_link(tokens.CHECKIN, match_id, employer.id)}"
    assert 'value="not_in_touch"' not in await (await intake_client.get(link)).text()
    refused = await intake_client.post(link, data={"answer": "not_in_touch"})
    assert refused.status == 422
    assert await pool.fetchval("SELECT count(*) FROM checkins WHERE match_id = $1", match_id) == 0


async def test_not_a_good_fit_outranks_not_in_touch(pool: asyncpg.Pool) -> None:
    olena, martina, match_id = await _pair(pool)
    async with pool.acquire() as conn, conn.transaction():
        await lifecycle.check_in(conn, match_id, olena.id, "bad", None)
        await lifecycle.check_in(conn, match_id, martina.id, "not_in_touch", None)
    assert await pool.fetchval(FLAG, match_id) == matches.FLAG_CHECKIN_NEWCOMER
    async with pool.acquire() as conn, conn.transaction():
        await lifecycle.check_in(conn, match_id, olena.id, "unsure", None)
    assert await pool.fetchval(FLAG, match_id) == matches.FLAG_CHECKIN_NOT_IN_TOUCH


def test_the_email_and_the_digest_word_it() -> None:
    asked = " ".join(render_email("checkin", "uk", {**SAMPLE, "answers": ("good", "unsure", "bad", "not_in_touch")})
                     .text.split())
    assert "ви ще не зв’язалися одне з одним" in asked
    flagged = [{"kind": "mentor", "code": flag_code(matches.FLAG_CHECKIN_NOT_IN_TOUCH), "reason": "",
                "newcomer": "Олена Коваль", "counterpart": "Martina Fischer", "url": "http://x/dashboard/matches/1"}]
    digest = " ".join(render_email("digest", "de", {**SAMPLE, "flagged": flagged}).text.split())
    assert "eine Rückmeldung sagt: Die beiden hatten noch keinen Kontakt, bitte helfen Sie ihnen dabei" in digest
