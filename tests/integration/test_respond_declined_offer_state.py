"""The introduction's thank-you page after an employer or course provider declines (leftover of review
8c, finding 3): it said "The place is free again and we will look for another suggestion" also for a
closed position or a course that has started, for which the decline email says Lotse suggests nobody
new. It now words it by the offer's state (matches_db.offer_state), as the check-in pages do."""

from __future__ import annotations

from datetime import timedelta

import asyncpg

from lotse.shared import reference, tokens
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import add_course, add_match, add_participant, add_position
from tests.integration.test_match_life import _link
from tests.integration.test_own_matches import _text


async def _declined(intake_client: IntakeClient, link: str, lang: str) -> str:
    """Decline as the confirm page's form posts it; the thank-you page's text."""
    sent = await intake_client.post(link, data={"answer": "decline"}, allow_redirects=False)
    assert sent.status == 303
    return _text(await (await intake_client.get(f"{sent.headers['Location']}&lang={lang}")).text())


async def test_a_provider_declining_for_a_started_course_is_not_told_the_place_is_free(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer = await add_participant(pool, "newcomer", name="Оксана Мельник", locale="uk")
    vhs = await add_participant(pool, "language_provider", name="Jana Wendt", locale="de",
                                profile={"organisation": "VHS Erfurt"})
    course = await add_course(pool, vhs, title="Deutsch B1 am Abend", schedule="evening",
                              starts_on=reference.today() - timedelta(days=3))
    match_id = await add_match(pool, "language_course", newcomer, course)
    thanks = await _declined(intake_client, f"/respond/{_link(tokens.RESPOND, match_id, vhs.id)}", "de")
    assert ("Sie haben diese Vorstellung abgelehnt. Der Kurs hat begonnen, darum schlägt Lotse dafür niemand "
            "Neuen mehr vor.") in thanks
    assert "wieder frei" not in thanks and "anderen Vorschlag" not in thanks


async def test_an_employer_declining_for_a_closed_position_or_an_open_one(intake_client: IntakeClient,
                                                                         pool: asyncpg.Pool) -> None:
    employer = await add_participant(pool, "employer", name="Personalabteilung", locale="en",
                                     profile={"organisation": "Klinikum Gera"})
    closed = await add_position(pool, employer, title="Pflegefachkraft")
    await pool.execute("UPDATE positions SET closed_at = now() WHERE id = $1", closed)
    still_open = await add_position(pool, employer, title="Pflegehilfskraft")
    pages = []
    for position in (closed, still_open):
        newcomer = await add_participant(pool, "newcomer", name="Nguyễn Thị Lan", locale="vi")
        match_id = await add_match(pool, "employer", newcomer, position)
        pages.append(await _declined(intake_client, f"/respond/{_link(tokens.RESPOND, match_id, employer.id)}",
                                     "en"))
    assert "You have declined this introduction. The position stays closed: Lotse suggests nobody else" in pages[0]
    assert "free again" not in pages[0]
    assert "You have declined. The place is free again and we will look for another suggestion." in pages[1]
