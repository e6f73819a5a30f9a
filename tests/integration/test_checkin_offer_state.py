"""Review 8c, finding 3: the check-in's offer to end a match, its button and the re-match page word
what becomes of the organisation's place by its offer state (matches_db.offer_state), as the email
after the ending does: a course that has started and a closed position or course get nobody new, so
they are not promised "someone else". The newcomer's side still looks for another course, which is
true: the matcher offers them courses that have not started. No JavaScript: plain form posts."""

from __future__ import annotations

import uuid
from datetime import timedelta

import asyncpg

from lotse.shared import matches, reference, tokens
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import Person, add_course, add_match, add_participant, add_position
from tests.integration.test_manage_checkin_answer import _rematch_action
from tests.integration.test_match_life import _link
from tests.integration.test_own_matches import _text
from tests.integration.test_self_service import manage_link

STATUS = "SELECT status FROM matches WHERE id = $1"


async def _answer(intake_client: IntakeClient, link: str, answer: str, lang: str) -> str:
    """Post a check-in answer as the form without JavaScript does; the thank-you page's text."""
    answered = await intake_client.post(link, data={"answer": answer}, allow_redirects=False)
    assert answered.status == 303
    return _text(await (await intake_client.get(f"{answered.headers['Location']}&lang={lang}")).text())


async def _started_course(pool: asyncpg.Pool) -> tuple[Person, Person, uuid.UUID]:
    """A running match with a VHS course that began 25 days ago: (newcomer, provider, match)."""
    newcomer = await add_participant(pool, "newcomer", name="Оксана Мельник", locale="de")
    vhs = await add_participant(pool, "language_provider", name="Jana Wendt", locale="de",
                                profile={"organisation": "VHS Erfurt"})
    course = await add_course(pool, vhs, title="Deutsch B1 am Abend", schedule="evening",
                              starts_on=reference.today() - timedelta(days=25))
    return newcomer, vhs, await add_match(pool, "language_course", newcomer, course, status="active")


async def test_a_provider_ending_a_started_course_is_not_promised_someone_else(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    _newcomer, vhs, seat = await _started_course(pool)
    link = f"/checkin/{_link(tokens.CHECKIN, seat, vhs.id)}"
    started = ("Der Kurs hat begonnen, darum schlägt Lotse dafür niemand Neuen mehr vor. "
               "Für einen neuen Durchgang ändern Sie den Beginn auf Ihrer Seite.")

    thanks = await _answer(intake_client, link, "not_started", "de")
    assert started in thanks and "Ja, dieses Match beenden" in thanks
    assert "jemand anderen vorschlagen" not in thanks and "wieder frei" not in thanks
    # Opened again later (the link in the email): the same offer above the choices.
    again = _text(await (await intake_client.get(f"{link}?lang=de")).text())
    assert started in again and "jemand anderen vorschlagen" not in again
    # ... and beside the match on the manage page.
    manage = _text(await (await intake_client.get(manage_link(vhs.id) + "?lang=de")).text())
    assert started in manage and "jemand anderen vorschlagen" not in manage

    ended = _text(await (await intake_client.post(f"{link}/rematch?lang=de")).text())
    assert await pool.fetchval(STATUS, seat) == matches.CANCELLED
    assert "Dieses Match ist beendet" in ended and started in ended
    assert "Wir suchen jemand anderen" not in ended and "Wir schlagen jemand Neues vor" not in ended


async def test_an_employer_ending_a_match_for_a_closed_position_is_told_it_stays_closed(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer = await add_participant(pool, "newcomer", name="Lan Nguyen", locale="en")
    employer = await add_participant(pool, "employer", name="Katrin Böhme", locale="en",
                                     profile={"organisation": "Seniorenresidenz Am Hofwiesenpark"})
    position = await add_position(pool, employer, title="Pflegehelfer/in")
    await pool.execute("UPDATE positions SET closed_at = now() WHERE id = $1", position)
    job = await add_match(pool, "employer", newcomer, position, status="active")
    link = f"/checkin/{_link(tokens.CHECKIN, job, employer.id)}"
    closed = "The position stays closed: Lotse suggests nobody else for it. You can reopen it on your page."

    thanks = await _answer(intake_client, link, "not_hired", "en")
    assert closed in thanks and "Yes, end this match" in thanks
    assert "suggest someone else" not in thanks and "free again" not in thanks

    ended = _text(await (await intake_client.post(f"{link}/rematch?lang=en")).text())
    assert await pool.fetchval(STATUS, job) == matches.CANCELLED
    assert "This match has ended" in ended and closed in ended and "someone new" not in ended


async def test_the_newcomer_leaving_a_started_course_is_still_looked_for_another_course(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer, _vhs, seat = await _started_course(pool)
    link = f"/checkin/{_link(tokens.CHECKIN, seat, newcomer.id)}"
    thanks = await _answer(intake_client, link, "bad", "en")
    assert "we can end this match now and look for another course" in thanks
    assert "Yes, please look for another course" in thanks and "has started" not in thanks
    page = await (await intake_client.get(f"{link}?lang=en")).text()
    assert _rematch_action(page) is not None
    ended = _text(await (await intake_client.post(f"{link}/rematch?lang=en")).text())
    assert "We look for another course" in ended and "has started" not in ended
