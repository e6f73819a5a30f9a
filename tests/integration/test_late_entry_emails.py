"""Late-entry courses in the introduction: both sides read when a begun course started and until
when newcomers can still join it, and not that it "starts soon"."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import asyncpg
from aio_pika.abc import AbstractRobustConnection

from lotse.shared import events, reference
from lotse.shared.mailsink import MailSink
from tests.integration.notifier_fixtures import (
    Person,
    RunningNotifier,
    add_course,
    add_match,
    add_participant,
    mails_to,
    match_event,
    publish,
)
from tests.mail_text import unwrapped


def _started() -> date:
    """The course's start, ten days before Thuringia's today."""
    return reference.today() - timedelta(days=10)


async def _late_entry_match(pool: asyncpg.Pool) -> tuple[Person, Person, uuid.UUID, uuid.UUID]:
    """VHS Erfurt's course begun ten days ago with four weeks of late entry, and Olena's match for it."""
    vhs = await add_participant(pool, "language_provider", name="Jana Wendt", locale="de",
                                profile={"organisation": "VHS Erfurt"})
    newcomer = await add_participant(pool, "newcomer", name="Olena Koval", locale="en")
    course = await add_course(pool, vhs, title="Integrationskurs", schedule="evening", starts_on=_started())
    await pool.execute("UPDATE courses SET late_entry_weeks = 4 WHERE id = $1", course)
    return vhs, newcomer, course, await add_match(pool, "language_course", newcomer, course)


async def test_both_sides_introduction_says_the_course_started_and_late_entry_is_possible(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    vhs, newcomer, course, match_id = await _late_entry_match(pool)
    await pool.execute(
        """UPDATE matches SET explanation = '[{"factor": "start", "contribution": 0.3, "detail": "x"}]'
           WHERE id = $1""", match_id)
    await publish(amqp, match_event(events.MATCH_INTRODUCED, match_id, "language_course", newcomer, course))
    [to_newcomer] = await mails_to(sink, newcomer.email)
    [to_provider] = await mails_to(sink, vhs.email)
    started, until = _started(), _started() + timedelta(weeks=4)
    assert (f"The course started on {started.day} {started:%B} {started.year}; late entry is possible until "
            f"{until.day} {until:%B} {until.year}.") in unwrapped(to_newcomer.text)
    assert ("Starts on" not in unwrapped(to_newcomer.text)
            and "The course starts soon." not in unwrapped(to_newcomer.text))
    assert (f"Der Kurs hat am {started.day}. " in unwrapped(to_provider.text)
            and f"begonnen; ein späterer Einstieg ist bis zum {until.day}. " in unwrapped(to_provider.text))


async def test_the_both_said_yes_email_says_the_course_started_and_until_when_one_can_join(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    """It said "Starts on <ten days ago>." of a course under way, as the introduction did before c26cb18."""
    from tests.integration.test_match_active import both_accept, relay

    vhs, newcomer, _, match_id = await _late_entry_match(pool)
    await both_accept(pool, match_id, newcomer, vhs)
    await relay(pool, amqp)
    [to_newcomer] = await mails_to(sink, newcomer.email)
    started, until = _started(), _started() + timedelta(weeks=4)
    assert (f"The course started on {started.day} {started:%B} {started.year}; late entry is possible until "
            f"{until.day} {until:%B} {until.year}.") in unwrapped(to_newcomer.text)
    assert "Starts on" not in unwrapped(to_newcomer.text)
