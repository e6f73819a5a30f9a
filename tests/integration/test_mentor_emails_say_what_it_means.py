"""Review 8d, findings 3, 4 and 12: what a volunteer mentor is told by email. The introduction says
what being a mentor means and who comes with the newcomer, and speaks to the mentor as "you"; the
'both said yes' email says when Lotse asks how it goes and where to end or pause, and to a side that
did not agree to pass on its address, where to allow it; a confirmed mentor is not told "we are
looking for good matches for you" as a newcomer is.

Read from the mails the running notifier sends through real RabbitMQ and a real SMTP server."""

from __future__ import annotations

import asyncpg
from aio_pika.abc import AbstractRobustConnection

from lotse.shared import events
from lotse.shared.mailsink import MailSink
from tests.integration.notifier_fixtures import (
    RunningNotifier,
    add_match,
    add_participant,
    mails_to,
    match_event,
    publish,
)
from tests.integration.test_match_active import both_accept, relay
from tests.mail_text import unwrapped

NATALIA = {"needs": ["authorities", "school", "housing"], "arrival": "arrived", "online_ok": True,
           "household": {"partner": True, "partner_seeks_work": True, "children_ages": [10, 6]}}
MARTINA = {"capacity": 1, "helps_with": ["authorities", "school", "social_life"], "max_distance_km": 5,
           "online_ok": True}


async def test_the_mentors_introduction_says_what_it_means_and_who_comes_and_speaks_to_her(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    natalia = await add_participant(pool, "newcomer", name="Наталія Кравець", locale="uk", profile=NATALIA)
    martina = await add_participant(pool, "mentor", name="Martina Fischer", locale="de", profile=MARTINA)
    # Jena and Erfurt: further than Martina's 5 km, so they would meet online.
    await pool.execute("UPDATE participants SET district = '16053' WHERE id = $1", natalia.id)
    await pool.execute("UPDATE participants SET district = '16051' WHERE id = $1", martina.id)
    match_id = await add_match(pool, "mentor", natalia, martina.id)
    await publish(amqp, match_event(events.MATCH_INTRODUCED, match_id, "mentor", natalia, martina.id))
    [to_martina] = await mails_to(sink, martina.email)
    [to_natalia] = await mails_to(sink, natalia.email)

    text = " ".join(to_martina.text.split())  # the text part wraps long lines
    assert ("Mit Nataliia Kravets kommt die Familie: Partnerin oder Partner (sucht Arbeit) "
            "und 2 Kinder (Alter: 6 und 10)") in text
    assert "Mentorin oder Mentor sein heißt: sich etwa alle zwei Wochen" in text
    assert "Rechtsberatung gehört nicht dazu" in text and "Nach drei Wochen fragen wir, wie es läuft." in text
    # Addressed to her, not of "the mentor"; the help wanted as a list after a colon.
    assert "Das ist weiter, als Sie fahren möchten, daher würden Sie sich online treffen." in text
    assert "die Mentorin oder der Mentor" not in text
    assert "Dabei wünscht sich Nataliia Kravets Hilfe: Behördengänge und Schule" in text and "bei:" not in text
    assert "Mentorin oder Mentor sein heißt" in (to_martina.html or "")

    # The newcomer reads neither the box nor her own family; her needs in lower case mid-sentence.
    natalia_text = " ".join(to_natalia.text.split())
    assert "Бути ментором" not in natalia_text and "родина" not in natalia_text
    assert "може допомогти вам у таких справах: справи з установами і школа" in natalia_text


async def test_both_said_yes_says_when_we_ask_and_where_to_end_and_who_refused_where_to_allow_sharing(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    olena = await add_participant(pool, "newcomer", name="Olena Kovalenko", locale="uk")
    martina = await add_participant(pool, "mentor", name="Martina Fischer", locale="de", share_contact=False)
    match_id = await add_match(pool, "mentor", olena, martina.id)
    await both_accept(pool, match_id, olena, martina)
    await relay(pool, amqp)
    [to_martina], [to_olena] = await mails_to(sink, martina.email), await mails_to(sink, olena.email)

    # Not in touch yet: the check-in comes three weeks after the centre put them in touch (lifecycle_jobs).
    assert ("Drei Wochen, nachdem wir Sie in Kontakt gebracht haben, fragen wir, wie es läuft. Auf Ihrer Seite "
            "können Sie das Match jederzeit beenden oder die Vermittlung pausieren: https://") in " ".join(
        to_martina.text.split())
    assert "Auf Ihrer Seite können Sie erlauben, dass wir Ihre E-Mail-Adresse weitergeben: https://" in " ".join(
        to_martina.text.split())
    manage_links = [line for line in unwrapped(to_martina.text).split() if "/manage/" in line]
    assert len(set(manage_links)) == 1 and len(manage_links) == 3  # the two lines and the footer: her page
    assert "Через три тижні після того, як ми допоможемо вам зв’язатися, ми запитаємо" in unwrapped(to_olena.text)
    # Olena agreed to pass on hers: she is not asked to.
    assert "дозволити нам передати" not in unwrapped(to_olena.text)


async def test_with_both_addresses_passed_on_the_check_in_is_three_weeks_from_now(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    olena = await add_participant(pool, "newcomer", name="Olena Kovalenko", locale="uk")
    thomas = await add_participant(pool, "mentor", name="Thomas Berger", locale="de")
    match_id = await add_match(pool, "mentor", olena, thomas.id)
    await both_accept(pool, match_id, olena, thomas)
    await relay(pool, amqp)
    [to_thomas] = await mails_to(sink, thomas.email)
    assert ("In drei Wochen fragen wir, wie es läuft. Auf Ihrer Seite können Sie das Match jederzeit beenden "
            "oder die Vermittlung pausieren: https://") in " ".join(to_thomas.text.split())
    assert "erlauben, dass wir Ihre E-Mail-Adresse weitergeben" not in to_thomas.text


async def test_a_confirmed_mentor_is_told_we_look_for_newcomers_she_could_accompany(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    martina = await add_participant(pool, "mentor", name="Martina Fischer", locale="de", profile=MARTINA)
    olena = await add_participant(pool, "newcomer", name="Olena Kovalenko", locale="de")
    for person, kind in ((martina, "mentor"), (olena, "newcomer")):
        await publish(amqp, events.new_event(events.PARTICIPANT_VERIFIED, participant_id=person.id, kind=kind))
    [to_martina], [to_olena] = await mails_to(sink, martina.email), await mails_to(sink, olena.email)
    assert "Wir suchen jetzt Neuankommende, die Sie begleiten könnten." in " ".join(to_martina.text.split())
    assert "passende Kontakte" not in to_martina.text
    assert "Wir suchen jetzt passende Kontakte für Sie." in " ".join(to_olena.text.split())
