"""Review 8d, finding 10 (dashboard and digest): the flag of an introduction still unanswered after
its reminder says which side is silent, from match_responses: "Keine Antwort von: Neu angekommen
(Katarzyna Nowak)", the mentor, course provider or employer by name, or both; in the matches list,
on the match page and the participant page, and in the coordinators' digest in their language."""

from __future__ import annotations

import re
import uuid

import asyncpg

from lotse.notifier import digest
from lotse.shared import matches
from lotse.shared.mailsink import MailSink
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import (
    FastRetries,
    Person,
    add_coordinator,
    add_match,
    add_participant,
    deliver_all,
    delivery,
    sink,
    smtp_settings,
    to,
)
from tests.integration.test_dashboard import login
from tests.integration.test_organisation_checkin import _job_and_course
from tests.mail_text import unwrapped

__all__ = ["delivery", "sink", "smtp_settings"]  # fixtures used by name

OLD = "Keine Antwort nach einer Erinnerung"


async def _accepted(pool: asyncpg.Pool, match_id: uuid.UUID, who: Person, side: str) -> None:
    await pool.execute("INSERT INTO match_responses (match_id, participant_id, side, answer) VALUES ($1, $2, $3, "
                       "'accept')", match_id, who.id, side)


async def _unanswered(pool: asyncpg.Pool) -> dict[str, uuid.UUID]:
    """Three flagged introductions to Martina: Katarzyna silent, Martina silent, both silent."""
    martina = await add_participant(pool, "mentor", name="Martina Fischer", locale="de", profile={"capacity": 3})
    katarzyna = await add_participant(pool, "newcomer", name="Katarzyna Nowak", locale="pl")
    olena = await add_participant(pool, "newcomer", name="Олена Шевчук", locale="uk")
    li = await add_participant(pool, "newcomer", name="Li Wei", locale="zh")
    ids = {}
    ids["newcomer"] = await add_match(pool, "mentor", katarzyna, martina.id, flag_code=matches.FLAG_UNANSWERED)
    await _accepted(pool, ids["newcomer"], martina, "counterpart")
    ids["mentor"] = await add_match(pool, "mentor", olena, martina.id, flag_code=matches.FLAG_UNANSWERED)
    await _accepted(pool, ids["mentor"], olena, "newcomer")
    ids["both"] = await add_match(pool, "mentor", li, martina.id, flag_code=matches.FLAG_UNANSWERED)
    ids["martina"] = martina.id
    return ids


def _text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", page).split())


async def _page(client: IntakeClient, path: str, lang: str = "de") -> str:
    return _text(await (await client.get(path, params={"lang": lang, "flagged": "1"})).text())


async def test_the_dashboard_says_who_has_not_answered(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    await login(intake_client)
    ids = await _unanswered(pool)
    silent_newcomer = "Keine Antwort von: Neu angekommen (Katarzyna Nowak)"
    silent_mentor = "Keine Antwort von: Mentor/in (Martina Fischer)"
    both = "Keine Antwort von: Neu angekommen (Li Wei), Mentor/in (Martina Fischer)"
    listed = await _page(intake_client, "/dashboard/matches")
    # The rows, not the filter form above them: its "why flagged" select lists every flag's label.
    listed = listed[listed.index("Markierung", listed.index("Erstellt")):]
    assert silent_newcomer in listed and silent_mentor in listed and both in listed and OLD not in listed
    for which, label in (("newcomer", silent_newcomer), ("mentor", silent_mentor), ("both", both)):
        assert f"Markiert: {label}" in await _page(intake_client, f"/dashboard/matches/{ids[which]}")
    # In the coordinator's other language.
    english = await _page(intake_client, f"/dashboard/matches/{ids['mentor']}", "en")
    assert "Flagged: No answer from: Mentor (Martina Fischer)" in english
    person = await _page(intake_client, f"/dashboard/participants/{ids['martina']}")
    assert silent_newcomer in person and silent_mentor in person and both in person


async def test_an_organisations_silence_is_named_by_its_organisation(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    oksana, _employer, _provider, job, seat = await _job_and_course(pool)
    await pool.execute("UPDATE matches SET status = 'introduced', flag_code = $1, flagged_at = now() "
                       "WHERE id = ANY($2::uuid[])", matches.FLAG_UNANSWERED, [job, seat])
    await pool.execute("DELETE FROM match_responses WHERE match_id = ANY($1::uuid[])", [job, seat])
    await _accepted(pool, job, oksana, "newcomer")
    await _accepted(pool, seat, oksana, "newcomer")
    job_page = await _page(intake_client, f"/dashboard/matches/{job}")
    seat_page = await _page(intake_client, f"/dashboard/matches/{seat}")
    assert re.search(r"Markiert: Keine Antwort von: Arbeitgeber \([^)]+\)", job_page), job_page
    assert re.search(r"Markiert: Keine Antwort von: Kursanbieter \([^)]+\)", seat_page), seat_page


async def test_the_digest_says_who_has_not_answered(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    _, german = await add_coordinator(pool)
    coordinator, english = await add_coordinator(pool)
    await pool.execute("UPDATE coordinators SET locale = 'en' WHERE id = $1", coordinator)
    await _unanswered(pool)
    async with pool.acquire() as conn:
        assert await digest.request_digests(conn, 3600.0) == 2
    await deliver_all(delivery)

    [mail] = to(sink, german)
    assert "Mentoring: Katarzyna Nowak ↔ Martina Fischer – keine Antwort der neu angekommenen Person " \
           "(Katarzyna Nowak) nach einer Erinnerung" in unwrapped(mail.text)
    assert ("– keine Antwort der Mentorin oder des Mentors (Martina Fischer) nach einer Erinnerung"
            in unwrapped(mail.text))
    assert ("Mentoring: Li Wei ↔ Martina Fischer – keine Antwort von beiden Seiten nach einer Erinnerung"
            in unwrapped(mail.text))
    assert "keine Antwort der Mentorin oder des Mentors (Martina Fischer)" in (mail.html or "")
    [mail] = to(sink, english)
    assert "– no answer from the newcomer (Katarzyna Nowak) after a reminder" in unwrapped(mail.text)
    assert "– no answer from the mentor (Martina Fischer) after a reminder" in unwrapped(mail.text)
    assert "– no answer from either side after a reminder" in unwrapped(mail.text)


async def test_a_cyrillic_name_in_the_label_has_no_brackets_inside_the_brackets(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    """Review 8e, finding 3: "Neu angekommen (Оксана Мельник (Oksana Melnyk))" read as three names;
    the Latin spelling inside the label's brackets stands after a slash."""
    await login(intake_client)
    _, german = await add_coordinator(pool)
    sabine = await add_participant(pool, "mentor", name="Sabine Koch", locale="de", profile={"capacity": 3})
    oksana = await add_participant(pool, "newcomer", name="Оксана Мельник", locale="uk")
    match = await add_match(pool, "mentor", oksana, sabine.id, flag_code=matches.FLAG_UNANSWERED)
    await _accepted(pool, match, sabine, "counterpart")
    label = "Keine Antwort von: Neu angekommen (Оксана Мельник / Oksana Melnyk)"
    assert label in await _page(intake_client, "/dashboard/matches")
    assert f"Markiert: {label}" in await _page(intake_client, f"/dashboard/matches/{match}")
    async with pool.acquire() as conn:
        assert await digest.request_digests(conn, 3600.0) >= 1
    await deliver_all(delivery)
    [mail] = to(sink, german)
    assert "Оксана Мельник (Oksana Melnyk) ↔ Sabine Koch – keine Antwort der neu angekommenen Person " \
           "(Оксана Мельник / Oksana Melnyk) nach einer Erinnerung" in unwrapped(mail.text)
