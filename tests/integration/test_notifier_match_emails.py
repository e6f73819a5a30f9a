"""What the emails about a match say, end to end: intake's real erasure, its events through real
RabbitMQ into the running notifier, and the emails out of a real SMTP server — the mentor of an
erased newcomer learns what happened; an employer's introduction holds no family details, but the
newcomer's occupation field, languages and that they are still abroad; a mentor's names the shared
language, the help wanted and that meetings would be online."""

from __future__ import annotations

from datetime import date
from typing import Any

import asyncpg
from aio_pika.abc import AbstractRobustConnection

from lotse.intake import privacy
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
    outbox_events,
    publish,
)
from tests.mail_text import unwrapped

SUHL, JENA, GERA = "16054", "16053", "16052"
FAMILY_WORDS = ("Famil", "Kind", "Partner", "Betreuung")


async def mail_to(sink: MailSink, person: Person) -> str:
    """The one email's text part, with the line ends of a text (SMTP sends CRLF)."""
    [mail] = await mails_to(sink, person.email)
    return unwrapped(mail.text)


async def set_profile(pool: asyncpg.Pool, person: Person, district: str, languages: list[dict[str, str]],
                      profile: dict[str, Any]) -> None:
    await pool.execute("UPDATE participants SET district = $2, languages = $3::jsonb, profile = $4::jsonb "
                       "WHERE id = $1", person.id, district, languages, profile)


async def test_the_mentor_of_an_erased_newcomer_learns_why_and_that_her_place_is_free(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    olena = await add_participant(pool, "newcomer", name="Olena Kovalenko", locale="uk")
    sabine = await add_participant(pool, "mentor", name="Sabine Krüger", locale="de")
    await add_match(pool, "mentor", olena, sabine.id, status="active")
    async with pool.acquire() as conn, conn.transaction():
        await privacy.erase(conn, olena.id)
    # What intake's outbox relay publishes for it: the erasure and the ended match.
    for event in await outbox_events(pool):
        await publish(amqp, event)
    body = (await mail_to(sink, sabine)).split("\n-- \n")[0]
    assert "Die neu zugezogene Person ist nicht mehr bei Lotse angemeldet." in body
    assert "Ihr Platz ist wieder frei. Danke für Ihre Zeit und Ihre Hilfe!" in body
    assert "Neu in Thüringen" not in body and "\n\n\n" not in body


async def test_an_employer_introduction_holds_no_family_details_and_the_newcomer_hears_of_the_offers(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    lan = await add_participant(pool, "newcomer", name="Nguyễn Thị Lan", locale="vi")
    await set_profile(pool, lan, GERA, [{"code": "vi", "level": "native"}, {"code": "de", "level": "B1"},
                                        {"code": "en", "level": "B2"}],
                      {"arrival": "abroad", "needs": ["childcare"], "occupation_field": "nursing",
                       "household": {"partner": True, "partner_seeks_work": True, "children_ages": [2]}})
    klinikum = await add_participant(pool, "employer", name="Personalabteilung", locale="de",
                                     profile={"organisation": "Klinikum Gera",
                                              "offers": ["childcare_support", "partner_job_support"]})
    position = await add_position(pool, klinikum, title="Pflegefachkraft")
    match_id = await add_match(pool, "employer", lan, position)
    await pool.execute(
        """UPDATE matches SET explanation = '[{"factor": "household", "contribution": 0.3, "detail": "x"},
                                              {"factor": "german", "contribution": 0.2, "detail": "y"}]'
           WHERE id = $1""", match_id)
    await publish(amqp, match_event(events.MATCH_INTRODUCED, match_id, "employer", lan, position))

    to_employer = await mail_to(sink, klinikum)
    assert "Nguyễn Thị Lan, für die Stelle: Pflegefachkraft" in to_employer
    assert not [word for word in FAMILY_WORDS if word in to_employer], to_employer
    assert "Sie sind nah an dem Ort, an dem Nguyễn Thị Lan wohnen wird (Gera)." in to_employer
    assert "nah beieinander" not in to_employer
    # Review 5, finding 6: what the job needs to know, from the profile as the matcher read it.
    assert "Berufsfeld von Nguyễn Thị Lan: Pflege, dasselbe wie das der Stelle." in to_employer
    assert "Deutsch von Nguyễn Thị Lan: B1. Die Stelle verlangt B1." in to_employer
    assert ("Weitere Sprachen, die Nguyễn Thị Lan gut spricht: Vietnamesisch (Muttersprache) und Englisch (B2)"
            in to_employer)
    assert "Nguyễn Thị Lan ist noch im Ausland und noch nicht nach Thüringen gezogen." in to_employer
    to_lan = await mail_to(sink, lan)
    assert "Nhà tuyển dụng có hỗ trợ giữ trẻ." in to_lan and "Nhà tuyển dụng giúp người bạn đời tìm việc làm." in to_lan
    assert "Klinikum Gera ở gần nơi bạn sẽ sống (Gera)." in to_lan and "sống gần nhau" not in to_lan


async def test_a_mentor_introduction_names_the_language_the_help_and_online_meetings(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    marko = await add_participant(pool, "newcomer", name="Marko Petrović", locale="sr")
    await set_profile(pool, marko, SUHL, [{"code": "sr", "level": "native"}, {"code": "de", "level": "B2"}],
                      {"arrival": "arrived", "needs": ["school", "housing"], "online_ok": True})
    sabine = await add_participant(pool, "mentor", name="Sabine Krüger", locale="de")
    await set_profile(pool, sabine, JENA, [{"code": "de", "level": "native"}],
                      {"helps_with": ["school"], "max_distance_km": 30, "online_ok": True, "capacity": 2})
    match_id = await add_match(pool, "mentor", marko, sabine.id)
    await publish(amqp, match_event(events.MATCH_INTRODUCED, match_id, "mentor", marko, sabine.id))

    to_sabine = await mail_to(sink, sabine)
    assert "Sprachen, die Sie beide sprechen: Deutsch (Marko Petrović: B2)" in to_sabine
    assert "Dabei wünscht sich Marko Petrović Hilfe: Schule" in to_sabine
    assert "Marko Petrović wohnt in Suhl, 72 km entfernt." in to_sabine and "online treffen" in to_sabine
    to_marko = await mail_to(sink, marko)
    assert "Језици које обоје говорите: немачки (Sabine Krüger: матерњи језик)" in to_marko
    assert "72 км" in to_marko and "онлајн" in to_marko


async def test_one_level_below_with_the_employers_course_is_said_to_both_and_little_in_common_is_not_much(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    lan = await add_participant(pool, "newcomer", name="Nguyễn Thị Lan", locale="vi")
    await set_profile(pool, lan, GERA, [{"code": "vi", "level": "native"}, {"code": "de", "level": "A2"}],
                      {"arrival": "arrived", "needs": [], "occupation_field": "nursing"})
    klinikum = await add_participant(pool, "employer", name="Personalabteilung", locale="de",
                                     profile={"organisation": "Klinikum Gera",
                                              "offers": ["language_course_during_work", "relocation_support"]})
    position = await add_position(pool, klinikum, title="Pflegefachkraft")  # asks for B1
    match_id = await add_match(pool, "employer", lan, position)
    # As the matcher stored the pair: a fifth of their words in common is a reason, but not "much".
    await pool.execute(
        """UPDATE matches SET explanation = '[{"factor": "german", "contribution": 0.1, "detail": "x"},
                                              {"factor": "offers", "contribution": 0.033, "detail": "y"},
                                              {"factor": "about", "contribution": 0.021, "detail": "z"}]',
                              features = '{"german": 0.4, "offers": 0.333, "about": 0.21}'
           WHERE id = $1""", match_id)
    await publish(amqp, match_event(events.MATCH_INTRODUCED, match_id, "employer", lan, position))

    to_employer = await mail_to(sink, klinikum)
    assert ("Deutsch von Nguyễn Thị Lan: A2, eine Stufe unter dem, was die Stelle verlangt (B1). "
            "Sie bieten einen Deutschkurs während der Arbeit an.") in to_employer
    assert "passt zur Stelle" not in to_employer and "Der Arbeitgeber" not in to_employer
    assert "viel gemeinsam" not in to_employer
    to_lan = await mail_to(sink, lan)
    assert ("Tiếng Đức của bạn (A2) thấp hơn một bậc so với yêu cầu của công việc (B1). "
            "Nhà tuyển dụng có khóa học tiếng Đức trong thời gian làm việc.") in to_lan
    # The offers, by name, to the newcomer only (review 8a, finding 11); the course is said with her German.
    assert "Nhà tuyển dụng hỗ trợ người mới đến: hỗ trợ chuyển nơi ở" in to_lan
    assert "Nhà tuyển dụng có hỗ trợ thêm cho người mới đến." not in to_lan
    assert "phù hợp với công việc" not in to_lan and "nhiều điểm chung" not in to_lan


async def test_a_job_introduction_names_the_employers_offers_but_not_its_own_words(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    """Review 8a, finding 11 (#578): the newcomer read "The employer offers additional support" though the
    employer had ticked a German course during work and help finding housing. The employer's "about"
    stays with the welcome centre, as a newcomer's does (docs/privacy.md; docs/decisions.md)."""
    tomasz = await add_participant(pool, "newcomer", name="Tomasz Nowak", locale="pl")
    await set_profile(pool, tomasz, GERA, [{"code": "pl", "level": "native"}, {"code": "de", "level": "B1"}],
                      {"arrival": "arrived", "needs": ["housing"], "occupation_field": "nursing"})
    residenz = await add_participant(pool, "employer", name="Katrin Böhme", locale="de",
                                     profile={"organisation": "Seniorenresidenz Gera",
                                              "offers": ["language_course_during_work", "housing_help"]})
    await pool.execute("UPDATE participants SET about = $2 WHERE id = $1", residenz.id,
                       "Einarbeitung durch Praxisanleitung, Hilfe bei der Anerkennung")
    position = await add_position(pool, residenz, title="Pflegehelfer/in")  # asks for B1: no gap to close
    match_id = await add_match(pool, "employer", tomasz, position)
    await pool.execute(
        """UPDATE matches SET explanation = '[{"factor": "offers", "contribution": 0.05, "detail": "y"}]'
           WHERE id = $1""", match_id)
    await publish(amqp, match_event(events.MATCH_INTRODUCED, match_id, "employer", tomasz, position))

    to_tomasz = await mail_to(sink, tomasz)
    assert ("Pracodawca oferuje nowo przybyłym: kurs niemieckiego w czasie pracy i pomoc w szukaniu mieszkania"
            in to_tomasz)
    assert "dodatkowe wsparcie" not in to_tomasz  # the vague sentence is not said besides
    assert "Praxisanleitung" not in to_tomasz
    to_employer = await mail_to(sink, residenz)
    assert "Wohnungssuche" not in to_employer and "Angebote" not in to_employer  # it knows its offers


async def test_a_course_provider_reads_the_languages_the_newcomer_speaks_mother_tongue_first(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    """Review 8a, finding 11 (#595): the VHS learned the German level and the childcare, not whether an
    A1 learner may need a literacy or Latin-script course."""
    olena = await add_participant(pool, "newcomer", name="Olena Kovalenko", locale="uk")
    await set_profile(pool, olena, GERA, [{"code": "en", "level": "A2"}, {"code": "de", "level": "A1"},
                                          {"code": "uk", "level": "native"}, {"code": "ru", "level": "C1"}],
                      {"arrival": "arrived", "needs": ["language_course"]})
    vhs = await add_participant(pool, "language_provider", name="Jana Wendt", locale="de",
                                profile={"organisation": "VHS Gera"})
    course = await add_course(pool, vhs, title="Deutsch A2 am Abend", schedule="evening", starts_on=date(2027, 3, 1))
    match_id = await add_match(pool, "language_course", olena, course)
    await publish(amqp, match_event(events.MATCH_INTRODUCED, match_id, "language_course", olena, course))

    to_vhs = await mail_to(sink, vhs)
    assert "Deutsch von Olena Kovalenko: A1 (der Kurs: A2)." in to_vhs
    assert ("Sprachen, die Olena Kovalenko außer Deutsch spricht: Ukrainisch (Muttersprache), Russisch (C1) "
            "und Englisch (A2)") in to_vhs
    to_olena = await mail_to(sink, olena)
    assert "Українська" not in to_olena and "українська (" not in to_olena  # she knows her languages
