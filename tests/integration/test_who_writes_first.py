"""Review 8f, findings 5 and 6: once both said yes, each side is told who takes the first step (the
mentor writes first, the newcomer writes to the school to enrol, the employer invites to a
conversation; the side that waits writes itself after a week), and a newcomer introduced to a
mentor is told what a mentor is: a volunteer, unpaid, every two weeks over about three months, no
legal advice. A mentor and a newcomer are named by first name, a Cyrillic one in Latin letters for
a German reader (match_context.first_step_name).

Read from the mails the running notifier sends through real RabbitMQ and a real SMTP server."""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg
from aio_pika.abc import AbstractRobustConnection

from lotse.shared import events
from lotse.shared.mailsink import MailSink
from tests.integration.notifier_fixtures import (
    RunningNotifier,
    add_course,
    add_match,
    add_participant,
    add_position,
    mails_to,
    match_event,
    publish,
)
from tests.integration.test_match_active import both_accept, relay


def _flat(text: str) -> str:
    return " ".join(text.split())  # the text part wraps long lines


async def test_a_mentor_is_asked_to_write_first_and_the_newcomer_told_she_will(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    oksana = await add_participant(pool, "newcomer", name="Оксана Мельник", locale="uk")
    sabine = await add_participant(pool, "mentor", name="Sabine Krüger", locale="de")
    match_id = await add_match(pool, "mentor", oksana, sabine.id)
    await publish(amqp, match_event(events.MATCH_INTRODUCED, match_id, "mentor", oksana, sabine.id))
    [introduced] = await mails_to(sink, oksana.email)
    [to_sabine_first] = await mails_to(sink, sabine.email)

    # The newcomer's introduction says what a mentor is, from her side; the mentor's keeps its own.
    said = _flat(introduced.text)
    assert "Менторство – це волонтерська допомога, безоплатна." in said
    assert "приблизно раз на два тижні на годину-дві протягом приблизно трьох місяців" in said
    assert "Ментори не дають юридичних консультацій; у цьому допомагає центр прийому." in said
    assert "волонтерська допомога" in (introduced.html or "")
    assert "ehrenamtlich" not in _flat(to_sabine_first.text)

    await both_accept(pool, match_id, oksana, sabine)
    await relay(pool, amqp)
    to_oksana = [m for m in await mails_to(sink, oksana.email, 2) if m.path != introduced.path]
    to_sabine = [m for m in await mails_to(sink, sabine.email, 2) if m.path != to_sabine_first.path]
    assert len(to_oksana) == len(to_sabine) == 1
    assert ("Bitte schreiben Sie Oksana in den nächsten Tagen zuerst – ein paar Sätze genügen, in einer Sprache, "
            "die Sie beide sprechen, oder in einfachem Deutsch.") in _flat(to_sabine[0].text)
    assert "Bitte schreiben Sie Oksana in den nächsten Tagen zuerst" in (to_sabine[0].html or "")
    assert ("Перший лист вам напише Sabine. Якщо протягом тижня нічого не надійде, просто напишіть самі."
            in _flat(to_oksana[0].text))


async def test_for_a_course_the_newcomer_writes_to_enrol_and_for_a_job_the_employer_invites(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    ahmad = await add_participant(pool, "newcomer", name="Ahmad Karimi", locale="en")
    school = await add_participant(pool, "language_provider", name="Petra Vogel", locale="de",
                                   profile={"organisation": "Sprachschule Jena"})
    course = await add_course(pool, school, title="Deutsch A2", schedule="evening",
                              starts_on=date.today() + timedelta(days=30))
    ivana = await add_participant(pool, "newcomer", name="Ivana Petrović", locale="de")
    clinic = await add_participant(pool, "employer", name="Jens Wolf", locale="de",
                                   profile={"organisation": "Klinikum Gera"})
    position = await add_position(pool, clinic, title="Pflegefachkraft")
    for newcomer, owner, kind, offer in ((ahmad, school, "language_course", course),
                                         (ivana, clinic, "employer", position)):
        await both_accept(pool, await add_match(pool, kind, newcomer, offer), newcomer, owner)
    await relay(pool, amqp)
    [to_ahmad], [to_school] = await mails_to(sink, ahmad.email), await mails_to(sink, school.email)
    [to_ivana], [to_clinic] = await mails_to(sink, ivana.email), await mails_to(sink, clinic.email)

    assert ("Please write to Sprachschule Jena to enrol and say that Lotse introduced you."
            in _flat(to_ahmad.text))
    assert "Ahmad Karimi schreibt Ihnen, um sich für den Kurs anzumelden." in _flat(to_school.text)
    assert ("Bitte laden Sie Ivana Petrović in den nächsten Tagen per E-Mail zu einem ersten Gespräch ein."
            in _flat(to_clinic.text))
    assert ("Klinikum Gera schreibt Ihnen zuerst und lädt Sie zu einem Gespräch ein. Wenn innerhalb einer Woche "
            "nichts gekommen ist, schreiben Sie einfach selbst.") in _flat(to_ivana.text)
