"""Review 8c, finding 9: the check-in page asks an employer and a course provider the question their
answers fit, the one the check-in email asks: "Was ist daraus geworden?" (hired / still talking /
did not come about), "Nimmt die Person am Kurs teil?" (attending / stopped / never started), not
"Wie läuft es bisher?", which stays the newcomer's and the mentor's."""

from __future__ import annotations

import html
import re
import uuid
from datetime import date, timedelta

import asyncpg
import pytest
from aio_pika.abc import AbstractRobustConnection

from lotse.shared import events, tokens
from lotse.shared.mailsink import MailSink
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import (
    Person,
    RunningNotifier,
    add_course,
    add_match,
    add_participant,
    add_position,
    mails_to,
    publish,
)
from tests.integration.test_match_life import _link
from tests.integration.test_self_service import manage_link

QUESTION = {"employer": "Was ist daraus geworden?", "language_course": "Nimmt die Person am Kurs teil?",
            "newcomer": "Wie läuft es bisher?"}


def _legends(page: str) -> list[str]:
    return [html.unescape(" ".join(found.split())) for found in re.findall(r"<legend>(.*?)</legend>", page, re.S)]


async def _matches(pool: asyncpg.Pool) -> dict[str, tuple[Person, uuid.UUID]]:
    """A German newcomer's running job and course: who answers which check-in, by kind (and newcomer)."""
    newcomer = await add_participant(pool, "newcomer", name="Tomasz Wiśniewski", locale="de")
    employer = await add_participant(pool, "employer", name="Katrin Böhme", locale="de",
                                     profile={"organisation": "Seniorenresidenz Am Hofwiesenpark"})
    vhs = await add_participant(pool, "language_provider", name="Jana Wendt", locale="de",
                                profile={"organisation": "VHS Erfurt"})
    job = await add_match(pool, "employer", newcomer, await add_position(pool, employer, title="Pflegehelfer/in"),
                          status="active")
    seat = await add_match(pool, "language_course", newcomer, await add_course(
        pool, vhs, title="Deutsch B1", schedule="evening", starts_on=date.today() - timedelta(days=20)),
        status="active")
    await pool.execute("UPDATE matches SET checkin_sent_at = now() WHERE id = ANY($1::uuid[])", [job, seat])
    return {"employer": (employer, job), "language_course": (vhs, seat), "newcomer": (newcomer, job)}


async def test_the_check_in_page_asks_each_side_the_question_its_answers_fit(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    for who, (person, match_id) in (await _matches(pool)).items():
        link = f"/checkin/{_link(tokens.CHECKIN, match_id, person.id)}"
        assert _legends(await (await intake_client.get(f"{link}?lang=de")).text()) == [QUESTION[who]], who
        # Sent without an answer (no JavaScript): the error summary names the same question.
        refused = await intake_client.post(f"{link}?lang=de", data={"comment": ""})
        assert refused.status == 422 and QUESTION[who] in " ".join(html.unescape(await refused.text()).split())
        if who != "newcomer":  # the manage page's form for the check-in sent
            manage = await (await intake_client.get(manage_link(person.id) + "?lang=de")).text()
            assert QUESTION[who] in _legends(manage)


@pytest.mark.parametrize("kind", ["employer", "language_course"])
async def test_the_check_in_email_asks_what_the_page_asks(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink, kind: str,
) -> None:
    owner, match_id = (await _matches(pool))[kind]
    await publish(amqp, events.new_event(events.NOTIFICATION_REQUESTED, notification="checkin",
                                         participant_id=owner.id, match_id=match_id))
    [mail] = await mails_to(sink, owner.email)
    text = " ".join(mail.text.split())
    assert f"{QUESTION[kind]} Auf dieser Seite können Sie uns sagen" in text
