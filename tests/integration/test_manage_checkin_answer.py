"""Review 8a, finding 14: a check-in's "not a good fit" is not lost once its thank-you page is closed.
The manage page shows each running match's latest check-in answer and when, with a link to change it,
and after "not a good fit" the thank-you page's re-match offer (posting to the same handler); the
check-in link opened again shows the answer given and the offer, the choices below to change it."""

from __future__ import annotations

import html
import re
import uuid

import asyncpg

from lotse.shared import tokens
from tests.conftest import IntakeClient
from tests.integration.test_own_matches import _match, _text
from tests.integration.test_self_service import SIGNER, _registered, manage_link


def _article(page: str, match_id: uuid.UUID) -> str:
    article = page[page.index(f'id="match-{match_id}"'):]
    return article[:article.index("</article>")]


def _rematch_action(part: str) -> str | None:
    found = re.search(r'<form method="post" action="([^"]*/checkin/[^"/]*/rematch[^"]*)"', part)
    return html.unescape(found.group(1)) if found else None


async def _answered(intake_client: IntakeClient, pool: asyncpg.Pool, kind: str = "mentor",
                    answer: str = "bad") -> tuple[uuid.UUID, uuid.UUID, str]:
    """A newcomer's running match whose check-in she answered from its email: (newcomer, match, link)."""
    newcomer = await _registered(intake_client, pool, "newcomers", preferred_locale="en")
    if kind == "mentor":
        counterpart = await _registered(intake_client, pool, "mentors", name="Jörg Müller")
    else:
        employer = await _registered(intake_client, pool, "employers")
        counterpart = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1", employer)
    match_id = await _match(pool, kind, newcomer, counterpart, "active")
    await pool.execute("UPDATE matches SET checkin_sent_at = now() WHERE id = $1", match_id)
    link = f"/checkin/{SIGNER.sign(tokens.CHECKIN, mid=str(match_id), pid=str(newcomer))}"
    assert (await intake_client.post(link, data={"answer": answer}, allow_redirects=False)).status == 303
    return newcomer, match_id, link


async def test_the_manage_page_keeps_a_not_a_good_fit_and_its_rematch_offer(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer, match_id, _link = await _answered(intake_client, pool)
    answered_at = await pool.fetchval("SELECT answered_at FROM checkins WHERE match_id = $1", match_id)

    entry = _article(await (await intake_client.get(manage_link(newcomer))).text(), match_id)
    words = _text(entry)
    assert re.search(r"Your check-in answer of .+: Not a good fit", words)
    assert f'datetime="{answered_at.isoformat(timespec="seconds")}"' in entry  # when, as the page gives times
    assert "Change my answer" in words and re.search(r'<a href="[^"]*/checkin/[^"/]*"', entry)
    assert "If you wish, we can end this match now and look for someone else." in words
    action = _rematch_action(entry)
    assert action is not None and "Yes, please find someone else" in words

    # The thank-you page's own handler: the match ends as a re-match, and the matcher looks again.
    assert (await intake_client.post(action)).status == 200
    row = await pool.fetchrow("SELECT status, end_reason FROM matches WHERE id = $1", match_id)
    assert (row["status"], row["end_reason"]) == ("cancelled", "rematch_requested")
    entry = _article(await (await intake_client.get(manage_link(newcomer))).text(), match_id)
    assert "Your check-in answer" not in _text(entry) and _rematch_action(entry) is None


async def test_a_good_answer_is_shown_without_an_offer_and_a_job_is_looked_for_as_a_job(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer, match_id, _link = await _answered(intake_client, pool, answer="good")
    words = _text(_article(await (await intake_client.get(manage_link(newcomer))).text(), match_id))
    assert re.search(r"Your check-in answer of .+: Good", words) and "Change my answer" in words
    assert "If you wish" not in words

    newcomer, match_id, _link = await _answered(intake_client, pool, kind="employer")
    entry = _article(await (await intake_client.get(manage_link(newcomer))).text(), match_id)
    assert "Yes, please look for another job" in _text(entry) and _rematch_action(entry)


async def test_the_check_in_link_opened_again_shows_the_answer_the_offer_and_lets_it_change(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    _newcomer, match_id, link = await _answered(intake_client, pool)
    page = await (await intake_client.get(link)).text()
    words = _text(page)
    assert re.search(r"Your check-in answer of .+: Not a good fit", words)
    assert _rematch_action(page) == f"{link}/rematch" and "Yes, please find someone else" in words
    assert "Change my answer" in words
    assert re.search(r'id="checkin-bad"[^>]* checked', page)  # the choices below, the answer given ticked

    changed = await intake_client.post(link, data={"answer": "good"}, allow_redirects=False)
    assert changed.status == 303
    page = await (await intake_client.get(link)).text()
    assert re.search(r"Your check-in answer of .+: Good", _text(page)) and _rematch_action(page) is None
    assert await pool.fetchval("SELECT count(*) FROM checkins WHERE match_id = $1", match_id) == 2


async def test_a_check_in_link_never_answered_shows_only_the_choices(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer = await _registered(intake_client, pool, "newcomers", preferred_locale="en")
    match_id = await _match(pool, "mentor", newcomer, await _registered(intake_client, pool, "mentors"), "active")
    link = f"/checkin/{SIGNER.sign(tokens.CHECKIN, mid=str(match_id), pid=str(newcomer))}"
    page = await (await intake_client.get(link)).text()
    words = _text(page)
    assert "How is it going so far?" in words
    assert "Your check-in answer" not in words and "Change my answer" not in words and _rematch_action(page) is None


async def test_an_employers_did_not_come_about_keeps_its_offer_to_end_the_match(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer = await _registered(intake_client, pool, "newcomers", preferred_locale="en")
    employer = await _registered(intake_client, pool, "employers", preferred_locale="en")
    position = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1", employer)
    match_id = await _match(pool, "employer", newcomer, position, "active")
    link = f"/checkin/{SIGNER.sign(tokens.CHECKIN, mid=str(match_id), pid=str(employer))}"
    assert (await intake_client.post(link, data={"answer": "not_hired"}, allow_redirects=False)).status == 303

    for page in (_article(await (await intake_client.get(manage_link(employer))).text(), match_id),
                 await (await intake_client.get(link)).text()):
        words = _text(page)
        assert re.search(r"Your check-in answer of .+: It did not come about", words)
        assert "Yes, end this match and suggest someone else" in words and _rematch_action(page)
    # "Hired" asks nothing more.
    assert (await intake_client.post(link, data={"answer": "hired"}, allow_redirects=False)).status == 303
    entry = _text(_article(await (await intake_client.get(manage_link(employer))).text(), match_id))
    assert re.search(r"Your check-in answer of .+: Hired", entry) and "suggest someone else" not in entry
