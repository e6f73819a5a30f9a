"""What an ended match's email tells the employer or course provider about the place it held
(review 8a, finding 6): a closed position or course stays closed, a started course is suggested to
nobody new, and an open position after a match that ran is free again, with the hint to lower the
openings once filled, in English too (it was only said after an erasure)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import asyncpg
from aio_pika.abc import AbstractRobustConnection

from lotse.shared import events
from lotse.shared.mailsink import MailSink
from tests.integration.notifier_fixtures import (
    Person,
    RunningNotifier,
    add_course,
    add_match,
    add_participant,
    add_position,
    mails_to,
    match_event,
    publish,
)
from tests.mail_text import unwrapped


async def _ended(pool: asyncpg.Pool, amqp: AbstractRobustConnection, sink: MailSink, kind: str,
                 owner: Person, counterpart_id: uuid.UUID) -> str:
    """The owner's email after the newcomer asked for a re-match of their running match."""
    newcomer = await add_participant(pool, "newcomer", name="Tomasz Wiśniewski", locale="pl")
    match_id = await add_match(pool, kind, newcomer, counterpart_id, status="cancelled",
                               end_reason="rematch_requested", ended_by_side="newcomer")
    await pool.execute("UPDATE matches SET active_at = now() - interval '30 days' WHERE id = $1", match_id)
    await publish(amqp, match_event(events.MATCH_ENDED, match_id, kind, newcomer, counterpart_id,
                                    outcome="cancelled", reason="rematch_requested", side="newcomer"))
    [mail] = await mails_to(sink, owner.email)
    return unwrapped(mail.text)


async def test_a_closed_position_stays_closed_and_an_open_one_is_free_with_the_hint(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    care_home = await add_participant(pool, "employer", name="Katrin Böhme", locale="de",
                                      profile={"organisation": "Seniorenresidenz Am Hofwiesenpark"})
    closed = await add_position(pool, care_home, title="Pflegehelfer/in")
    await pool.execute("UPDATE positions SET closed_at = now() WHERE id = $1", closed)
    text = await _ended(pool, amqp, sink, "employer", care_home, closed)
    assert "Die Stelle bleibt geschlossen: Lotse schlägt dafür niemand anderen vor." in text
    assert "wieder als frei" not in text and "wieder frei" not in text

    english = await add_participant(pool, "employer", name="Mary Smith", locale="en",
                                    profile={"organisation": "Helios Klinikum Gotha"})
    open_one = await add_position(pool, english, title="Care assistant")
    text = await _ended(pool, amqp, sink, "employer", english, open_one)
    assert ("Lotse counts the opening as free again and may suggest someone else for it. If you have filled it, "
            "you can lower the number of openings on your page (link below).") in text


async def test_a_started_or_closed_course_is_not_said_to_have_a_free_seat(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    vhs = await add_participant(pool, "language_provider", name="Jana Wendt", locale="en",
                                profile={"organisation": "Volkshochschule Erfurt"})
    started = await add_course(pool, vhs, title="Deutsch B2 Beruf", schedule="weekend",
                               starts_on=date.today() - timedelta(days=1))
    text = await _ended(pool, amqp, sink, "language_course", vhs, started)
    assert "The course has started, so Lotse suggests nobody new for it." in text
    assert "free again" not in text

    other = await add_participant(pool, "language_provider", name="Uwe Kraus", locale="de",
                                  profile={"organisation": "Sprachschule Jena"})
    closed = await add_course(pool, other, title="Deutsch A1", schedule="evening",
                              starts_on=date.today() + timedelta(days=10))
    await pool.execute("UPDATE courses SET closed_at = now() WHERE id = $1", closed)
    text = await _ended(pool, amqp, sink, "language_course", other, closed)
    assert "Der Kurs bleibt geschlossen: Lotse schlägt dafür niemand anderen vor." in text
