"""A Cyrillic name reaches a reader of a Latin-script language with its passport spelling beside it
(findings7 #3): the heading "Оксана Мельник (Oksana Melnyk)", the sentences under it in Latin letters;
a reader of Ukrainian sees the name as it is, and a name in a script without a table stays as it is."""

from __future__ import annotations

import html
import uuid

import asyncpg
from aio_pika.abc import AbstractRobustConnection

from lotse.notifier import digest
from lotse.shared import events, matches
from lotse.shared.mailsink import MailSink
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.notifier_fixtures import (
    FastRetries,
    Person,
    RunningNotifier,
    add_coordinator,
    add_match,
    add_participant,
    deliver_all,
    delivery,
    match_event,
    publish,
    smtp_settings,
    to,
)
from tests.integration.test_dashboard import _suggest, _verified, login
from tests.integration.test_notifier_match_emails import JENA, SUHL, mail_to, set_profile

__all__ = ["delivery", "smtp_settings"]  # fixtures used by name


async def test_a_german_mentor_reads_a_cyrillic_name_with_its_latin_spelling(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    oksana = await add_participant(pool, "newcomer", name="Оксана Мельник", locale="uk")
    await set_profile(pool, oksana, SUHL, [{"code": "uk", "level": "native"}, {"code": "de", "level": "B1"}],
                      {"arrival": "arrived", "needs": ["school"], "online_ok": True})
    mentor = await add_participant(pool, "mentor", name="Ђорђе Јовановић", locale="de")
    await set_profile(pool, mentor, JENA, [{"code": "de", "level": "native"}, {"code": "uk", "level": "B2"}],
                      {"helps_with": ["school"], "max_distance_km": 30, "online_ok": True, "capacity": 2})
    match_id = await add_match(pool, "mentor", oksana, mentor.id)
    await publish_introduction(amqp, match_id, oksana, mentor.id)

    to_mentor = await mail_to(sink, mentor)
    assert "Оксана Мельник (Oksana Melnyk)" in to_mentor
    assert "Dabei wünscht sich Oksana Melnyk Hilfe: Schule" in to_mentor
    assert "Oksana Melnyk wohnt in Suhl" in to_mentor
    to_oksana = await mail_to(sink, oksana)  # Ukrainian: Cyrillic is her script, no brackets
    assert "Ђорђе Јовановић" in to_oksana and "Djordje" not in to_oksana


async def test_a_vietnamese_newcomer_reads_her_cyrillic_mentors_name_in_latin_letters_too(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    lan = await add_participant(pool, "newcomer", name="李伟", locale="vi")
    mentor = await add_participant(pool, "mentor", name="Дмитрий Соколов", locale="de")
    match_id = await add_match(pool, "mentor", lan, mentor.id)
    await publish_introduction(amqp, match_id, lan, mentor.id)
    assert "Дмитрий Соколов (Dmitrii Sokolov)" in await mail_to(sink, lan)
    to_mentor = await mail_to(sink, mentor)
    assert "李伟" in to_mentor and "李伟 (" not in to_mentor  # no table for Han: as it is


async def publish_introduction(amqp: AbstractRobustConnection, match_id: uuid.UUID, newcomer: Person,
                               mentor: uuid.UUID) -> None:
    await publish(amqp, match_event(events.MATCH_INTRODUCED, match_id, "mentor", newcomer, mentor))


async def test_the_dashboard_shows_a_cyrillic_name_with_its_latin_spelling(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    oksana = await _verified(intake_client, pool, "/api/v1/newcomers",
                             newcomer_payload(name="Оксана Мельник", preferred_locale="uk"))
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(name="Sabine Krüger"))
    match_id = await _suggest(pool, oksana, mentor)
    await login(intake_client)
    shown = "Оксана Мельник (Oksana Melnyk)"
    for page in ("/dashboard", f"/dashboard/participants/{oksana}", "/dashboard/participants?q=melnyk",
                 f"/dashboard/matches/{match_id}", f"/dashboard/participants/{mentor}", "/dashboard?lang=en"):
        assert shown in html.unescape(await (await intake_client.get(page)).text()), page
    match_page = html.unescape(await (await intake_client.get(f"/dashboard/matches/{match_id}")).text())
    assert "Sabine Krüger (" not in match_page  # already in Latin letters


async def test_the_digest_names_a_flagged_match_with_the_latin_spelling(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink,
) -> None:
    _, email = await add_coordinator(pool)
    oksana = await add_participant(pool, "newcomer", name="Оксана Мельник", locale="uk")
    mentor = await add_participant(pool, "mentor", name="Sabine Krüger", locale="de")
    await add_match(pool, "mentor", oksana, mentor.id, flag_code=matches.FLAG_UNANSWERED)
    async with pool.acquire() as conn:
        assert await digest.request_digests(conn, 3600.0, now=1_800_000_010.0) == 1
    await deliver_all(delivery)
    [mail] = to(sink, email)
    assert "Оксана Мельник (Oksana Melnyk) ↔ Sabine Krüger –" in mail.text
