"""A newcomer still abroad and a course's start (review 8f, finding 2 and the polish item "starts
soon"), end to end: the running matcher, fed through real RabbitMQ, ranks an in-person course in
two months above one starting today for her; the provider's introduction says she is still abroad;
and "The course starts soon" is said only of a start within matches_db.STARTS_SOON_DAYS, never to
a newcomer abroad of an in-person course."""

from __future__ import annotations

import uuid
from datetime import timedelta

import aio_pika
import asyncpg
from aio_pika.abc import AbstractRobustConnection

from lotse.matcher.consumer import MatcherConsumer
from lotse.shared import events, reference
from lotse.shared.mailsink import MailSink
from lotse.shared.topology import declare_events_exchange
from tests.conftest import IntakeClient, eventually
from tests.integration.intake_fixtures import newcomer_payload, provider_payload
from tests.integration.notifier_fixtures import (
    RunningNotifier,
    add_course,
    add_match,
    add_participant,
    mails_to,
    match_event,
    publish,
)
from tests.integration.test_matcher import _verified, open_suggestions

SOON = "The course starts soon."


def _course(title: str, starts_in: int) -> dict[str, object]:
    """An in-person B1 evening course in Gera with childcare, as Lan (A2, Gera, a child of 4) wants."""
    return {"title": title, "level": "B1", "schedule": "evening", "format": "in_person", "district": "16052",
            "seats": 10, "starts_on": (reference.today() + timedelta(days=starts_in)).isoformat(),
            "childcare": True}


async def test_the_running_matcher_ranks_a_later_in_person_course_first_for_a_newcomer_abroad(
    intake_client: IntakeClient, pool: asyncpg.Pool, amqp: AbstractRobustConnection, clean_queues: None
) -> None:
    await _verified(intake_client, pool, "/api/v1/language-providers", provider_payload(
        courses=[_course("Deutsch B1 ab heute", 0), _course("Deutsch B1 in zwei Monaten", 60)]))
    abroad = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(arrival="abroad"))
    arrived = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(arrival="arrived"))
    matcher = MatcherConsumer(pool, amqp)
    await matcher.start()
    try:
        channel = await amqp.channel(publisher_confirms=True)
        exchange = await declare_events_exchange(channel)
        for newcomer in (abroad, arrived):
            event = events.new_event(events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
            await exchange.publish(aio_pika.Message(event.to_json(), message_id=str(event.id)),
                                   routing_key=event.type)
        await channel.close()

        async def both_suggested() -> bool:
            return all([len(await open_suggestions(pool, n, "language_course")) == 2 for n in (abroad, arrived)])

        await eventually(both_suggested, timeout=30)
    finally:
        await matcher.stop()

    async def titles(newcomer: uuid.UUID) -> list[str]:
        found = await open_suggestions(pool, newcomer, "language_course")
        return [await pool.fetchval("SELECT title FROM courses WHERE id = $1", m["counterpart_id"]) for m in found]

    assert await titles(abroad) == ["Deutsch B1 in zwei Monaten", "Deutsch B1 ab heute"]
    assert await titles(arrived) == ["Deutsch B1 ab heute", "Deutsch B1 in zwei Monaten"]  # as before
    [today] = [m for m in await open_suggestions(pool, abroad, "language_course")
               if m["features"]["start"] == 0.0]
    [start] = [e for e in today["explanation"] if e["factor"] == "start"]
    assert start["contribution"] == 0.0
    assert start["detail"].endswith("Still abroad: a course starting soon may come before arrival.")


async def _introduce(pool: asyncpg.Pool, amqp: AbstractRobustConnection, sink: MailSink, *, starts_in: int,
                     arrival: str) -> tuple[str, str]:
    """(the newcomer's, the provider's) introduction to an in-person course starting in `starts_in`
    days, whose start the matcher counted (a positive contribution, as before the rule)."""
    vhs = await add_participant(pool, "language_provider", name="Jana Wendt", locale="de",
                                profile={"organisation": "VHS Gera"})
    newcomer = await add_participant(pool, "newcomer", name=f"An {uuid.uuid4().hex[:6]}", locale="en",
                                     profile={"arrival": arrival})
    course = await add_course(pool, vhs, title="Deutsch A2", schedule="evening",
                              starts_on=reference.today() + timedelta(days=starts_in))
    match_id = await add_match(pool, "language_course", newcomer, course)
    await pool.execute(
        """UPDATE matches SET explanation = '[{"factor": "start", "contribution": 0.1, "detail": "x"}]'
           WHERE id = $1""", match_id)
    await publish(amqp, match_event(events.MATCH_INTRODUCED, match_id, "language_course", newcomer, course))
    [to_newcomer] = await mails_to(sink, newcomer.email)
    [to_provider] = await mails_to(sink, vhs.email)
    return to_newcomer.text, to_provider.text


async def test_the_provider_is_told_the_newcomer_is_still_abroad(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    to_newcomer, to_provider = await _introduce(pool, amqp, sink, starts_in=10, arrival="abroad")
    assert "ist noch im Ausland und noch nicht nach Thüringen gezogen." in to_provider
    # Ten days ahead is soon, but no reason for one still abroad: it may come before her arrival.
    assert SOON not in to_newcomer and "Der Kurs beginnt bald" not in to_provider
    to_newcomer, to_provider = await _introduce(pool, amqp, sink, starts_in=10, arrival="arrived")
    assert "noch im Ausland" not in to_provider
    assert SOON in to_newcomer and "Der Kurs beginnt bald" in to_provider


async def test_starts_soon_is_said_of_a_start_within_three_weeks_only(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    """Review 8f: "Starts on 23 January 2027. … The course starts soon." of a course 60 days away."""
    said = {days: await _introduce(pool, amqp, sink, starts_in=days, arrival="arrived") for days in (21, 22, 60)}
    assert SOON in said[21][0] and "Der Kurs beginnt bald" in said[21][1]
    for days in (22, 60):
        assert SOON not in said[days][0] and "Der Kurs beginnt bald" not in said[days][1]
        assert "Starts on" in said[days][0]  # the date itself is still given
