"""Emails about a match say which one: a course provider whose participant was erased learns which
of its courses has a seat free again (its own data, nothing of the erased person), and two check-ins
to the same newcomer (her mentor, her course) have subjects that tell them apart. The check-in's
link leads to a page with three answers and a comment field, so the email does not promise "one click"."""

from __future__ import annotations

from datetime import date

import asyncpg

from lotse.intake import privacy
from lotse.shared import events
from lotse.shared.mailsink import MailSink, StoredMessage
from tests.integration.notifier_fixtures import (
    FastRetries,
    Person,
    add_course,
    add_match,
    add_participant,
    add_position,
    deliver_all,
    notify,
    to,
)


async def _mail_after_erasure(pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink, newcomer: Person,
                              recipient: Person) -> StoredMessage:
    """The newcomer erased as intake does it, its events to the notifier: the one email to ``recipient``."""
    async with pool.acquire() as conn, conn.transaction():
        await privacy.erase(conn, newcomer.id)
    await notify(pool)
    await deliver_all(delivery)
    [mail] = to(sink, recipient.email)
    return mail


async def test_the_provider_learns_which_course_has_a_seat_free_after_an_erasure(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink,
) -> None:
    olena = await add_participant(pool, "newcomer", name="Олена Шевчук", locale="uk")
    school = await add_participant(pool, "language_provider", name="Sprachschule Jena", locale="de",
                                   profile={"organisation": "Sprachschule Jena"})
    await add_course(pool, school, title="Deutsch A2 abends", schedule="evening", starts_on=date(2027, 1, 11))
    course = await add_course(pool, school, title="Deutsch B1 am Wochenende", schedule="weekend",
                              starts_on=date(2027, 1, 11))
    await add_match(pool, "language_course", olena, course, status="active")
    mail = await _mail_after_erasure(pool, delivery, sink, olena, school)
    assert "Ihr Kurs: Deutsch B1 am Wochenende" in mail.text
    assert "Ihr Kurs: Deutsch B1 am Wochenende" in (mail.html or "")
    assert "Die neu zugezogene Person ist nicht mehr bei Lotse angemeldet." in mail.text
    assert "Олена" not in mail.text and "Deutsch A2" not in mail.text


async def test_the_employer_learns_which_position_is_open_again_after_an_erasure(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink,
) -> None:
    olena = await add_participant(pool, "newcomer", name="Олена Шевчук", locale="uk")
    hospital = await add_participant(pool, "employer", name="SRH Gera", locale="en",
                                     profile={"organisation": "SRH Wald-Klinikum Gera"})
    position = await add_position(pool, hospital, title="Nurse, night shifts")
    await add_match(pool, "employer", olena, position, status="active")
    mail = await _mail_after_erasure(pool, delivery, sink, olena, hospital)
    assert "Your position: Nurse, night shifts" in mail.text and "The position is open again." in mail.text


async def test_two_check_ins_to_one_newcomer_name_their_match_in_the_subject(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink,
) -> None:
    olena = await add_participant(pool, "newcomer", name="Олена Шевчук", locale="uk")
    mentor = await add_participant(pool, "mentor", name="Renate Albrecht", locale="de")
    school = await add_participant(pool, "language_provider", name="Sprachschule Jena", locale="de",
                                   profile={"organisation": "Sprachschule Jena"})
    course = await add_course(pool, school, title="Deutsch B1 am Wochenende", schedule="weekend",
                              starts_on=date(2026, 9, 7))
    with_mentor = await add_match(pool, "mentor", olena, mentor.id, status="active")
    in_course = await add_match(pool, "language_course", olena, course, status="active")
    await notify(pool, *(events.new_event(events.NOTIFICATION_REQUESTED, notification="checkin",
                                           participant_id=person, match_id=match)
                          for person, match in ((olena.id, with_mentor), (olena.id, in_course),
                                                (mentor.id, with_mentor))))
    await deliver_all(delivery)
    subjects = sorted(str(mail.headers["Subject"]) for mail in to(sink, olena.email))
    assert subjects == ["Як справи? – Deutsch B1 am Wochenende – Sprachschule Jena",
                        "Як справи? – Renate Albrecht"], subjects
    [to_mentor] = to(sink, mentor.email)
    assert str(to_mentor.headers["Subject"]) == "Wie läuft es? – Олена Шевчук (Olena Shevchuk)"
    assert "einem Klick" not in to_mentor.text and "Auf dieser Seite" in to_mentor.text
