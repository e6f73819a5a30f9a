"""What a provider or employer does to a course or position on the manage page is in the audit log,
with them as the actor: the coordinator who finds a suggestion withdrawn reads who closed, reopened
or changed what, and when, on the match page and the owner's page, after a reopen too."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date, timedelta

import asyncpg
import pytest

from lotse.matcher.consumer import MatcherConsumer
from lotse.shared import events
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import employer_payload, form_fields
from tests.integration.test_dashboard import login
from tests.integration.test_manage_offers import _evening_b1_suggested, _post, _verified, deliver
from tests.integration.test_self_service import manage_link


@pytest.fixture
def matcher(pool: asyncpg.Pool) -> MatcherConsumer:
    return MatcherConsumer(pool, None)  # type: ignore[arg-type]  # handle() needs no broker


def _text(page: str) -> str:
    """The page's words, tags dropped, whitespace as single spaces."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html_lib.unescape(page)))


async def _page(intake_client: IntakeClient, path: str) -> str:
    response = await intake_client.get(path)
    assert response.status == 200, path
    return _text(await response.text())


async def test_closing_reopening_and_changing_a_course_are_on_the_match_and_provider_pages(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    provider, course, newcomer, first = await _evening_b1_suggested(intake_client, pool, matcher)
    status, _ = await _post(intake_client, provider, {"action": "offer_close", "offer": str(course), "confirm": "yes"})
    assert status == 200
    later = date.today() + timedelta(days=30)
    status, _ = await _post(intake_client, provider, {"action": "offer_reopen", "offer": str(course),
                                                      f"starts_on-{course}": later.isoformat()})
    assert status == 200
    await deliver(matcher, pool, events.PARTICIPANT_UPDATED, participant_id=provider, kind="language_provider")
    second = await pool.fetchval("SELECT id FROM matches WHERE counterpart_id = $1 AND status = 'suggested'", course)
    assert second is not None and second != first
    # Weekends now: the newcomer wants evenings, so the new suggestion is withdrawn too.
    page = html_lib.unescape(await (await intake_client.get(manage_link(provider))).text())
    sent = dict(form_fields(page, f"schedule-{course}")) | {"action": "offer_save", f"schedule-{course}": "weekend"}
    status, _ = await _post(intake_client, provider, sent)
    assert status == 200
    assert await pool.fetchval("SELECT reason FROM matches WHERE id = $1", second) == "counterpart_unavailable"

    entries = await pool.fetch("SELECT actor_id, actor_role, action, subject_type, subject_id, before, after, detail "
                               "FROM audit_log ORDER BY id")
    assert [(e["actor_id"], e["actor_role"], e["action"], e["subject_id"]) for e in entries] == [
        (provider, "participant", action, course) for action in ("course.close", "course.reopen", "course.change")]
    assert {e["detail"] for e in entries} == {"Deutsch B1 abends"}
    assert (entries[1]["before"], entries[1]["after"]) == (None, {"starts_on": later.isoformat()})
    assert (entries[2]["before"], entries[2]["after"]) == ({"schedule": "evening"}, {"schedule": "weekend"})

    await login(intake_client)  # the dashboard in German
    # The first suggestion: closed by the provider, with the day, though the course is open again.
    history = (await _page(intake_client, f"/dashboard/matches/{first}")).partition("Verlauf")[2]
    assert "Grund: Der Anbieter hat den Kurs geschlossen" in history
    closed = re.search(r"(\d\d\.\d\d\.\d{4}, \d\d:\d\d) Kursanbieter: hat den Kurs geschlossen · Deutsch B1 abends",
                       history)
    assert closed, history
    assert f"Kursanbieter: hat den Kurs wieder geöffnet · Deutsch B1 abends · Kursbeginn: {later:%d.%m.%Y}" in history
    # The second: "paused, withdrew or no places left" alone did not say the schedule changed.
    history = (await _page(intake_client, f"/dashboard/matches/{second}")).partition("Verlauf")[2]
    assert "Kursanbieter: hat den Kurs geändert · Deutsch B1 abends · Kurszeiten: Abends → Kurszeiten: Am Wochenende" \
        in history
    assert "geschlossen" not in history  # only what happened since it was suggested
    # The provider's own page lists the three, newest first.
    audit = (await _page(intake_client, f"/dashboard/participants/{provider}")).partition("Protokoll")[2]
    places = [audit.index(f"Kursanbieter: hat den Kurs {verb}") for verb in ("geändert", "wieder geöffnet",
                                                                            "geschlossen")]
    assert places == sorted(places), audit
    export = await (await intake_client.get(f"/dashboard/participants/{provider}/export.json")).json()
    assert [(e["actor_role"], e["action"]) for e in export["audit"]] == [
        ("participant", "course.close"), ("participant", "course.reopen"), ("participant", "course.change")]
    newcomer_export = await (await intake_client.get(f"/dashboard/participants/{newcomer}/export.json")).json()
    assert newcomer_export["audit"] == []  # the newcomer's holds none of it


async def test_an_employer_closing_a_position_is_audited_with_the_employer_as_actor(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    employer = await _verified(intake_client, pool, "/api/v1/employers", employer_payload())
    position = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1", employer)
    status, _ = await _post(intake_client, employer, {"action": "offer_close", "offer": str(position),
                                                      "confirm": "yes"})
    assert status == 200
    entry = await pool.fetchrow("SELECT actor_id, actor_role, action, subject_type, subject_id FROM audit_log")
    assert dict(entry) == {"actor_id": employer, "actor_role": "participant", "action": "position.close",
                           "subject_type": "position", "subject_id": position}
    await login(intake_client)
    audit = (await _page(intake_client, f"/dashboard/participants/{employer}")).partition("Protokoll")[2]
    assert "Arbeitgeber: hat die Stelle geschlossen" in audit, audit
    log = await _page(intake_client, "/dashboard/audit")
    assert "die Person selbst, auf ihrer Verwaltungsseite" in log and "hat die Stelle geschlossen" in log
