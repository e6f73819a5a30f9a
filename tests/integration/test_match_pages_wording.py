"""The pages behind introduction and check-in links after a match ended or a person erased their
data, and what each side reads there (review 5, findings 2, 5 and 15)."""

from __future__ import annotations

import re
import uuid

import asyncpg
import pytest

from lotse.intake import privacy
from lotse.shared import tokens
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import employer_payload, mentor_payload, newcomer_payload, provider_payload
from tests.integration.test_match_life import _introduced, _link, _verified
from tests.integration.test_self_service import manage_link


def _text(page: str) -> str:
    """The page's words (a name's <bdi> is not a word)."""
    return " ".join(re.sub(r"<[^>]+>", "", page).split())


async def _get(client: IntakeClient, purpose: str, match_id: uuid.UUID, participant_id: uuid.UUID,
               lang: str = "en") -> tuple[int, str]:
    path = "respond" if purpose == tokens.RESPOND else "checkin"
    page = await client.get(f"/{path}/{_link(purpose, match_id, participant_id)}", params={"lang": lang})
    return page.status, _text(await page.text())


async def _introduced_of_kind(intake_client: IntakeClient, pool: asyncpg.Pool,
                             kind: str) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """A newcomer introduced to a mentor, a course or a job: (match, newcomer, mentor or the offer's owner)."""
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    if kind == "employer":
        owner = await _verified(intake_client, pool, "/api/v1/employers", employer_payload())
        counterpart = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1", owner)
    elif kind == "language_course":
        owner = await _verified(intake_client, pool, "/api/v1/language-providers", provider_payload())
        counterpart = await pool.fetchval("SELECT id FROM courses WHERE provider_id = $1", owner)
    else:
        owner = counterpart = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    return await _introduced(pool, newcomer, counterpart, kind), newcomer, owner


async def _erase(pool: asyncpg.Pool, participant_id: uuid.UUID) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await privacy.erase(conn, participant_id)


async def test_an_erased_newcomers_links_are_gone_and_the_mentor_reads_that_the_match_ended(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(preferred_locale="de"))
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    match_id = await _introduced(pool, newcomer, mentor)
    await pool.execute("UPDATE matches SET status = 'active' WHERE id = $1", match_id)
    await pool.execute("INSERT INTO match_responses (match_id, participant_id, side, answer) VALUES "
                       "($1, $2, 'newcomer', 'accept'), ($1, $3, 'counterpart', 'accept')",
                       match_id, newcomer, mentor)
    await _erase(pool, newcomer)
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", match_id) == "cancelled"

    for purpose in (tokens.RESPOND, tokens.CHECKIN):
        status, page = await _get(intake_client, purpose, match_id, newcomer, lang="")
        assert status == 410 and "This registration no longer exists" not in page  # in the person's German
        assert "Diese Anmeldung gibt es nicht mehr" in page and "Thomas Berger" not in page
    posted = await intake_client.post(f"/respond/{_link(tokens.RESPOND, match_id, newcomer)}",
                                      data={"answer": "decline"})
    assert posted.status == 410

    status, page = await _get(intake_client, tokens.RESPOND, match_id, mentor)
    assert status == 200
    assert "Newcomer: Someone who has deleted their data" in page and "None" not in page
    assert "This match has ended." in page and "You have accepted" not in page and 'name="answer"' not in page
    status, page = await _get(intake_client, tokens.RESPOND, match_id, mentor, lang="uk")
    assert "Людина, яка видалила свої дані" in page and "None" not in page
    status, page = await _get(intake_client, tokens.CHECKIN, match_id, mentor)
    assert "Someone who has deleted their data" in page and "This match has ended." in page


async def test_a_newcomer_sees_an_erased_course_provider_as_deleted_not_as_none(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    provider = await _verified(intake_client, pool, "/api/v1/language-providers", provider_payload())
    course = await pool.fetchval("SELECT id FROM courses WHERE provider_id = $1 LIMIT 1", provider)
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    match_id = await _introduced(pool, newcomer, course, "language_course")
    await _erase(pool, provider)
    status, page = await _get(intake_client, tokens.RESPOND, match_id, newcomer)
    assert status == 200 and "Someone who has deleted their data" in page and "None" not in page
    assert "This match has ended." in page and 'name="answer"' not in page
    # The manage page's list says the same (it printed the course with "(None)" for the organisation).
    listing = _text(await (await intake_client.get(f"{manage_link(newcomer)}?lang=en")).text())
    assert "Someone who has deleted their data" in listing and "None" not in listing


@pytest.mark.parametrize("status", ["cancelled", "completed"])
async def test_an_ended_match_says_so_instead_of_the_old_answer(
    intake_client: IntakeClient, pool: asyncpg.Pool, status: str
) -> None:
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    match_id = await _introduced(pool, newcomer, mentor)
    await pool.execute("INSERT INTO match_responses (match_id, participant_id, side, answer) "
                       "VALUES ($1, $2, 'newcomer', 'accept')", match_id, newcomer)
    await pool.execute("UPDATE matches SET status = $2 WHERE id = $1", match_id, status)
    code, page = await _get(intake_client, tokens.RESPOND, match_id, newcomer)
    assert code == 200 and "Your mentor: Thomas Berger" in page
    assert "This match has ended. Nothing more to do here." in page and "You have accepted" not in page
    code, page = await _get(intake_client, tokens.RESPOND, match_id, mentor)
    assert "This match has ended." in page and 'name="answer"' not in page
    vi = (await (await intake_client.get(f"/respond/{_link(tokens.RESPOND, match_id, newcomer)}")).text())
    assert "Bạn đã đồng ý lời giới thiệu này" not in vi  # the reviewer's Lan, in her own language


async def test_a_declined_introduction_says_the_decline_and_the_other_side_reads_it_ended(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    employer = await _verified(intake_client, pool, "/api/v1/employers", employer_payload())
    position = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1", employer)
    match_id = await _introduced(pool, newcomer, position, "employer")
    link = f"/respond/{_link(tokens.RESPOND, match_id, newcomer)}"
    done = _text(await (await intake_client.post(f"{link}?lang=en", data={"answer": "decline"})).text())
    # Finding 15: the newcomer has no place to free; that sentence is the employer's.
    assert "You have declined. We will look for another suggestion for you." in done
    assert "The place is free again" not in done
    mine = _text(await (await intake_client.get(f"{link}?lang=en")).text())
    assert "You have declined this introduction." in mine
    _, theirs = await _get(intake_client, tokens.RESPOND, match_id, employer)
    assert "This introduction has ended." in theirs and 'name="answer"' not in theirs
    # On the manage pages, who declined (review 11b, L5: the employer's "Declined" read as its own).
    own = _text(await (await intake_client.get(f"{manage_link(newcomer)}?lang=en")).text())
    assert "You have declined this introduction." in own and "The other side declined" not in own
    other = _text(await (await intake_client.get(f"{manage_link(employer)}?lang=en")).text())
    assert "The other side declined. This introduction has ended." in other


async def test_a_counterpart_that_declines_frees_its_place(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    match_id = await _introduced(pool, newcomer, mentor)
    link = f"/respond/{_link(tokens.RESPOND, match_id, mentor)}?lang=en"
    done = _text(await (await intake_client.post(link, data={"answer": "decline"})).text())
    assert "You have declined. The place is free again" in done


@pytest.mark.parametrize(("kind", "lang", "line"), [
    ("language_course", "en", "Newcomer: Nguyễn Thị Lan, for the course: Deutsch B1 am Wochenende"),
    ("language_course", "de", "Neu in Thüringen: Nguyễn Thị Lan, für den Kurs: Deutsch B1 am Wochenende"),
    ("employer", "en", "Newcomer: Nguyễn Thị Lan, for the job: Elektroniker/in"),
    ("employer", "uk", "Новоприбула особа: Nguyễn Thị Lan, на вакансію: Elektroniker/in"),
])
async def test_the_answer_page_names_the_course_or_job_as_the_email_does(
    intake_client: IntakeClient, pool: asyncpg.Pool, kind: str, lang: str, line: str
) -> None:
    match_id, _, owner = await _introduced_of_kind(intake_client, pool, kind)
    status, page = await _get(intake_client, tokens.RESPOND, match_id, owner, lang=lang)
    assert status == 200 and line in page


@pytest.mark.parametrize(("kind", "lang", "button", "heading"), [
    ("language_course", "en", "Yes, please look for another course", "We look for another course"),
    ("employer", "en", "Yes, please look for another job", "We look for another job"),
    ("language_course", "vi", "Có, vui lòng tìm khóa học khác", "Chúng tôi tìm khóa học khác"),
    ("mentor", "en", "Yes, please find someone else", "We look for someone else"),
])
async def test_a_newcomer_not_happy_with_a_course_or_job_is_offered_another_one(
    intake_client: IntakeClient, pool: asyncpg.Pool, kind: str, lang: str, button: str, heading: str
) -> None:
    match_id, newcomer, owner = await _introduced_of_kind(intake_client, pool, kind)
    await pool.execute("UPDATE matches SET status = 'active', active_at = now() WHERE id = $1", match_id)
    link = f"/checkin/{_link(tokens.CHECKIN, match_id, newcomer)}"
    answered = _text(await (await intake_client.post(f"{link}?lang={lang}", data={"answer": "bad"})).text())
    assert button in answered
    if kind != "mentor":
        assert "find someone else" not in answered and "tìm người khác" not in answered
    ended = _text(await (await intake_client.post(f"{link}/rematch?lang={lang}")).text())
    assert heading in ended
    # The provider's or employer's own check-in still looks for someone else for its place.
    other = f"/checkin/{_link(tokens.CHECKIN, uuid.UUID(str(match_id)), owner)}/done?answer=bad&lang=en"
    await pool.execute("UPDATE matches SET status = 'active' WHERE id = $1", match_id)
    assert "Yes, please find someone else" in _text(await (await intake_client.get(other)).text())
