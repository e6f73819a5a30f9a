"""The manage page's "Your matches" (review 4, finding 7): each side sees whom it was introduced to,
the state in plain words, the answer buttons while the introduction waits for it, and the other
side's address only once both said yes and both let it be passed on."""

from __future__ import annotations

import html
import re
import uuid

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.test_self_service import _registered, manage_link


async def _match(pool: asyncpg.Pool, kind: str, newcomer: uuid.UUID, counterpart: uuid.UUID, status: str) -> uuid.UUID:
    match_id = uuid.uuid4()
    await pool.execute(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation, status, decided_at,
                                introduced_at, active_at)
           VALUES ($1, $2, $3, $4, 0.7, '[]', $5, now(), now(),
                   CASE WHEN $5 = 'active' THEN now() END)""",
        match_id, kind, newcomer, counterpart, status,
    )
    return match_id


def _text(page: str) -> str:
    """The page's words; tags only where the test looks for them (a name's <bdi> is not a word)."""
    return " ".join(re.sub(r"</?bdi>", "", page).split())


async def test_a_newcomer_sees_their_matches_answers_one_and_reaches_only_who_shares(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer = await _registered(intake_client, pool, "newcomers", name="Olena Shevchuk", preferred_locale="en")
    mentor = await _registered(intake_client, pool, "mentors", name="Jörg Müller")
    other_mentor = await _registered(intake_client, pool, "mentors", name="Anna Schmidt")
    employer = await _registered(intake_client, pool, "employers")  # did not let its address be passed on
    position = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1", employer)
    introduced = await _match(pool, "mentor", newcomer, mentor, "introduced")
    await _match(pool, "mentor", newcomer, other_mentor, "active")
    await _match(pool, "employer", newcomer, position, "active")
    await _match(pool, "mentor", newcomer, await _registered(intake_client, pool, "mentors", name="Not Told"),
                 "suggested")
    mentor_email = await pool.fetchval("SELECT email FROM participants WHERE id = $1", other_mentor)

    link = manage_link(newcomer)
    page = await (await intake_client.get(link)).text()
    section = _text(page[page.index('<section id="matches">'):])
    section = section[:section.index("</section>")]
    assert "Your mentor: Jörg Müller" in section
    assert "Introduced: please tell us whether you would like to meet." in section
    assert "Your mentor: Anna Schmidt" in section and f'href="mailto:{mentor_email}"' in section
    assert "Job: Elektroniker/in at Elektro Richter GmbH" in section
    assert "The welcome centre puts you in touch." in section  # the employer shares no address
    assert "Not Told" not in section  # a suggestion is the welcome centre's, not yet the newcomer's
    employer_email = await pool.fetchval("SELECT email FROM participants WHERE id = $1", employer)
    assert employer_email not in page

    # The answer button posts to the introduction's own answer page, as the email's link does.
    found = re.search(r'<form method="post" action="([^"]*/respond/[^"]*)"', page)
    assert found is not None
    action = html.unescape(found.group(1))
    answered = await intake_client.post(action, data={"answer": "accept"}, allow_redirects=False)
    assert answered.status == 303
    assert await pool.fetchval("SELECT answer FROM match_responses WHERE match_id = $1", introduced) == "accept"
    page = _text(await (await intake_client.get(link)).text())
    assert "You have accepted. We are waiting for the other side's answer." in page
    assert "/respond/" not in page


async def test_a_mentor_sees_places_taken_and_an_employer_the_newcomer_but_no_family(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer = await _registered(intake_client, pool, "newcomers", name="Olena Shevchuk", preferred_locale="en",
                                 about="Two children, 4 and 9.")
    mentor = await _registered(intake_client, pool, "mentors", preferred_locale="en", capacity=2)
    await _match(pool, "mentor", newcomer, mentor, "active")
    page = _text(await (await intake_client.get(manage_link(mentor))).text())
    assert "Places taken: 1 of 2" in page and "Newcomer: Olena Shevchuk" in page
    earlier = await _registered(intake_client, pool, "newcomers", name="Taras Bondarenko", preferred_locale="en")
    await _match(pool, "mentor", earlier, mentor, "completed")
    page = _text(await (await intake_client.get(manage_link(mentor))).text())
    assert "Places taken: 1 of 2" in page and "Newcomer: Taras Bondarenko" in page  # shown, holds no place

    employer = await _registered(intake_client, pool, "employers", preferred_locale="en")
    position = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1", employer)
    await _match(pool, "employer", newcomer, position, "introduced")
    page = _text(await (await intake_client.get(manage_link(employer))).text())
    assert "Newcomer: Olena Shevchuk, for the job: Elektroniker/in" in page
    assert "Two children" not in page and "Places taken" not in page
    assert "Yes, I accept" in page

    nobody = await _registered(intake_client, pool, "mentors", preferred_locale="en")
    page = _text(await (await intake_client.get(manage_link(nobody))).text())
    assert "Nothing yet. When the welcome centre introduces you to someone, you will see it here." in page
    assert "Places taken: 0 of 1" in page


async def test_the_manage_page_offers_to_change_the_email_address(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """Review 4, finding 24: the address is changed on the page itself (test_email_change), so the
    page no longer tells people to register again and delete this registration."""
    newcomer = await _registered(intake_client, pool, "newcomers", preferred_locale="en")
    await _match(pool, "mentor", newcomer, await _registered(intake_client, pool, "mentors"), "active")
    page = _text(await (await intake_client.get(manage_link(newcomer))).text())
    assert "New e-mail address" in page and "Change e-mail address" in page
    assert "cannot be changed" not in page and "Deleting it ends your running matches" not in page
    page = _text(await (await intake_client.get(f"{manage_link(newcomer)}?lang=uk")).text())
    assert "Нова адреса електронної пошти" in page and "Адресу електронної пошти змінити не можна." not in page
