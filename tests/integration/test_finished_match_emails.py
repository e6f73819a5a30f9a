"""The emails around the end of a match, read from the sent mails (review 8d, findings 1 and 10):
a mentor match finished as "it went well" thanks the other side and tells a newcomer how to ask for
a mentor again, without "the other side ended it, we are looking for someone new"; a coordinator's
withdrawal of an introduction the other side never answered says so to the side that said yes; the
reminder says what happens without an answer; and a long-running mentor match is asked "still
going?" every CHECKIN_AGAIN_EVERY, with a link to the end step."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import timedelta

import asyncpg

from lotse.intake import lifecycle, lifecycle_jobs
from lotse.shared.mailsink import MailSink
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import (
    FastRetries,
    Person,
    add_course,
    add_match,
    add_participant,
    deliver_all,
    notify,
    to,
)
from tests.integration.test_match_end_reason import _coordinator


def _words(sink: MailSink, person: Person) -> str:
    """Everything mailed to `person`, subjects and texts, with line breaks folded."""
    return " ".join(" ".join(f"{m.subject} {m.text}".split()) for m in to(sink, person.email))


async def _sent(pool: asyncpg.Pool, delivery: FastRetries) -> None:
    await notify(pool)
    await pool.execute("DELETE FROM outbox")
    await deliver_all(delivery)


async def _running(pool: asyncpg.Pool, newcomer_locale: str, mentor_locale: str) -> tuple[Person, Person, uuid.UUID]:
    newcomer = await add_participant(pool, "newcomer", name="Олена Коваль", locale=newcomer_locale)
    mentor = await add_participant(pool, "mentor", name="Martina Fischer", locale=mentor_locale)
    match_id = await add_match(pool, "mentor", newcomer, mentor.id, status="active")
    await pool.execute("UPDATE matches SET active_at = now() - interval '40 days' WHERE id = $1", match_id)
    return newcomer, mentor, match_id


async def test_a_mentor_finishing_thanks_the_newcomer_and_says_how_to_ask_again(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    newcomer, mentor, match_id = await _running(pool, "uk", "de")
    async with pool.acquire() as conn, conn.transaction():
        await lifecycle.complete_by_participant(conn, match_id, mentor.id, "Alles Wichtige ist erledigt.")
    await _sent(pool, delivery)

    olena = _words(sink, newcomer)
    assert "Людина, яка вас наставляла, повідомила нам, що ви обоє завершили і що все пройшло добре." in olena
    assert "натисніть «Я знову хочу мати ментора» на своїй сторінці" in olena
    # Not the words of a match that was dropped, nor the promise of a search that does not start.
    assert "Інша сторона завершила пару" not in olena and "Ми шукаємо для вас когось нового" not in olena
    assert "Alles Wichtige" not in olena  # her words are for the welcome centre

    martina = _words(sink, mentor)
    assert "Danke, dass Sie uns Bescheid gegeben haben, dass Sie fertig sind." in martina
    assert "Ihr Platz ist wieder frei." in martina


async def test_a_newcomer_finishing_is_told_to_the_mentor_in_english(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    newcomer, mentor, match_id = await _running(pool, "en", "en")
    async with pool.acquire() as conn, conn.transaction():
        await lifecycle.complete_by_participant(conn, match_id, newcomer.id, None)
    await _sent(pool, delivery)
    assert "The newcomer has told us that the two of you are done and that it went well." in _words(sink, mentor)
    own = _words(sink, newcomer)
    assert "Thank you for letting us know that you are done." in own
    assert "press “I would like a mentor again” on your page (link below)" in own


async def test_a_withdrawn_unanswered_introduction_says_the_other_side_did_not_answer(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    newcomer = await add_participant(pool, "newcomer", name="Katarzyna Nowak", locale="en")
    mentor = await add_participant(pool, "mentor", name="Martina Fischer", locale="de")
    match_id = await add_match(pool, "mentor", newcomer, mentor.id, status="introduced")
    async with pool.acquire() as conn, conn.transaction():
        await lifecycle.respond(conn, match_id, mentor.id, "accept", None)
        await lifecycle.end_match(conn, await _coordinator(conn), match_id, "cancelled",
                                  "Katarzyna telefonisch nicht erreichbar")
    await _sent(pool, delivery)

    martina = _words(sink, mentor)
    assert "das Welcome Center hat diese Vorstellung zurückgezogen, weil die andere Seite nicht geantwortet hat." \
        in martina
    assert "Das Welcome Center hat dieses Match beendet." not in martina and "Ihr Match ist beendet" not in martina
    assert "telefonisch" not in martina
    # The side that never answered reads what it did before.
    assert "The welcome centre has ended this match." in _words(sink, newcomer)


async def test_a_coordinator_ending_a_running_match_still_says_so(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    newcomer, mentor, match_id = await _running(pool, "en", "de")
    async with pool.acquire() as conn, conn.transaction():
        await lifecycle.end_match(conn, await _coordinator(conn), match_id, "cancelled", "moved away")
    await _sent(pool, delivery)
    assert "Das Welcome Center hat dieses Match beendet." in _words(sink, mentor)
    assert "did not answer" not in _words(sink, newcomer)


async def test_the_reminder_says_what_happens_without_an_answer(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    newcomer = await add_participant(pool, "newcomer", name="Li Wei", locale="zh")
    mentor = await add_participant(pool, "mentor", name="Renate Vogel", locale="de")
    match_id = await add_match(pool, "mentor", newcomer, mentor.id, status="introduced")
    await pool.execute("UPDATE matches SET introduced_at = now() - interval '8 days' WHERE id = $1", match_id)
    async with pool.acquire() as conn, conn.transaction():
        assert await lifecycle_jobs.send_reminders(conn) == 1
    await _sent(pool, delivery)
    assert "Wenn Sie innerhalb einer Woche nicht antworten, sieht sich das Welcome Center diese Vorstellung an" \
        in _words(sink, mentor)
    assert "如果您在一周内没有回复，欢迎中心将查看这次介绍" in _words(sink, newcomer)
    # The week is the job's: the flag comes FLAG_AFTER_REMINDER after the reminder.
    assert timedelta(days=7) == lifecycle_jobs.FLAG_AFTER_REMINDER


async def test_a_long_running_mentor_match_is_asked_still_going_with_a_link_to_finish_it(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink, intake_client: IntakeClient
) -> None:
    # The test app runs its own lifecycle pass at start: no moment of this setup may leave a first
    # check-in due (the matches become active with it sent, in one statement), and which pass asks
    # "still going?" does not matter, only that it is asked once and only for the mentor match.
    newcomer = await add_participant(pool, "newcomer", name="Олена Коваль", locale="en")
    mentor = await add_participant(pool, "mentor", name="Martina Fischer", locale="de")
    match_id = await add_match(pool, "mentor", newcomer, mentor.id)
    provider = await add_participant(pool, "language_provider", name="VHS Gera", locale="de")
    course = await add_course(pool, provider, title="Deutsch A2", schedule="evening",
                              starts_on=(await pool.fetchval("SELECT current_date - 100")))
    course_match = await add_match(pool, "language_course", newcomer, course)
    await pool.execute("""UPDATE matches SET status = 'active', active_at = now() - interval '113 days',
                                             checkin_sent_at = now() - interval '92 days'
                          WHERE id = ANY($1::uuid[])""", [match_id, course_match])

    await _one_pass(pool)
    asked = dict(await pool.fetch("SELECT id, checkin_again_sent_at IS NOT NULL FROM matches WHERE id = ANY($1)",
                                  [match_id, course_match]))
    assert asked == {match_id: True, course_match: False}  # the course is not asked
    assert (await _one_pass(pool))["checkins_again"] == 0  # once, not every pass
    await _sent(pool, delivery)

    mails = to(sink, newcomer.email)
    assert [m.subject for m in mails] == ["Still going? – Martina Fischer"]
    text = " ".join(mails[0].text.split())
    assert "some months ago you both said yes to this match:" in text
    assert "Are you done? Then please tell us here whether it went well or could not go on." in text
    assert "Läuft es noch?" in _words(sink, mentor)
    end_url = re.search(r"https?://\S+\?end=" + str(match_id), mails[0].text)
    assert end_url is not None
    path = "/manage/" + end_url.group(0).split("/manage/", 1)[1]
    page = " ".join((await (await intake_client.get(path)).text()).split())
    assert "We are done – it went well" in page and "I cannot continue" in page

    # Asked again a CHECKIN_AGAIN_EVERY later, while it runs.
    await pool.execute("UPDATE matches SET checkin_again_sent_at = now() - interval '92 days' WHERE id = $1", match_id)
    await _one_pass(pool)
    assert await pool.fetchval("SELECT checkin_again_sent_at > now() - interval '1 hour' FROM matches WHERE id = $1",
                               match_id)


async def _one_pass(pool: asyncpg.Pool) -> dict[str, int]:
    """A lifecycle pass of the test's own; the test app's pass may hold the lock a moment."""
    for _ in range(100):
        if (counts := await lifecycle_jobs.run_once(pool)) is not None:
            return counts
        await asyncio.sleep(0.05)
    raise AssertionError("the lifecycle jobs' lock stayed taken")



async def test_a_late_first_check_in_is_followed_by_still_going_91_days_after_it_was_sent(
    pool: asyncpg.Pool,
) -> None:
    # Both said yes 100 days ago, but the first check-in is only due now (a pair put in touch late):
    # "How is it going so far?" goes out, "Still going?" CHECKIN_AGAIN_EVERY after it was sent (not
    # after it was due, which left some 70 days), and again as long after that (docs/decisions.md).
    _, _, match_id = await _running(pool, "en", "de")
    await pool.execute("UPDATE matches SET active_at = now() - interval '100 days' WHERE id = $1", match_id)
    counts = await lifecycle_jobs.run_once(pool)
    assert counts is not None and (counts["checkins"], counts["checkins_again"]) == (1, 0)

    every = lifecycle_jobs.CHECKIN_AGAIN_EVERY
    assert every == timedelta(days=91)
    hour = timedelta(hours=1)
    for since_sent, asked in [(timedelta(days=71), 0), (every - hour, 0), (every + hour, 1)]:
        await pool.execute("UPDATE matches SET checkin_sent_at = now() - $2::interval WHERE id = $1",
                           match_id, since_sent)
        assert (await lifecycle_jobs.run_once(pool) or {})["checkins_again"] == asked, since_sent
    await pool.execute("UPDATE matches SET checkin_sent_at = now() - interval '300 days', "
                       "checkin_again_sent_at = now() - $2::interval WHERE id = $1", match_id, every - hour)
    assert (await lifecycle_jobs.run_once(pool) or {})["checkins_again"] == 0  # 91 days after the previous one
    await pool.execute("UPDATE matches SET checkin_again_sent_at = now() - $2::interval WHERE id = $1",
                       match_id, every + hour)
    assert (await lifecycle_jobs.run_once(pool) or {})["checkins_again"] == 1
