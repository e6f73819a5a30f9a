"""Review 8a, finding 5: employers and course providers are asked how a match went, at the same time
as the newcomer, in their language, with answers of their kind: hired / still talking / did not come
about; attending / stopped attending / never started. Recorded as every check-in (a history per side);
"did not come about", "never started" and "stopped attending" flag the match for a coordinator
(matches.FLAG_CHECKIN_DID_NOT_HAPPEN), shown on the dashboard; the manage page offers the check-in."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import asyncpg
import pytest
from aio_pika.abc import AbstractRobustConnection

from lotse.intake import lifecycle_jobs
from lotse.shared import events, matches, tokens
from lotse.shared.mailsink import MailSink
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import (
    PUBLIC_URL,
    Person,
    RunningNotifier,
    add_course,
    add_match,
    add_participant,
    add_position,
    mails_to,
    publish,
)
from tests.integration.test_dashboard import login
from tests.integration.test_manage_checkin import _checkin_action
from tests.integration.test_match_life import _link
from tests.integration.test_own_matches import _text
from tests.integration.test_self_service import manage_link

FLAG = "SELECT flag_code FROM matches WHERE id = $1"


async def _people(pool: asyncpg.Pool) -> tuple[Person, Person, Person]:
    return (await add_participant(pool, "newcomer", name="Оксана Мельник", locale="uk"),
            await add_participant(pool, "employer", name="Katrin Böhme", locale="de",
                                  profile={"organisation": "Seniorenresidenz Am Hofwiesenpark"}),
            await add_participant(pool, "language_provider", name="Jana Wendt", locale="en",
                                  profile={"organisation": "VHS Erfurt"}))


async def _job_and_course(pool: asyncpg.Pool) -> tuple[Person, Person, Person, uuid.UUID, uuid.UUID]:
    oksana, employer, provider = await _people(pool)
    position = await add_position(pool, employer, title="Pflegehelfer/in")
    course = await add_course(pool, provider, title="Deutsch B1 am Abend", schedule="evening",
                              starts_on=date.today() - timedelta(days=30))
    job = await add_match(pool, "employer", oksana, position, status="active")
    seat = await add_match(pool, "language_course", oksana, course, status="active")
    return oksana, employer, provider, job, seat


async def test_the_check_in_asks_the_employer_and_the_course_provider_too(pool: asyncpg.Pool) -> None:
    oksana, employer, provider, job, seat = await _job_and_course(pool)
    await pool.execute("UPDATE matches SET active_at = now() - interval '22 days' WHERE id = ANY($1::uuid[])",
                       [job, seat])
    counts = await lifecycle_jobs.run_once(pool)
    assert counts is not None and counts["checkins"] == 2
    asked = {(r["match_id"], r["participant_id"]) for r in await pool.fetch(
        """SELECT payload->>'match_id' AS match_id, payload->>'participant_id' AS participant_id FROM outbox
           WHERE payload->>'notification' = 'checkin'""")}
    assert asked == {(str(job), str(oksana.id)), (str(job), str(employer.id)),
                     (str(seat), str(oksana.id)), (str(seat), str(provider.id))}


@pytest.mark.parametrize(("kind", "words"), [
    ("employer", "ob Sie die Person eingestellt haben, noch mit ihr im Gespräch sind oder ob es nicht zustande kam"),
    ("language_course", "whether they are attending the course, have stopped attending, or never started"),
])
async def test_the_organisations_check_in_email_asks_its_own_question_in_its_language(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
    kind: str, words: str,
) -> None:
    _oksana, employer, provider, job, seat = await _job_and_course(pool)
    owner, match_id = (employer, job) if kind == "employer" else (provider, seat)
    await publish(amqp, events.new_event(events.NOTIFICATION_REQUESTED, notification="checkin",
                                         participant_id=owner.id, match_id=match_id))
    [mail] = await mails_to(sink, owner.email)
    text = " ".join(mail.text.split())
    assert words in text and f"{PUBLIC_URL}/checkin/" in text and "Оксана Мельник" in text
    assert "not a good fit" not in text and "passt nicht" not in text


async def test_an_employer_answers_hired_or_did_not_come_about_and_the_coordinator_sees_it(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    _oksana, employer, _provider, job, _seat = await _job_and_course(pool)
    link = f"/checkin/{_link(tokens.CHECKIN, job, employer.id)}"
    page = await (await intake_client.get(f"{link}?lang=en")).text()
    words = _text(page)
    assert "Hired" in words and "Still talking" in words and "It did not come about" in words
    assert 'value="good"' not in page and 'value="bad"' not in page
    # A newcomer's answer is not one of an employer's.
    assert (await intake_client.post(link, data={"answer": "bad"}, allow_redirects=False)).status == 422

    answered = await intake_client.post(link, data={"answer": "not_hired", "comment": "Kam nie zum Probetag."},
                                        allow_redirects=False)
    assert answered.status == 303
    assert await pool.fetchval(FLAG, job) == matches.FLAG_CHECKIN_DID_NOT_HAPPEN
    thanks = _text(await (await intake_client.get(answered.headers["Location"] + "&lang=en")).text())
    assert "we can end this match now, so the place is free again" in thanks
    assert "Yes, end this match and suggest someone else" in thanks

    label = "Nachfrage – Arbeitgeber: kam nicht zustande"  # who said what (review 8c, finding 7)
    listed = _text(await (await intake_client.get("/dashboard/matches", params={"flagged": "1", "lang": "de"})).text())
    assert label in listed
    shown = _text(await (await intake_client.get(f"/dashboard/matches/{job}", params={"lang": "de"})).text())
    assert label in shown and "kam nicht zustande" in shown and "Kam nie zum Probetag." in shown
    person = _text(await (await intake_client.get(f"/dashboard/participants/{employer.id}",
                                                  params={"lang": "de"})).text())
    assert "kam nicht zustande" in person

    # Hired after all: the flag goes; the opening stays held by the match, nothing to lower.
    answered = await intake_client.post(link, data={"answer": "hired"}, allow_redirects=False)
    assert await pool.fetchval(FLAG, job) is None
    thanks = _text(await (await intake_client.get(answered.headers["Location"] + "&lang=en")).text())
    assert "there is no need to change the number of openings" in thanks
    assert [r["answer"] for r in await pool.fetch(
        "SELECT answer FROM checkins WHERE match_id = $1 ORDER BY id", job)] == ["not_hired", "hired"]


async def test_a_course_provider_answers_never_started_and_it_flags(pool: asyncpg.Pool,
                                                                   intake_client: IntakeClient) -> None:
    oksana, _employer, provider, _job, seat = await _job_and_course(pool)
    link = f"/checkin/{_link(tokens.CHECKIN, seat, provider.id)}"
    words = _text(await (await intake_client.get(link)).text())
    assert "Attending the course" in words and "Stopped attending" in words and "Never started" in words
    for answer, flag in [("attending", None), ("not_started", matches.FLAG_CHECKIN_DID_NOT_HAPPEN),
                         ("attending", None), ("stopped", matches.FLAG_CHECKIN_DID_NOT_HAPPEN)]:
        assert (await intake_client.post(link, data={"answer": answer}, allow_redirects=False)).status == 303
        assert await pool.fetchval(FLAG, seat) == flag, answer
    # The newcomer's "not a good fit" says more about the newcomer's side and takes over when it comes last.
    newcomer_link = f"/checkin/{_link(tokens.CHECKIN, seat, oksana.id)}"
    assert (await intake_client.post(newcomer_link, data={"answer": "bad"}, allow_redirects=False)).status == 303
    assert await pool.fetchval(FLAG, seat) == matches.FLAG_CHECKIN_NEWCOMER
    # The provider cannot answer with the newcomer's words.
    assert (await intake_client.post(link, data={"answer": "good"}, allow_redirects=False)).status == 422


async def test_the_manage_page_offers_the_organisation_its_due_check_in(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    _oksana, employer, provider, job, seat = await _job_and_course(pool)
    assert _checkin_action(await (await intake_client.get(manage_link(employer.id))).text(), job) is None
    await pool.execute("UPDATE matches SET checkin_sent_at = now() WHERE id = ANY($1::uuid[])", [job, seat])

    page = await (await intake_client.get(manage_link(employer.id) + "?lang=en")).text()
    action = _checkin_action(page, job)
    assert action is not None and f'id="checkin-{job}-not_hired"' in page and f'id="checkin-{job}-bad"' not in page
    assert "Still talking" in _text(page)
    assert (await intake_client.post(action, data={"answer": "talking"}, allow_redirects=False)).status == 303
    assert await pool.fetchval("SELECT answer FROM checkins WHERE match_id = $1", job) == "talking"
    assert await pool.fetchval(FLAG, job) is None

    page = await (await intake_client.get(manage_link(provider.id) + "?lang=en")).text()
    assert _checkin_action(page, seat) is not None and f'id="checkin-{seat}-never_started"' not in page
    assert f'id="checkin-{seat}-not_started"' in page and "Never started" in _text(page)
