"""The audit log names what each entry is about, not only a match: a participant, a course or
position with its organisation, a team member, a round; each linked where the dashboard shows it,
an erased person unnamed, and the whole page in one query."""

from __future__ import annotations

import uuid

import asyncpg

from lotse.intake.dashboard import audit_log
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import employer_payload, mentor_payload, newcomer_payload, provider_payload
from tests.integration.test_dashboard import _verified
from tests.integration.test_dashboard_sides import login


async def _provider_and_course(intake_client: IntakeClient, pool: asyncpg.Pool,
                               **provider: object) -> tuple[uuid.UUID, uuid.UUID]:
    """A verified language provider and its course ("Deutsch B1 am Wochenende")."""
    provider_id = await _verified(intake_client, pool, "/api/v1/language-providers", provider_payload(**provider))
    course: uuid.UUID = await pool.fetchval("SELECT id FROM courses WHERE provider_id = $1", provider_id)
    return provider_id, course


def _row(page: str, href: str) -> str:
    rows = [r for r in page.split("<tr>") if href in r]
    assert len(rows) == 1, (href, rows)
    return rows[0]


async def test_every_subject_of_an_audit_entry_is_named_and_linked(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(name="Renate Albrecht"))
    provider, course = await _provider_and_course(intake_client, pool, organisation="VHS Gera")
    employer = await _verified(intake_client, pool, "/api/v1/employers", employer_payload())
    position = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1", employer)
    colleague = uuid.uuid4()
    await pool.execute("INSERT INTO coordinators (id, email, password_hash) VALUES ($1, 'kollegin@example.org', 'x')",
                       colleague)
    round_id = uuid.uuid4()
    await pool.execute("INSERT INTO rounds (id, objective, requested_at) VALUES ($1, 'most_matched', "
                       "'2026-03-02 10:00+01')", round_id)
    await pool.executemany(
        "INSERT INTO audit_log (action, subject_type, subject_id) VALUES ($1, $2, $3)",
        [("participant.pause", "participant", mentor), ("course.close", "course", course),
         ("position.change", "position", position), ("coordinator.password_reset", "coordinator", colleague),
         ("round.start", "round", round_id)])
    await login(intake_client, pool)

    for lang, mentor_kind, when in (("de", "Mentor/in", "02.03.2026"), ("en", "Mentor", "Mar 2, 2026")):
        log = await (await intake_client.get("/dashboard/audit", params={"lang": lang})).text()
        assert f'<a href="/dashboard/participants/{mentor}">Renate Albrecht</a> ({mentor_kind})' \
            in _row(log, f"/dashboard/participants/{mentor}")
        assert f'Deutsch B1 am Wochenende · <a href="/dashboard/participants/{provider}">VHS Gera</a>' in log
        assert f'Elektroniker/in · <a href="/dashboard/participants/{employer}">Elektro Richter GmbH</a>' in log
        assert f'<a href="/dashboard/team#member-{colleague}">kollegin@example.org</a>' in log
        round_link = _row(log, f'<a href="/dashboard/rounds/{round_id}">')
        assert when in round_link, round_link
        for subject in (mentor, course, position, colleague, round_id):
            assert f"> {subject}<" not in log and f" {subject}</td>" not in log, "an id instead of a name"


async def test_an_erased_participant_or_organisation_stays_unnamed_in_the_audit_log(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Olena Kovalenko"))
    provider, course = await _provider_and_course(intake_client, pool, organisation="Sprachschule Krüger")
    await pool.execute("INSERT INTO audit_log (action, subject_type, subject_id) VALUES ('course.close', 'course', $1)",
                       course)
    for gone in (newcomer, provider):  # the erasure writes its own entry about the participant
        assert (await intake_client.delete(f"/api/v1/participants/{gone}", headers=coordinator_headers)).status == 204
    await login(intake_client, pool)

    for lang, erased, kind in (("de", "gelöschte Person", "Neu angekommen"), ("en", "erased participant", "Newcomer")):
        log = await (await intake_client.get("/dashboard/audit", params={"lang": lang})).text()
        assert f"<em>{erased}</em> ({kind})" in log
        assert f"Deutsch B1 am Wochenende · <em>{erased}</em>" in log
        assert "Olena" not in log and "Krüger" not in log
        assert f"/dashboard/participants/{newcomer}" not in log and f"/dashboard/participants/{provider}" not in log


async def test_the_audit_page_names_every_subject_in_one_query(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    mentors = [await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(name=f"Mentor {i}"))
               for i in range(3)]
    _, course = await _provider_and_course(intake_client, pool)
    await pool.executemany("INSERT INTO audit_log (action, subject_type, subject_id) VALUES ($1, $2, $3)",
                           [*(("participant.pause", "participant", m) for m in mentors),
                            ("course.close", "course", course)])
    queries: list[str] = []
    async with pool.acquire() as conn:
        conn.add_query_logger(lambda record: queries.append(record.query))
        listed = await audit_log.entries(conn)
    assert len(queries) == 1, queries
    assert sorted((r["subject_type"], r["person_name"], r["subject_title"]) for r in listed) == [
        ("course", "Sprachschule Jena", "Deutsch B1 am Wochenende"),
        *(("participant", f"Mentor {i}", None) for i in range(3))]
