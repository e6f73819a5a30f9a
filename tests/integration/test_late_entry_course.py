"""Late-entry courses (docs/decisions.md): a course that takes newcomers up to `late_entry_weeks`
after its start stays open for entry until then. The matcher still suggests it, the lifecycle job
leaves its suggestions, approving one works, and the provider's page says until when; without
late entry (or after it) the course is started as before: withdrawn, refused, not suggested."""

from __future__ import annotations

import html as html_lib
import uuid
from datetime import timedelta

import asyncpg

from lotse.intake import lifecycle_jobs
from lotse.matcher import pools
from lotse.matcher.consumer import MatcherConsumer
from lotse.shared import events, matches_db, reference
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import form_fields, newcomer_payload, provider_payload
from tests.integration.test_dashboard import login
from tests.integration.test_matcher import EVENING_COURSES, _verified, deliver, matcher, open_suggestions
from tests.integration.test_self_service import manage_link

__all__ = ["matcher"]  # fixture used by name

EVENING_B1 = EVENING_COURSES[0]


async def _started_course(intake_client: IntakeClient, pool: asyncpg.Pool, *, days_ago: int,
                          late_entry_weeks: int | None) -> tuple[uuid.UUID, uuid.UUID]:
    """(provider, course): an evening B1 course that started `days_ago` days ago on Thuringia's calendar."""
    provider = await _verified(intake_client, pool, "/api/v1/language-providers",
                               provider_payload(courses=[EVENING_B1]))
    course = await pool.fetchval("SELECT id FROM courses WHERE provider_id = $1", provider)
    await pool.execute("UPDATE courses SET starts_on = $2, late_entry_weeks = $3 WHERE id = $1",
                       course, reference.today() - timedelta(days=days_ago), late_entry_weeks)
    return provider, course


async def _suggestion(intake_client: IntakeClient, pool: asyncpg.Pool, course: uuid.UUID) -> uuid.UUID:
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    match_id = uuid.uuid4()
    await pool.execute(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation, status)
           VALUES ($1, 'language_course', $2, $3, 0.6, '[]', 'suggested')""", match_id, newcomer, course)
    return match_id


async def test_sql_and_python_agree_on_the_late_entry_deadline(pool: asyncpg.Pool) -> None:
    today = reference.today()
    cases = [  # (start, weeks, started for matching)
        (today - timedelta(days=10), 4, False), (today - timedelta(days=10), None, True),
        (today - timedelta(days=10), 1, True), (today - timedelta(days=14), 2, False),  # the last day of entry
        (today - timedelta(days=15), 2, True), (today, None, False),
    ]
    for start, weeks, started in cases:
        in_sql = await pool.fetchval(f"SELECT {matches_db.course_started_sql('$1::date', '$2::int')}", start, weeks)
        assert (in_sql, matches_db.course_started(start, weeks)) == (started, started), (start, weeks)


async def test_the_matcher_suggests_a_begun_course_until_its_late_entry_ends(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    _, late = await _started_course(intake_client, pool, days_ago=10, late_entry_weeks=4)
    _, closed = await _started_course(intake_client, pool, days_ago=10, late_entry_weeks=None)
    _, over = await _started_course(intake_client, pool, days_ago=10, late_entry_weeks=1)
    async with pool.acquire() as conn:
        offered = {c.id for c in (await pools.load_pools(conn)).courses}
    assert late in offered and closed not in offered and over not in offered

    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
    suggested = {r["counterpart_id"] for r in await open_suggestions(pool, newcomer, "language_course")}
    assert suggested == {late}


async def test_the_lifecycle_job_keeps_and_the_api_approves_a_late_entry_suggestion(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    _, late = await _started_course(intake_client, pool, days_ago=10, late_entry_weeks=4)
    _, closed = await _started_course(intake_client, pool, days_ago=10, late_entry_weeks=None)
    kept, withdrawn = await _suggestion(intake_client, pool, late), await _suggestion(intake_client, pool, closed)
    refused = await _suggestion(intake_client, pool, closed)

    # Approving before the job's pass: the course without late entry is refused, the other approved.
    response = await intake_client.post(f"/api/v1/matches/{refused}/approve", headers=coordinator_headers)
    assert response.status == 409 and "the course has started" in await response.text()

    counts = await lifecycle_jobs.run_once(pool)
    assert counts is not None and counts["withdrawn_started"] == 2  # `withdrawn` and `refused`
    rows = {r["id"]: r for r in await pool.fetch("SELECT id, status, reason FROM matches")}
    assert (rows[withdrawn]["status"], rows[withdrawn]["reason"]) == ("withdrawn", "course_started")
    assert rows[kept]["status"] == "suggested"

    response = await intake_client.post(f"/api/v1/matches/{kept}/approve", headers=coordinator_headers)
    assert response.status == 200, await response.text()
    assert (await response.json())["status"] in ("approved", "introduced")


async def test_the_manage_page_says_until_when_and_ending_late_entry_withdraws(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    provider, course = await _started_course(intake_client, pool, days_ago=10, late_entry_weeks=4)
    suggested = await _suggestion(intake_client, pool, course)
    until = reference.today() - timedelta(days=10) + timedelta(weeks=4)
    page = html_lib.unescape(await (await intake_client.get(manage_link(provider), params={"lang": "de"})).text())
    assert f"Neuankommende können noch bis zum {until:%d.%m.%Y} einsteigen" in page
    assert "darum schlagen wir ihn nicht mehr vor" not in page
    fields = dict(form_fields(page, f"seats-{course}"))
    assert fields[f"late_entry_weeks-{course}"] == "4"

    # A wrong number is refused at the field, named by the course; nothing changes.
    fields[f"late_entry_weeks-{course}"] = "0"
    response = await intake_client.post(manage_link(provider), data={**fields, "action": "offer_save"})
    page = html_lib.unescape(await response.text())
    assert response.status == 422 and f'id="late_entry_weeks-{course}-error"' in page
    assert "Must be a whole number between 1 and 52." in page or "zwischen 1 und 52" in page
    assert await pool.fetchval("SELECT late_entry_weeks FROM courses WHERE id = $1", course) == 4

    # Emptied: no late entry. The course is started now, and its open suggestion withdrawn at once.
    fields[f"late_entry_weeks-{course}"] = ""
    response = await intake_client.post(manage_link(provider), data={**fields, "action": "offer_save"})
    assert response.status == 200, await response.text()
    assert await pool.fetchval("SELECT late_entry_weeks FROM courses WHERE id = $1", course) is None
    assert tuple(await pool.fetchrow("SELECT status, reason FROM matches WHERE id = $1", suggested)) == (
        "withdrawn", "course_started")
    page = html_lib.unescape(await (await intake_client.get(manage_link(provider), params={"lang": "de"})).text())
    assert "darum schlagen wir ihn nicht mehr vor" in page


async def test_the_manage_page_sets_late_entry_on_a_course_and_keeps_the_suggestions(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    provider, course = await _started_course(intake_client, pool, days_ago=0, late_entry_weeks=None)
    suggested = await _suggestion(intake_client, pool, course)
    page = html_lib.unescape(await (await intake_client.get(manage_link(provider))).text())
    fields = dict(form_fields(page, f"seats-{course}"))
    assert fields[f"late_entry_weeks-{course}"] == ""
    response = await intake_client.post(manage_link(provider), data={
        **fields, f"late_entry_weeks-{course}": "6", "action": "offer_save"})
    assert response.status == 200, await response.text()
    assert await pool.fetchval("SELECT late_entry_weeks FROM courses WHERE id = $1", course) == 6
    # Late entry changes no score: the open suggestion stays.
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", suggested) == "suggested"


async def test_the_api_stores_validates_and_returns_late_entry(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    for bad in (0, 53, "4", True, 2.5):
        body = provider_payload(courses=[{**EVENING_B1, "late_entry_weeks": bad}])
        response = await intake_client.post("/api/v1/language-providers", json=body)
        assert response.status == 422, (bad, await response.text())
        assert set((await response.json())["error"]["fields"]) == {"courses[0].late_entry_weeks"}, bad

    body = provider_payload(courses=[{**EVENING_B1, "late_entry_weeks": 4}, {**EVENING_B1, "late_entry_weeks": None},
                                     {**EVENING_B1, "title": "Ohne"}])
    response = await intake_client.post("/api/v1/language-providers", json=body)
    assert response.status == 201, await response.text()
    provider = (await response.json())["id"]
    stored = sorted(r["late_entry_weeks"] or 0 for r in await pool.fetch(
        "SELECT late_entry_weeks FROM courses WHERE provider_id = $1", uuid.UUID(provider)))
    assert stored == [0, 0, 4]
    detail = await (await intake_client.get(f"/api/v1/participants/{provider}", headers=coordinator_headers)).json()
    assert sorted(c["late_entry_weeks"] or 0 for c in detail["courses"]) == [0, 0, 4]


async def test_the_registration_form_takes_late_entry(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    response = await intake_client.get("/register/language-provider", params={"lang": "en"})
    page = html_lib.unescape(await response.text())
    assert 'name="courses-0-late_entry_weeks"' in page and "Late entry: weeks after the start" in page
    form = {"name": "Anna Schmidt", "email": "late-entry@example.org", "preferred_locale": "de", "district": "16053",
            "languages-0-code": "de", "languages-0-level": "native", "consent_data_processing": "on",
            "organisation": "VHS Jena", **{f"courses-0-{k}": str(v) for k, v in EVENING_B1.items() if k != "childcare"}}
    response = await intake_client.post("/register/language-provider", data={**form, "courses-0-late_entry_weeks": "x"})
    page = html_lib.unescape(await response.text())
    assert response.status == 422 and 'id="courses-0-late_entry_weeks-error"' in page
    assert "Late entry into course 1: " in page  # the summary names the field and its course
    response = await intake_client.post("/register/language-provider", data={**form, "courses-0-late_entry_weeks": "3"})
    assert response.status in (200, 303), await response.text()
    assert await pool.fetchval(
        """SELECT c.late_entry_weeks FROM courses c JOIN participants p ON p.id = c.provider_id
           WHERE p.email = 'late-entry@example.org'""") == 3


async def test_the_dashboard_says_the_late_entry_on_the_provider_and_the_suggestion(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    provider, course = await _started_course(intake_client, pool, days_ago=10, late_entry_weeks=4)
    match_id = await _suggestion(intake_client, pool, course)
    await pool.execute(
        """UPDATE matches SET explanation = '[{"factor": "start", "contribution": 0.1,
                                               "detail": "Starts in 20 days (2026-12-15)."}]' WHERE id = $1""",
        match_id)
    until = reference.today() - timedelta(days=10) + timedelta(weeks=4)
    await login(intake_client)
    page = html_lib.unescape(await (await intake_client.get(f"/dashboard/participants/{provider}")).text())
    assert "Bis 4 Wochen nach Kursbeginn" in page
    assert "begonnen: wird nicht mehr vorgeschlagen" not in page  # open for entry: not marked started
    page = html_lib.unescape(await (await intake_client.get(f"/dashboard/matches/{match_id}")).text())
    assert f"Hat vor 10 Tagen begonnen ({reference.today() - timedelta(days=10):%d.%m.%Y}); Einstieg möglich bis " \
           f"{until:%d.%m.%Y}." in page
