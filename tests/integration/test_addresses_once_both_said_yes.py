"""Review 8d, finding 2: with both consents to share contact details, the addresses go across only
once both said yes ("when a match comes about", as the consent says), never in the introduction.

The introduction event and intake's real answers go through real RabbitMQ into the running
notifier, and the emails come out of a real SMTP server."""

from __future__ import annotations

import asyncpg
from aio_pika.abc import AbstractRobustConnection

from lotse.intake import privacy
from lotse.shared import events
from lotse.shared.mailsink import MailSink
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import (
    RunningNotifier,
    add_match,
    add_participant,
    mails_to,
    match_event,
    publish,
    to,
)
from tests.integration.test_match_active import both_accept, relay
from tests.integration.test_self_service import _registered, manage_link
from tests.mail_text import unwrapped

FOLLOW_DE = "Sobald Sie beide zugesagt haben, schicken wir jeder Seite die E-Mail-Adresse der anderen."
FOLLOW_UK = "Щойно ви обоє погодитеся, ми надішлемо кожному з вас адресу електронної пошти іншої сторони."


async def test_the_introduction_has_no_address_and_the_both_said_yes_email_has_it(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    natalia = await add_participant(pool, "newcomer", name="Наталія Кравець", locale="uk")
    martina = await add_participant(pool, "mentor", name="Martina Fischer", locale="de")
    match_id = await add_match(pool, "mentor", natalia, martina.id)
    await publish(amqp, match_event(events.MATCH_INTRODUCED, match_id, "mentor", natalia, martina.id))

    [intro_to_martina], [intro_to_natalia] = await mails_to(sink, martina.email), await mails_to(sink, natalia.email)
    for mail, other in ((intro_to_martina, natalia), (intro_to_natalia, martina)):
        assert other.email not in unwrapped(mail.text) + (mail.html or "")
    assert FOLLOW_DE in unwrapped(intro_to_martina.text) and FOLLOW_UK in unwrapped(intro_to_natalia.text)

    await both_accept(pool, match_id, natalia, martina)
    await relay(pool, amqp)
    [_, active_to_martina] = await mails_to(sink, martina.email, 2)
    [_, active_to_natalia] = await mails_to(sink, natalia.email, 2)
    assert natalia.email in unwrapped(active_to_martina.text) and "Die andere Seite hat auch Ihre E-Mail-Adresse." \
        in unwrapped(active_to_martina.text)
    assert martina.email in unwrapped(active_to_natalia.text)


async def test_a_mentor_who_never_answered_and_erased_left_no_address_with_the_newcomer(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    li = await add_participant(pool, "newcomer", name="Li Wei", locale="zh")
    iryna = await add_participant(pool, "mentor", name="Ірина Шевчук", locale="uk")
    match_id = await add_match(pool, "mentor", li, iryna.id)
    await publish(amqp, match_event(events.MATCH_INTRODUCED, match_id, "mentor", li, iryna.id))
    await mails_to(sink, li.email)
    async with pool.acquire() as conn, conn.transaction():
        await privacy.erase(conn, iryna.id)
    await relay(pool, amqp)  # the erasure's events: Li Wei hears the introduction was withdrawn
    [intro, withdrawn] = await mails_to(sink, li.email, 2)
    assert all(iryna.email not in m.text + (m.html or "") for m in to(sink, li.email))
    assert "你们双方都同意后" in intro.text and intro.subject != withdrawn.subject


async def test_the_manage_page_shows_the_address_only_once_both_said_yes_and_the_erase_page_says_what_stays(
    intake_client: IntakeClient, pool: asyncpg.Pool,
) -> None:
    natalia = await _registered(intake_client, pool, "newcomers", name="Наталія Кравець")
    iryna = await _registered(intake_client, pool, "mentors", name="Ірина Шевчук")
    iryna_email = await pool.fetchval("SELECT email FROM participants WHERE id = $1", iryna)
    match_id = await pool.fetchval(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status, explanation, introduced_at,
                                decided_at)
           VALUES (gen_random_uuid(), 'mentor', $1, $2, 0.8, 'introduced', '[]', now(), now()) RETURNING id""",
        natalia, iryna)
    introduced = await (await intake_client.get(manage_link(natalia))).text()
    assert "Ірина Шевчук" in introduced and iryna_email not in introduced
    await pool.execute("UPDATE matches SET status = 'active', active_at = now() WHERE id = $1", match_id)
    assert iryna_email in await (await intake_client.get(manage_link(natalia))).text()

    erase = await (await intake_client.get(f"{manage_link(iryna)}/erase?lang=de")).text()
    assert ("Wem wir Sie schon vorgestellt haben, behält die E-Mails, die wir geschickt haben: Darin stehen Ihr Name "
            "und, wenn Sie beide zugesagt und der Weitergabe der Adressen zugestimmt hatten, Ihre E-Mail-Adresse. "
            "Diese E-Mails können wir nicht löschen.") in erase
