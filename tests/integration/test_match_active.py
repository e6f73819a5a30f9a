"""When both sides accept an introduction: each gets an email saying how to get in touch, with the
other's address only when both let it be passed on; otherwise the match is flagged for the
coordinators (list, match page, digest) until one of them notes that the two are in touch.

Intake's real answers write the events; they go through real RabbitMQ into the running notifier,
and the emails come out of a real SMTP server."""

from __future__ import annotations

import uuid

import asyncpg
from aio_pika.abc import AbstractRobustConnection

from lotse.intake import lifecycle
from lotse.notifier.compose import Composer, digest_recipient
from lotse.notifier.render import render_email
from lotse.shared import matches
from lotse.shared.config import Settings
from lotse.shared.mailsink import MailSink
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import (
    Person,
    RunningNotifier,
    add_coordinator,
    add_match,
    add_participant,
    mails_to,
    outbox_events,
    publish,
)
from tests.integration.test_dashboard import login
from tests.mail_text import unwrapped


async def both_accept(pool: asyncpg.Pool, match_id: uuid.UUID, newcomer: Person, mentor: Person) -> None:
    for person in (newcomer, mentor):
        async with pool.acquire() as conn, conn.transaction():
            await lifecycle.respond(conn, match_id, person.id, "accept", None)


async def relay(pool: asyncpg.Pool, amqp: AbstractRobustConnection) -> None:
    """What intake's outbox relay publishes: here both answers."""
    for event in await outbox_events(pool):
        await publish(amqp, event)


async def test_both_yes_tells_both_sides_how_to_reach_each_other(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    lan = await add_participant(pool, "newcomer", name="Nguyễn Thị Lan", locale="vi")
    thomas = await add_participant(pool, "mentor", name="Thomas Berger", locale="de")
    match_id = await add_match(pool, "mentor", lan, thomas.id, flag_code=matches.FLAG_UNANSWERED)
    async with pool.acquire() as conn, conn.transaction():
        await lifecycle.respond(conn, match_id, lan.id, "accept", None)
    # The reminder flag came back before the second yes: an active match no longer carries it.
    await pool.execute("UPDATE matches SET flagged_at = now(), flag_code = $2 WHERE id = $1",
                       match_id, matches.FLAG_UNANSWERED)
    async with pool.acquire() as conn, conn.transaction():
        await lifecycle.respond(conn, match_id, thomas.id, "accept", None)
    assert await pool.fetchval("SELECT flag_code FROM matches WHERE id = $1", match_id) is None
    await relay(pool, amqp)

    [to_thomas], [to_lan] = await mails_to(sink, thomas.email), await mails_to(sink, lan.email)
    # One email each, for the second yes: the first only waits for it.
    assert len(sink.messages()) == 2
    assert to_thomas.subject == "Beide haben zugesagt: Nguyễn Thị Lan"
    assert "Nguyễn Thị Lan" in to_thomas.text and lan.email in to_thomas.text
    assert "Die andere Seite hat auch Ihre E-Mail-Adresse." in to_thomas.text
    assert "Thomas Berger" in to_lan.text and thomas.email in to_lan.text
    assert to_lan.headers["Content-Language"] == "vi"


async def test_without_both_consents_both_hear_the_centre_connects_them_and_the_coordinators_are_asked(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
    smtp_settings: Settings,
) -> None:
    olena = await add_participant(pool, "newcomer", name="Olena Kovalenko", locale="uk")
    joerg = await add_participant(pool, "mentor", name="Jörg Müller", locale="de-simple", share_contact=False)
    match_id = await add_match(pool, "mentor", olena, joerg.id)
    await both_accept(pool, match_id, olena, joerg)
    assert await pool.fetchval("SELECT flag_code FROM matches WHERE id = $1", match_id) == matches.FLAG_CONNECT
    await relay(pool, amqp)

    [to_joerg], [to_olena] = await mails_to(sink, joerg.email), await mails_to(sink, olena.email)
    assert olena.email not in unwrapped(to_joerg.text) + (to_joerg.html or "")
    assert joerg.email not in unwrapped(to_olena.text) + (to_olena.html or "")
    assert ("Das Welcome Center meldet sich bald bei Ihnen. Dann bekommen Sie die Kontakt-Daten."
            in unwrapped(to_joerg.text))
    assert "Центр прийому незабаром зв’яжеться з вами" in unwrapped(to_olena.text)

    # The coordinators' digest names the pair and what to do.
    coordinator, _ = await add_coordinator(pool)
    async with pool.acquire() as conn:
        recipient = await digest_recipient(Composer(smtp_settings), conn, {"coordinator_id": coordinator})
    assert recipient is not None
    digest = render_email("digest", recipient.locale, recipient.context).text
    assert ("Olena Kovalenko ↔ Jörg Müller – beide haben zugestimmt, aber ihre Adressen wurden nicht "
            "weitergegeben: bitte in Kontakt bringen") in digest


async def test_a_coordinator_notes_on_the_match_page_that_the_two_are_in_touch(
    intake_client: IntakeClient, pool: asyncpg.Pool,
) -> None:
    olena = await add_participant(pool, "newcomer", name="Olena Kovalenko", locale="uk")
    joerg = await add_participant(pool, "mentor", name="Jörg Müller", locale="de", share_contact=False)
    match_id = await add_match(pool, "mentor", olena, joerg.id)
    await both_accept(pool, match_id, olena, joerg)
    csrf = await login(intake_client)

    listed = await (await intake_client.get("/dashboard/matches?flagged=1")).text()
    assert "Beide haben zugestimmt, aber ihre Adressen wurden nicht weitergegeben" in listed
    page = await (await intake_client.get(f"/dashboard/matches/{match_id}")).text()
    assert "In Kontakt bringen" in page and f'action="/dashboard/matches/{match_id}/connected"' in page

    done = await intake_client.post(f"/dashboard/matches/{match_id}/connected", data={"csrf": csrf},
                                    allow_redirects=False)
    assert done.status == 303 and "msg=connected" in done.headers["Location"]
    row = await pool.fetchrow("SELECT status, flagged_at, flag_code FROM matches WHERE id = $1", match_id)
    assert row["status"] == "active" and row["flagged_at"] is None and row["flag_code"] is None
    assert await pool.fetchval("SELECT action FROM audit_log WHERE subject_id = $1", match_id) == "match.connected"
    page = await (await intake_client.get(f"/dashboard/matches/{match_id}")).text()
    assert "/connected" not in page and "hat beide Seiten in Kontakt gebracht" in page

    # A second click (another tab) changes nothing and says so.
    again = await intake_client.post(f"/dashboard/matches/{match_id}/connected", data={"csrf": csrf},
                                     allow_redirects=False)
    assert "msg=conflict" in again.headers["Location"]
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE subject_id = $1", match_id) == 1
