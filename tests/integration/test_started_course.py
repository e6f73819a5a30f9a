"""A course whose start date has passed (review 8a, finding 2): the lifecycle job withdraws its
open suggestions, an approval is refused (API 409, the dashboard says why), the provider's manage
page and the coordinator's provider page say it has started, and a reminder sent after the start
does not say the course "starts soon"."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import asyncpg
from aio_pika.abc import AbstractRobustConnection

from lotse.intake import lifecycle_jobs
from lotse.shared import events, reference
from lotse.shared.mailsink import MailSink
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import newcomer_payload, provider_payload
from tests.integration.notifier_fixtures import (
    RunningNotifier,
    add_course,
    add_match,
    add_participant,
    mails_to,
    match_event,
    publish,
)
from tests.integration.test_dashboard import _verified, login
from tests.integration.test_self_service import manage_link

START = "The course starts soon."


async def _course_suggestion(intake_client: IntakeClient, pool: asyncpg.Pool, *, starts_in: int,
                             status: str = "suggested") -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """(provider, course, match): a suggestion of a course that starts in `starts_in` days (past if < 0)."""
    provider = await _verified(intake_client, pool, "/api/v1/language-providers", provider_payload())
    course = await pool.fetchval("SELECT id FROM courses WHERE provider_id = $1", provider)
    # Thuringia's date, as the rule reads it (the session's current_date may be a day off it).
    await pool.execute("UPDATE courses SET starts_on = $2 WHERE id = $1", course,
                       reference.today() + timedelta(days=starts_in))
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    match_id = uuid.uuid4()
    await pool.execute(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation, status)
           VALUES ($1, 'language_course', $2, $3, 0.6,
                   '[{"factor": "start", "contribution": 0.1, "detail": "Starts in 21 days (2026-12-15)."}]', $4)""",
        match_id, newcomer, course, status)
    return provider, course, match_id


async def test_the_lifecycle_job_withdraws_the_open_suggestions_of_a_started_course(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    _, _, started = await _course_suggestion(intake_client, pool, starts_in=-1)
    _, _, today = await _course_suggestion(intake_client, pool, starts_in=0)
    _, _, approved = await _course_suggestion(intake_client, pool, starts_in=-1, status="approved")

    counts = await lifecycle_jobs.run_once(pool)
    assert counts is not None and counts["withdrawn_started"] == 1
    rows = {r["id"]: r for r in await pool.fetch("SELECT id, status, reason, end_reason FROM matches")}
    assert (rows[started]["status"], rows[started]["reason"], rows[started]["end_reason"]) == (
        "withdrawn", "course_started", "course_started")
    assert rows[today]["status"] == "suggested"  # a course that starts today is still offered
    assert rows[approved]["status"] == "approved"  # a place already given stays
    [withdrawn] = await pool.fetch("SELECT payload FROM outbox WHERE type = $1", events.MATCH_WITHDRAWN)
    assert (withdrawn["payload"]["match_id"], withdrawn["payload"]["reason"]) == (str(started), "course_started")
    # The coordinator's match page labels the reason.
    await login(intake_client)
    page = await (await intake_client.get(f"/dashboard/matches/{started}")).text()
    assert "Der Kurs hat begonnen" in page


async def test_approving_a_started_course_is_refused_in_the_api_and_the_dashboard(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    _, _, by_api = await _course_suggestion(intake_client, pool, starts_in=-1)
    response = await intake_client.post(f"/api/v1/matches/{by_api}/approve", headers=coordinator_headers)
    assert response.status == 409
    assert "the course has started" in await response.text()
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", by_api) == "suggested"

    _, _, in_queue = await _course_suggestion(intake_client, pool, starts_in=-1)
    csrf = await login(intake_client)
    decided = await intake_client.post(f"/dashboard/matches/{in_queue}/approve", data={"csrf": csrf},
                                       allow_redirects=False)
    assert decided.status == 303 and "msg=course_started" in decided.headers["Location"]
    page = await (await intake_client.get(decided.headers["Location"])).text()
    assert "Dieser Kurs hat schon begonnen, darum schicken wir niemanden mehr hin." in page
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", in_queue) == "suggested"


async def test_the_queue_counts_the_start_and_the_waiting_from_today(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    _, _, match_id = await _course_suggestion(intake_client, pool, starts_in=5)
    await pool.execute(
        """UPDATE matches SET created_at = now() - interval '10 days', explanation = jsonb_build_array(
               jsonb_build_object('factor', 'start', 'contribution', 0.1,
                                  'detail', format('Starts in 15 days (%s).', current_date + 5)),
               jsonb_build_object('factor', 'waiting', 'contribution', 0.05, 'detail', 'Waiting for 0 days.'))
           WHERE id = $1""", match_id)
    await login(intake_client)
    page = await (await intake_client.get("/dashboard")).text()
    assert "Beginnt in 5 Tagen" in page and "Beginnt in 15 Tagen" not in page
    assert "Wartet seit 10 Tagen." in page


async def test_the_provider_and_the_coordinator_see_that_the_course_has_started(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    provider, course, _ = await _course_suggestion(intake_client, pool, starts_in=-1)
    manage = await (await intake_client.get(manage_link(provider), params={"lang": "en"})).text()
    assert "This course has started, so we no longer suggest it to newcomers." in manage
    await pool.execute("UPDATE courses SET starts_on = current_date + 3 WHERE id = $1", course)
    manage = await (await intake_client.get(manage_link(provider), params={"lang": "en"})).text()
    assert "This course has started" not in manage

    await pool.execute("UPDATE courses SET starts_on = $2 WHERE id = $1", course, date.today() - timedelta(days=1))
    await login(intake_client)
    page = await (await intake_client.get(f"/dashboard/participants/{provider}")).text()
    assert "begonnen: wird nicht mehr vorgeschlagen" in page


async def test_a_reminder_after_the_course_started_does_not_say_it_starts_soon(
    pool: asyncpg.Pool, amqp: AbstractRobustConnection, running_notifier: RunningNotifier, sink: MailSink,
) -> None:
    vhs = await add_participant(pool, "language_provider", name="Jana Wendt", locale="de",
                                profile={"organisation": "VHS Erfurt"})
    said = {}
    for label, starts_on in (("soon", date.today() + timedelta(days=3)), ("started", date.today() - timedelta(days=1))):
        newcomer = await add_participant(pool, "newcomer", name=f"Olena {label}", locale="en")
        course = await add_course(pool, vhs, title=f"Deutsch B1 {label}", schedule="evening", starts_on=starts_on)
        match_id = await add_match(pool, "language_course", newcomer, course)
        await pool.execute(
            """UPDATE matches SET explanation = '[{"factor": "start", "contribution": 0.3, "detail": "x"}]'
               WHERE id = $1""", match_id)
        await publish(amqp, match_event(events.MATCH_INTRODUCED, match_id, "language_course", newcomer, course))
        [mail] = await mails_to(sink, newcomer.email)
        said[label] = mail.text
    assert START in said["soon"]
    assert START not in said["started"]
