"""The check-in on the manage page: a person whose check-in email went to an address they have since
replaced (its link is refused) or got lost gives it there. Offered to whom the email asks, once it is
sent and until this side answered; the choices post to the check-in's own page, so the answer is
recorded, flagged and thanked for as from the email."""

from __future__ import annotations

import html
import re
import uuid

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import unique_email
from tests.integration.test_email_change_match_links import _change_address, _matches
from tests.integration.test_own_matches import _match, _text
from tests.integration.test_self_service import _registered, manage_link


def _checkin_action(page: str, match_id: uuid.UUID) -> str | None:
    """Where the match's check-in choices post to, None when the page offers none."""
    article = page[page.index(f'id="match-{match_id}"'):]
    article = article[:article.index("</article>")]
    found = re.search(r'<form method="post" action="([^"]*/checkin/[^"/]*)"', article)  # not its /rematch
    return html.unescape(found.group(1)) if found else None


async def _sent(pool: asyncpg.Pool, match_id: uuid.UUID) -> None:
    """The check-in email was requested (lifecycle_jobs.send_checkins marks it so)."""
    await pool.execute("UPDATE matches SET checkin_sent_at = now() WHERE id = $1", match_id)


async def test_a_sent_check_in_is_answered_from_the_manage_page_as_from_its_email(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer = await _registered(intake_client, pool, "newcomers", name="Olena Shevchuk", preferred_locale="en")
    mentor = await _registered(intake_client, pool, "mentors", name="Jörg Müller", preferred_locale="en")
    due = await _match(pool, "mentor", newcomer, mentor, "active")
    not_yet = await _match(pool, "mentor", newcomer,
                           await _registered(intake_client, pool, "mentors", name="Anna Schmidt"), "active")
    await _sent(pool, due)

    page = await (await intake_client.get(manage_link(newcomer))).text()
    action = _checkin_action(page, due)
    assert action is not None
    words = _text(page)
    for choice in ("How is it going so far?", "Good", "Not sure yet", "Not a good fit",
                   "Anything you want to tell the welcome centre? (optional)"):
        assert choice in words
    assert f'id="checkin-{due}-bad"' in page  # ids kept apart per match
    assert _checkin_action(page, not_yet) is None  # running, but its check-in is not sent yet

    answered = await intake_client.post(action, data={"answer": "bad", "comment": "We never met."},
                                        allow_redirects=False)
    assert answered.status == 303 and "/done?answer=bad" in answered.headers["Location"]
    row = await pool.fetchrow("SELECT answer, comment, side FROM checkins WHERE match_id = $1", due)
    assert (row["answer"], row["comment"], row["side"]) == ("bad", "We never met.", "newcomer")
    assert await pool.fetchval("SELECT flag_code FROM matches WHERE id = $1", due) == "checkin_bad_newcomer"
    thanks = _text(await (await intake_client.get(answered.headers["Location"])).text())
    assert "Thank you for your answer" in thanks and "Yes, please find someone else" in thanks

    # Answered: the manage page asks no more; it shows the answer, with a link to change it on the
    # check-in's page and the re-match offer (test_manage_checkin_answer.py).
    page = await (await intake_client.get(manage_link(newcomer))).text()
    assert _checkin_action(page, due) is None


async def test_the_manage_page_asks_whom_the_check_in_email_asks(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer = await _registered(intake_client, pool, "newcomers", preferred_locale="en")
    mentor = await _registered(intake_client, pool, "mentors", preferred_locale="en")
    employer = await _registered(intake_client, pool, "employers", preferred_locale="en")
    position = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1", employer)
    with_mentor = await _match(pool, "mentor", newcomer, mentor, "active")
    with_job = await _match(pool, "employer", newcomer, position, "active")
    for match_id in (with_mentor, with_job):
        await _sent(pool, match_id)

    # The mentor is asked, and so is the employer, with its own choices (test_organisation_checkin).
    assert _checkin_action(await (await intake_client.get(manage_link(mentor))).text(), with_mentor)
    assert _checkin_action(await (await intake_client.get(manage_link(employer))).text(), with_job)
    # One side's answer leaves the other's question open; "Good" flags nothing.
    action = _checkin_action(await (await intake_client.get(manage_link(mentor))).text(), with_mentor)
    assert action is not None
    assert (await intake_client.post(action, data={"answer": "good"}, allow_redirects=False)).status == 303
    answer = await pool.fetchrow("SELECT answer, side FROM checkins WHERE match_id = $1", with_mentor)
    assert (answer["answer"], answer["side"]) == ("good", "counterpart")  # recorded, so "flags nothing" means something
    assert await pool.fetchval("SELECT flagged_at FROM matches WHERE id = $1", with_mentor) is None
    page = await (await intake_client.get(manage_link(newcomer))).text()
    assert _checkin_action(page, with_mentor) and _checkin_action(page, with_job)
    assert _checkin_action(await (await intake_client.get(manage_link(mentor))).text(), with_mentor) is None


async def test_after_a_change_of_address_the_check_in_is_given_on_the_page_the_new_link_opens(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer, _introduced, active = await _matches(intake_client, pool, unique_email("lan"))
    await _sent(pool, active)
    await _change_address(intake_client, pool, newcomer)

    page = await (await intake_client.get(manage_link(newcomer))).text()
    action = _checkin_action(page, active)
    assert action is not None and '<html lang="vi"' in page
    assert (await intake_client.post(action, data={"answer": "unsure"}, allow_redirects=False)).status == 303
    assert await pool.fetchval("SELECT answer FROM checkins WHERE match_id = $1", active) == "unsure"
