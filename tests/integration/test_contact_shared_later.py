"""A consent to share contact details given on the manage page after both sides said yes: each side
gets a `match_active` email again, now with the other's address, and the coordinators' "put them
in touch" flag goes (audited). Nothing for a match that is not active, a second yes, or a withdrawal.

The manage page writes the events through the real intake; they go through real RabbitMQ into the
running notifier, and the emails come out of a real SMTP server."""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg
from aio_pika.abc import AbstractRobustConnection

from lotse.intake import contact_shared
from lotse.shared import events, matches
from lotse.shared.mailsink import MailSink
from tests.conftest import IntakeClient, eventually
from tests.integration.notifier_fixtures import (
    Person,
    RunningNotifier,
    add_course,
    add_match,
    add_participant,
    mails_to,
    outbox_events,
    to,
)
from tests.integration.test_dashboard import login
from tests.integration.test_match_active import both_accept, relay
from tests.integration.test_self_service import manage_link
from tests.mail_text import unwrapped


async def _consent(intake_client: IntakeClient, participant_id: uuid.UUID, action: str) -> None:
    answer = await intake_client.post(manage_link(participant_id), data={"action": action}, allow_redirects=False)
    assert answer.status == 303, await answer.text()


async def _olena_and_joerg_who_shares_nothing(pool: asyncpg.Pool) -> tuple[Person, Person]:
    olena = await add_participant(pool, "newcomer", name="Olena Kovalenko", locale="uk")
    return olena, await add_participant(pool, "mentor", name="Jörg Müller", locale="de", share_contact=False)


async def _match_active_requests(pool: asyncpg.Pool) -> list[dict[str, object]]:
    return [e.data for e in await outbox_events(pool)
            if e.type == events.NOTIFICATION_REQUESTED and e.data["notification"] == "match_active"]


async def test_a_consent_given_later_sends_both_the_addresses_and_clears_the_task(
    intake_client: IntakeClient, pool: asyncpg.Pool, amqp: AbstractRobustConnection,
    running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    olena, joerg = await _olena_and_joerg_who_shares_nothing(pool)
    match_id = await add_match(pool, "mentor", olena, joerg.id)
    await both_accept(pool, match_id, olena, joerg)
    await relay(pool, amqp)
    [without] = await mails_to(sink, joerg.email)
    assert olena.email not in unwrapped(without.text) and await pool.fetchval(
        "SELECT flag_code FROM matches WHERE id = $1", match_id) == matches.FLAG_CONNECT

    await _consent(intake_client, joerg.id, "share")
    row = await pool.fetchrow("SELECT status, flagged_at, flag_code FROM matches WHERE id = $1", match_id)
    assert row["status"] == matches.ACTIVE and row["flagged_at"] is None and row["flag_code"] is None
    audited = await pool.fetchrow("SELECT actor_id, actor_role FROM audit_log WHERE subject_id = $1 AND action = $2",
                                  match_id, contact_shared.AUDIT_ACTION)
    assert audited is not None and audited["actor_id"] == joerg.id and audited["actor_role"] == "participant"
    await relay(pool, amqp)

    [_, to_joerg], [first_to_olena, to_olena] = (await mails_to(sink, joerg.email, 2),
                                                 await mails_to(sink, olena.email, 2))
    assert olena.email in unwrapped(to_joerg.text) and "Olena Kovalenko" in unwrapped(to_joerg.text)
    assert joerg.email in unwrapped(to_olena.text) and to_olena.headers["Content-Language"] == "uk"
    assert to_joerg.headers["X-Lotse-Notification"] != without.headers["X-Lotse-Notification"]
    # Not "both of you have accepted" again, days later: what happened now, and who did it.
    assert without.subject == "Beide haben zugesagt: Olena Kovalenko"
    assert to_joerg.subject == "Kontaktdaten: Olena Kovalenko"
    assert ("vielen Dank, dass Sie der Weitergabe Ihrer E-Mail-Adresse zugestimmt haben. Olena Kovalenko hatte "
            "schon zugestimmt") in unwrapped(to_joerg.text) and "gute Nachricht" not in unwrapped(to_joerg.text)
    # The "both said yes" words, so their absence above says something.
    assert "gute Nachricht" in unwrapped(without.text)
    assert "Інша сторона (Jörg Müller) тепер погодилася передати свою адресу" in unwrapped(to_olena.text)
    assert "Гарна новина" not in unwrapped(to_olena.text) and "Гарна новина" in unwrapped(first_to_olena.text)


async def test_the_addresses_go_to_nobody_when_the_match_ended_before_the_email(
    intake_client: IntakeClient, pool: asyncpg.Pool, amqp: AbstractRobustConnection,
    running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    olena, joerg = await _olena_and_joerg_who_shares_nothing(pool)
    match_id = await add_match(pool, "mentor", olena, joerg.id, status=matches.ACTIVE, flag_code=matches.FLAG_CONNECT)
    await _consent(intake_client, joerg.id, "share")
    assert len(await _match_active_requests(pool)) == 2
    await pool.execute("UPDATE matches SET status = $2 WHERE id = $1", match_id, matches.CANCELLED)
    await relay(pool, amqp)

    async def both_done() -> list[str]:
        statuses = [r["status"] for r in await pool.fetch(
            "SELECT status FROM notifications WHERE match_id = $1 AND type = 'match_active'", match_id)]
        return statuses if len(statuses) == 2 and "pending" not in statuses and "sending" not in statuses else []

    assert await eventually(both_done) == ["skipped", "skipped"]
    assert to(sink, olena.email) == [] and to(sink, joerg.email) == []


async def test_a_second_yes_or_a_withdrawal_afterwards_writes_to_nobody(
    intake_client: IntakeClient, pool: asyncpg.Pool,
) -> None:
    olena = await add_participant(pool, "newcomer", name="Olena Kovalenko", locale="uk")
    vhs = await add_participant(pool, "language_provider", name="Anna Schmidt", locale="de", share_contact=False)
    course = await add_course(pool, vhs, title="Deutsch B1 am Abend", schedule="evening", starts_on=date(2027, 3, 1))
    match_id = await add_match(pool, "language_course", olena, course, status=matches.ACTIVE,
                               flag_code=matches.FLAG_CONNECT)
    expected = sorted([(str(olena.id), str(match_id)), (str(vhs.id), str(match_id))])

    await _consent(intake_client, vhs.id, "share")  # the course's provider answers for the course
    assert sorted((r["participant_id"], r["match_id"]) for r in await _match_active_requests(pool)) == expected
    await _consent(intake_client, vhs.id, "share")  # another tab
    await _consent(intake_client, vhs.id, "unshare")
    assert sorted((r["participant_id"], r["match_id"]) for r in await _match_active_requests(pool)) == expected
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE action = $1", contact_shared.AUDIT_ACTION) == 1
    assert await pool.fetchval("SELECT flag_code FROM matches WHERE id = $1", match_id) is None


async def test_a_consent_without_an_active_match_to_share_writes_to_nobody(
    intake_client: IntakeClient, pool: asyncpg.Pool,
) -> None:
    lan = await add_participant(pool, "newcomer", name="Nguyễn Thị Lan", locale="vi", share_contact=False)
    thomas = await add_participant(pool, "mentor", name="Thomas Berger", locale="de", share_contact=False)
    introduced = await add_match(pool, "mentor", lan, thomas.id)  # not yet answered by both
    sabine = await add_participant(pool, "mentor", name="Sabine Krüger", locale="de", share_contact=False)
    active = await add_match(pool, "mentor", lan, sabine.id, status=matches.ACTIVE, flag_code=matches.FLAG_CONNECT)

    await _consent(intake_client, thomas.id, "share")  # his only match is not active
    await _consent(intake_client, sabine.id, "share")  # Lan still shares nothing
    assert await _match_active_requests(pool) == []
    assert await pool.fetchval("SELECT flag_code FROM matches WHERE id = $1", active) == matches.FLAG_CONNECT

    # Lan's yes completes the active match's pair, and only that one's (Thomas's is not active yet).
    await _consent(intake_client, lan.id, "share")
    assert {r["match_id"] for r in await _match_active_requests(pool)} == {str(active)}
    assert await pool.fetchval("SELECT flag_code FROM matches WHERE id = $1", active) is None
    assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE subject_id = $1", introduced) == 0
    # The match's trail says which side it was: the newcomer, not (as for a course's owner) the other.
    await login(intake_client)
    page = await (await intake_client.get(f"/dashboard/matches/{active}")).text()
    assert "Neu angekommen: hat der Weitergabe der Kontaktdaten zugestimmt" in page
