"""A provider's courses and an employer's positions on the manage page (seats left, fewer or more
places, closing, adding), how the matcher follows, and a repeated registration's e-mail."""

from __future__ import annotations

import html as html_lib
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from lotse.intake.dashboard.vocabulary import ZONE
from lotse.matcher.consumer import MatcherConsumer
from lotse.matcher.pools import load_pools
from lotse.notifier.consumer import NotifierConsumer
from lotse.shared import events
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import employer_payload, form_fields, newcomer_payload, provider_payload
from tests.integration.notifier_fixtures import FastRetries, deliver_all, delivery, sink, smtp_settings, to
from tests.integration.test_dashboard import login
from tests.integration.test_self_service import manage_link

__all__ = ["delivery", "sink", "smtp_settings"]  # fixtures used by name

SOON = (date.today() + timedelta(days=20)).isoformat()
WEEKEND_A1 = {"title": "Deutsch A1 am Wochenende", "level": "A1", "schedule": "weekend", "format": "in_person",
              "district": "16052", "seats": 10, "starts_on": SOON, "childcare": False}
EVENING_B1 = {"title": "Deutsch B1 abends", "level": "B1", "schedule": "evening", "format": "in_person",
              "district": "16052", "seats": 10, "starts_on": SOON, "childcare": True}


async def _verified(intake_client: IntakeClient, pool: asyncpg.Pool, path: str, body: dict[str, Any]) -> uuid.UUID:
    created = await intake_client.post(path, json={**body, "preferred_locale": "en"})  # pages in the source words
    assert created.status == 201, await created.text()
    participant_id = uuid.UUID((await created.json())["id"])
    await pool.execute("UPDATE participants SET status = 'verified', verified_at = now() WHERE id = $1",
                       participant_id)
    return participant_id


async def _newcomer(intake_client: IntakeClient, pool: asyncpg.Pool) -> uuid.UUID:
    return await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())


async def _provider_with_evening_b1(intake_client: IntakeClient, pool: asyncpg.Pool) -> tuple[uuid.UUID, uuid.UUID]:
    """A verified course provider with one course (EVENING_B1): the provider's and the course's ids."""
    provider = await _verified(intake_client, pool, "/api/v1/language-providers",
                               provider_payload(courses=[EVENING_B1]))
    return provider, await pool.fetchval("SELECT id FROM courses WHERE provider_id = $1", provider)


async def _add_match(
    pool: asyncpg.Pool, newcomer: uuid.UUID, counterpart: uuid.UUID, kind: str, status: str
) -> uuid.UUID:
    match_id = uuid.uuid4()
    await pool.execute("INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status) "
                       "VALUES ($1, $2, $3, $4, 0.5, $5)", match_id, kind, newcomer, counterpart, status)
    return match_id


async def _post(intake_client: IntakeClient, owner: uuid.UUID, data: dict[str, str]) -> tuple[int, str]:
    response = await intake_client.post(manage_link(owner), data=data, allow_redirects=True)
    return response.status, html_lib.unescape(await response.text())


async def _updated_events(pool: asyncpg.Pool, owner: uuid.UUID) -> int:
    return int(await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE type = 'participant.updated' AND payload->>'participant_id' = $1",
        str(owner)))


@pytest.fixture
def matcher(pool: asyncpg.Pool) -> MatcherConsumer:
    return MatcherConsumer(pool, None)  # type: ignore[arg-type]  # handle() needs no broker


async def deliver(matcher: MatcherConsumer, pool: asyncpg.Pool, event_type: str, **data: object) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await matcher.handle(conn, events.new_event(event_type, **data))


async def _evening_b1_suggested(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID, uuid.UUID]:
    """A provider with the evening B1 course (EVENING_B1) and a newcomer the matcher suggested it to:
    the provider's, the course's, the newcomer's and the suggestion's ids."""
    provider, course = await _provider_with_evening_b1(intake_client, pool)
    newcomer = await _newcomer(intake_client, pool)
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
    suggested = await pool.fetchval("SELECT id FROM matches WHERE counterpart_id = $1 AND newcomer_id = $2 "
                                    "AND status = 'suggested'", course, newcomer)
    assert suggested is not None
    return provider, course, newcomer, suggested


async def test_a_provider_sees_seats_left_and_changes_seats_and_start(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    provider, course = await _provider_with_evening_b1(intake_client, pool)
    await _add_match(pool, await _newcomer(intake_client, pool), course, "language_course", "active")

    page = html_lib.unescape(await (await intake_client.get(manage_link(provider))).text())
    assert "Free: 9 of 10 seats" in page
    assert "please write to the welcome centre" not in page
    shown = dict(form_fields(page, f"seats-{course}"))
    assert shown == {"offer": str(course), f"seats-{course}": "10", f"starts_on-{course}": SOON,
                     f"schedule-{course}": "evening", f"format-{course}": "in_person", f"district-{course}": "16052",
                     f"childcare-{course}": "on",
                     f"late_entry_weeks-{course}": ""}

    later = (date.today() + timedelta(days=40)).isoformat()
    status, page = await _post(intake_client, provider, {"action": "offer_save", "offer": str(course),
                                                         f"seats-{course}": "4", f"starts_on-{course}": later})
    assert status == 200 and "Free: 3 of 4 seats" in page
    stored = await pool.fetchrow("SELECT seats, starts_on, schedule, childcare FROM courses WHERE id = $1", course)
    assert (stored["seats"], stored["starts_on"].isoformat()) == (4, later)
    # A post of places alone (no details, so no childcare box) keeps the stored details and the tick.
    assert (stored["schedule"], stored["childcare"]) == ("evening", True)
    assert await _updated_events(pool, provider) == 1  # the matcher hears of the new room


async def test_seats_below_those_taken_are_refused_with_a_field_error(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    provider, course = await _provider_with_evening_b1(intake_client, pool)
    for state in ("approved", "introduced"):
        await _add_match(pool, await _newcomer(intake_client, pool), course, "language_course", state)

    status, page = await _post(intake_client, provider, {"action": "offer_save", "offer": str(course),
                                                         f"seats-{course}": "1", f"starts_on-{course}": SOON})
    assert status == 422
    assert "2 places are already taken by people matched to it: it cannot have fewer." in page
    assert f'id="seats-{course}" name="seats-{course}" value="1"' in page and 'aria-invalid="true"' in page
    assert await pool.fetchval("SELECT seats FROM courses WHERE id = $1", course) == 10
    assert await _updated_events(pool, provider) == 0

    # Not a number, and a start in the past: the registration's messages, at the course's fields.
    status, page = await _post(intake_client, provider, {"action": "offer_save", "offer": str(course),
                                                         f"seats-{course}": "viele",
                                                         f"starts_on-{course}": "2020-01-01"})
    assert status == 422 and f'id="seats-{course}-error"' in page and f'id="starts_on-{course}-error"' in page
    assert 'href="#seats-' in page and "Seats in “Deutsch B1 abends”: " in page  # the summary names the course


async def test_a_course_that_has_begun_keeps_its_date_when_its_seats_change(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    provider, course = await _provider_with_evening_b1(intake_client, pool)
    begun = date.today() - timedelta(days=10)
    await pool.execute("UPDATE courses SET starts_on = $2 WHERE id = $1", course, begun)

    status, _ = await _post(intake_client, provider, {"action": "offer_save", "offer": str(course),
                                                      f"seats-{course}": "12",
                                                      f"starts_on-{course}": begun.isoformat()})
    assert status == 200
    assert await pool.fetchval("SELECT seats FROM courses WHERE id = $1", course) == 12

    # A new date in the past is still refused.
    earlier = (begun - timedelta(days=1)).isoformat()
    status, page = await _post(intake_client, provider, {"action": "offer_save", "offer": str(course),
                                                         f"seats-{course}": "12", f"starts_on-{course}": earlier})
    assert status == 422 and f'id="starts_on-{course}-error"' in page
    assert await pool.fetchval("SELECT starts_on FROM courses WHERE id = $1", course) == begun


async def test_closing_a_course_withdraws_its_suggestions_and_running_matches_continue(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    provider, course, newcomer, suggested = await _evening_b1_suggested(intake_client, pool, matcher)
    running = await _add_match(pool, await _newcomer(intake_client, pool), course, "language_course", "active")

    # The first tap only asks (a page without JavaScript); nothing is closed or withdrawn yet.
    status, page = await _post(intake_client, provider, {"action": "offer_close", "offer": str(course)})
    assert status == 200 and "Close “Deutsch B1 abends”?" in page and 'name="confirm" value="yes"' in page
    assert "Running matches continue; open suggestions are withdrawn." in page and "Keep it open" in page
    assert not await pool.fetchval("SELECT closed_at IS NOT NULL FROM courses WHERE id = $1", course)
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", suggested) == "suggested"

    status, page = await _post(intake_client, provider, {"action": "offer_close", "offer": str(course),
                                                         "confirm": "yes"})
    assert status == 200 and "Closed" in page and f"seats-{course}" not in page
    assert await pool.fetchval("SELECT closed_at IS NOT NULL FROM courses WHERE id = $1", course)
    assert dict(await pool.fetchrow("SELECT status, reason FROM matches WHERE id = $1", suggested)) == {
        "status": "withdrawn", "reason": "course_closed"}
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", running) == "active"
    # The coordinator reads who closed what, and when; not "paused, withdrew or no places left".
    await login(intake_client)
    match_page = html_lib.unescape(await (await intake_client.get(f"/dashboard/matches/{suggested}")).text())
    closed_on = datetime.now(ZONE).strftime("%d.%m.%Y")  # the day in Thuringia, as the dashboard shows it
    assert "Grund: Der Anbieter hat den Kurs geschlossen (<time datetime=" in match_page
    assert f">{closed_on}</time>)" in match_page
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE type = 'match.withdrawn' "
                               "AND payload->>'match_id' = $1", str(suggested)) == 1

    # The matcher, told of the change, never suggests the closed course again.
    await deliver(matcher, pool, events.PARTICIPANT_UPDATED, participant_id=provider, kind="language_provider")
    await deliver(matcher, pool, events.PARTICIPANT_UPDATED, participant_id=newcomer, kind="newcomer")
    assert not await pool.fetchval("SELECT count(*) FROM matches WHERE counterpart_id = $1 AND status = 'suggested'",
                                   course)
    async with pool.acquire() as conn:
        assert course not in {c.id for c in (await load_pools(conn)).courses}

    # Closing twice (a second tab): nothing changes, and the page says so, whether asking or confirming.
    for confirm in ("", "yes"):
        status, page = await _post(intake_client, provider, {"action": "offer_close", "offer": str(course),
                                                             "confirm": confirm})
        assert status == 409 and "This course or position is closed already. Nothing was changed." in page


async def test_a_closed_course_is_reopened_from_today_on_and_suggested_again(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    provider, course, newcomer, _ = await _evening_b1_suggested(intake_client, pool, matcher)
    status, _ = await _post(intake_client, provider, {"action": "offer_close", "offer": str(course), "confirm": "yes"})
    assert status == 200
    suggested = "SELECT count(*) FROM matches WHERE counterpart_id = $1 AND status = 'suggested'"
    assert await pool.fetchval(suggested, course) == 0
    begun = date.today() - timedelta(days=3)
    await pool.execute("UPDATE courses SET starts_on = $2 WHERE id = $1", course, begun)

    page = html_lib.unescape(await (await intake_client.get(manage_link(provider))).text())
    assert 'value="offer_reopen"' in page and f'id="starts_on-{course}" name="starts_on-{course}"' in page
    # It has begun: the matcher would never suggest it, so reopening it as it was is refused at its date.
    status, page = await _post(intake_client, provider, {"action": "offer_reopen", "offer": str(course),
                                                         f"starts_on-{course}": begun.isoformat()})
    assert status == 422 and f'id="starts_on-{course}-error"' in page
    assert await pool.fetchval("SELECT closed_at IS NOT NULL FROM courses WHERE id = $1", course)
    assert await _updated_events(pool, provider) == 1  # the close's only

    later = date.today() + timedelta(days=30)
    status, page = await _post(intake_client, provider, {"action": "offer_reopen", "offer": str(course),
                                                         f"starts_on-{course}": later.isoformat()})
    assert status == 200 and "Free: 10 of 10 seats" in page and f"seats-{course}" in page
    stored = await pool.fetchrow("SELECT closed_at, starts_on FROM courses WHERE id = $1", course)
    assert (stored["closed_at"], stored["starts_on"]) == (None, later)
    assert await _updated_events(pool, provider) == 2
    await deliver(matcher, pool, events.PARTICIPANT_UPDATED, participant_id=provider, kind="language_provider")
    assert await pool.fetchval(suggested, course) == 1  # suggested to the same newcomer again
    assert await pool.fetchval("SELECT newcomer_id FROM matches WHERE counterpart_id = $1 AND status = 'suggested'",
                               course) == newcomer

    # Open already (a second tab): nothing changes.
    status, _ = await _post(intake_client, provider, {"action": "offer_reopen", "offer": str(course),
                                                      f"starts_on-{course}": later.isoformat()})
    assert status == 409


async def test_the_manage_page_writes_dates_and_places_as_its_reader_does(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    start = date.fromisoformat(SOON)  # as the courses were given, even if midnight passed since the module loaded
    provider = await _verified(intake_client, pool, "/api/v1/language-providers",
                               provider_payload(courses=[{**EVENING_B1, "seats": 1}, WEEKEND_A1]))
    page = html_lib.unescape(await (await intake_client.get(manage_link(provider) + "?lang=de")).text())
    assert f"Deutsch B1 abends (B1, {start.strftime('%d.%m.%Y')})" in page and start.isoformat() + ")" not in page
    assert "Noch frei: 1 von 1 Platz<" in page and "Noch frei: 10 von 10 Plätzen<" in page
    page = html_lib.unescape(await (await intake_client.get(manage_link(provider) + "?lang=en")).text())
    assert "Free: 1 of 1 seat" in page and f"(B1, {start.strftime('%b')} {start.day}, {start.year})" in page


async def test_a_suggestion_written_from_pools_read_before_the_close_is_withdrawn_by_the_matcher(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    provider, course = await _provider_with_evening_b1(intake_client, pool)
    await pool.execute("UPDATE courses SET closed_at = now() WHERE id = $1", course)
    late = await _add_match(pool, await _newcomer(intake_client, pool), course, "language_course", "suggested")
    await deliver(matcher, pool, events.PARTICIPANT_UPDATED, participant_id=provider, kind="language_provider")
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", late) == "withdrawn"


async def test_a_suggestion_written_from_pools_read_before_a_change_is_withdrawn_by_the_matcher_if_unfit(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    """Intake withdraws what a saved change makes unfit at once; a suggestion the matcher wrote
    meanwhile from the course as it was is caught on the provider's participant.updated."""
    provider, course = await _provider_with_evening_b1(intake_client, pool)
    await pool.execute("UPDATE courses SET schedule = 'weekend' WHERE id = $1", course)
    evenings_only = await _add_match(pool, await _newcomer(intake_client, pool), course, "language_course", "suggested")
    weekends_too = await _verified(intake_client, pool, "/api/v1/newcomers",
                                   newcomer_payload(course_schedules=["evening", "weekend"]))
    still_fits = await _add_match(pool, weekends_too, course, "language_course", "suggested")
    await deliver(matcher, pool, events.PARTICIPANT_UPDATED, participant_id=provider, kind="language_provider")
    assert dict(await pool.fetchrow("SELECT status, reason FROM matches WHERE id = $1", evenings_only)) == {
        "status": "withdrawn", "reason": "counterpart_unavailable"}
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", still_fits) == "suggested"


async def test_an_added_course_is_stored_and_the_matcher_suggests_it(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    provider = await _verified(intake_client, pool, "/api/v1/language-providers",
                               provider_payload(courses=[WEEKEND_A1]))
    newcomer = await _newcomer(intake_client, pool)  # A2, evenings only: the weekend A1 course does not fit
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
    assert not await pool.fetchval("SELECT count(*) FROM matches WHERE newcomer_id = $1 AND kind = 'language_course'",
                                   newcomer)

    # Missing fields: the registration's messages, nothing stored.
    status, page = await _post(intake_client, provider, {"action": "offer_add", "courses-0-title": "Deutsch B1"})
    assert status == 422 and 'id="courses-0-seats-error"' in page
    assert await pool.fetchval("SELECT count(*) FROM courses WHERE provider_id = $1", provider) == 1

    added = {f"courses-0-{k}": str(v) for k, v in EVENING_B1.items() if k != "childcare"}
    status, page = await _post(intake_client, provider, {"action": "offer_add", **added, "courses-0-childcare": "on"})
    assert status == 200 and "Deutsch B1 abends" in page and "Free: 10 of 10 seats" in page
    course = await pool.fetchval("SELECT id FROM courses WHERE provider_id = $1 AND title = 'Deutsch B1 abends'",
                                 provider)
    assert course is not None
    assert await _updated_events(pool, provider) == 1

    await deliver(matcher, pool, events.PARTICIPANT_UPDATED, participant_id=provider, kind="language_provider")
    assert await pool.fetchval("SELECT counterpart_id FROM matches WHERE newcomer_id = $1 AND kind = 'language_course' "
                               "AND status = 'suggested'", newcomer) == course


async def test_a_new_schedule_withdraws_the_suggestions_it_no_longer_fits(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    provider, course = await _provider_with_evening_b1(intake_client, pool)
    evenings_only = await _newcomer(intake_client, pool)
    any_time = await _verified(intake_client, pool, "/api/v1/newcomers",
                               newcomer_payload(course_schedules=["evening", "weekend"]))
    for newcomer in (evenings_only, any_time):
        await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
    suggested = {r["newcomer_id"]: r["id"] for r in await pool.fetch(
        "SELECT id, newcomer_id FROM matches WHERE counterpart_id = $1 AND status = 'suggested'", course)}
    assert set(suggested) == {evenings_only, any_time}
    running = await _add_match(pool, await _newcomer(intake_client, pool), course, "language_course", "active")

    # The course's own form, as a browser sends it: weekends now, and the childcare box unticked.
    page = html_lib.unescape(await (await intake_client.get(manage_link(provider))).text())
    sent = dict(form_fields(page, f"schedule-{course}"))
    sent |= {"action": "offer_save", f"schedule-{course}": "weekend", f"format-{course}": "hybrid"}
    del sent[f"childcare-{course}"]
    status, page = await _post(intake_client, provider, sent)
    assert status == 200, page
    stored = await pool.fetchrow("SELECT schedule, format, district, childcare, seats FROM courses WHERE id = $1",
                                 course)
    assert dict(stored) == {"schedule": "weekend", "format": "hybrid", "district": "16052", "childcare": False,
                            "seats": 10}
    status_of = {r["id"]: (r["status"], r["reason"]) for r in await pool.fetch(
        "SELECT id, status, reason FROM matches WHERE counterpart_id = $1", course)}
    assert status_of[suggested[evenings_only]] == ("withdrawn", "counterpart_unavailable")
    # Still fits, but scored on evenings: withdrawn for the matcher to suggest anew (review 8c, finding 1).
    assert status_of[suggested[any_time]] == ("withdrawn", "offer_changed")
    assert status_of[running] == ("active", None)  # running matches continue
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE type = 'match.withdrawn' "
                               "AND payload->>'match_id' = $1", str(suggested[evenings_only])) == 1
    assert await _updated_events(pool, provider) == 1
    # The matcher, told of it, does not suggest the weekend course to the newcomer who wants evenings.
    await deliver(matcher, pool, events.PARTICIPANT_UPDATED, participant_id=provider, kind="language_provider")
    assert await pool.fetchval("SELECT count(*) FROM matches WHERE counterpart_id = $1 AND newcomer_id = $2 "
                               "AND status = 'suggested'", course, evenings_only) == 0
    # The newcomer it still fits has it suggested again, scored as the course is now.
    assert "weekend" in await pool.fetchval(
        "SELECT explanation::text FROM matches WHERE counterpart_id = $1 AND newcomer_id = $2 AND status = 'suggested'",
        course, any_time)


async def test_a_bad_course_detail_is_refused_at_its_field_naming_the_course(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    provider, course = await _provider_with_evening_b1(intake_client, pool)
    page = html_lib.unescape(await (await intake_client.get(manage_link(provider))).text())
    sent = dict(form_fields(page, f"schedule-{course}")) | {"action": "offer_save"}
    for field, bad in ((f"schedule-{course}", "sometimes"), (f"district-{course}", "")):
        status, page = await _post(intake_client, provider, sent | {field: bad})
        assert status == 422, page
        assert f'id="{field}-error"' in page and 'aria-invalid="true"' in page
        label = "Schedule of “Deutsch B1 abends”" if field.startswith("schedule") else (
            "Location of “Deutsch B1 abends” (district)")
        assert f'<a href="#{field}">{label}:' in page  # the summary names the course
    stored = await pool.fetchrow("SELECT schedule, district, childcare FROM courses WHERE id = $1", course)
    assert dict(stored) == {"schedule": "evening", "district": "16052", "childcare": True}
    assert await _updated_events(pool, provider) == 0

    # Refused with the childcare box unticked: the form shows it as sent, not as stored.
    unticked = {k: v for k, v in sent.items() if k != f"childcare-{course}"}
    status, page = await _post(intake_client, provider, unticked | {f"schedule-{course}": "sometimes"})
    assert status == 422 and dict(form_fields(page, f"schedule-{course}")).get(f"childcare-{course}") is None


async def test_an_employer_changes_a_positions_title_field_and_german_level(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    employer = await _verified(intake_client, pool, "/api/v1/employers", employer_payload())
    position = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1", employer)
    waiting = {}
    for german in ("B1", "B2"):
        newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(
            occupation_field="crafts", languages=[{"code": "vi", "level": "native"}, {"code": "de", "level": german}]))
        waiting[german] = await _add_match(pool, newcomer, position, "employer", "suggested")
    page = html_lib.unescape(await (await intake_client.get(manage_link(employer))).text())
    sent = dict(form_fields(page, f"min_german_level-{position}"))
    assert {k: sent[k] for k in (f"title-{position}", f"occupation_field-{position}",
                                 f"min_german_level-{position}")} == {
        f"title-{position}": "Elektroniker/in", f"occupation_field-{position}": "crafts",
        f"min_german_level-{position}": "B1"}

    status, page = await _post(intake_client, employer, sent | {"action": "offer_save",
                                                                f"min_german_level-{position}": "Z9"})
    assert status == 422 and f'id="min_german_level-{position}-error"' in page
    assert f'<a href="#min_german_level-{position}">Minimum German level for “Elektroniker/in”:' in page
    assert await pool.fetchval("SELECT min_german_level FROM positions WHERE id = $1", position) == "B1"

    status, page = await _post(intake_client, employer, sent | {
        "action": "offer_save", f"title-{position}": "Elektroniker/in (m/w/d)", f"min_german_level-{position}": "B2"})
    assert status == 200 and "Elektroniker/in (m/w/d)" in page
    stored = await pool.fetchrow("SELECT title, occupation_field, min_german_level, openings FROM positions "
                                 "WHERE id = $1", position)
    assert dict(stored) == {"title": "Elektroniker/in (m/w/d)", "occupation_field": "crafts",
                            "min_german_level": "B2", "openings": 3}
    # B1 German no longer reaches B2 (this employer offers no German course during work); B2 still does.
    assert dict(await pool.fetchrow("SELECT status, reason FROM matches WHERE id = $1", waiting["B1"])) == {
        "status": "withdrawn", "reason": "counterpart_unavailable"}
    # B2 still fits, but was scored on the old ones: withdrawn for the matcher to suggest anew.
    assert dict(await pool.fetchrow("SELECT status, reason FROM matches WHERE id = $1", waiting["B2"])) == {
        "status": "withdrawn", "reason": "offer_changed"}
    assert await _updated_events(pool, employer) == 1


async def test_an_employer_changes_openings_closes_and_adds_positions(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    employer = await _verified(intake_client, pool, "/api/v1/employers", employer_payload())
    position = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1", employer)
    await _add_match(pool, await _newcomer(intake_client, pool), position, "employer", "introduced")
    page = html_lib.unescape(await (await intake_client.get(manage_link(employer))).text())
    assert "Still open: 2 of 3 openings" in page

    status, page = await _post(intake_client, employer, {"action": "offer_save", "offer": str(position),
                                                         f"openings-{position}": "0"})
    assert status == 422 and f'id="openings-{position}-error"' in page
    fits = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(  # fits but for the room
        occupation_field="crafts", languages=[{"code": "vi", "level": "native"}, {"code": "de", "level": "B1"}]))
    waiting = await _add_match(pool, fits, position, "employer", "suggested")
    status, page = await _post(intake_client, employer, {"action": "offer_save", "offer": str(position),
                                                         f"openings-{position}": "1"})
    assert status == 200 and "Still open: 0 of 1 opening" in page
    # Full now: the open suggestion could never be approved, so it is withdrawn at once.
    assert dict(await pool.fetchrow("SELECT status, reason FROM matches WHERE id = $1", waiting)) == {
        "status": "withdrawn", "reason": "counterpart_unavailable"}

    status, page = await _post(intake_client, employer, {
        "action": "offer_add", "positions-0-title": "Pflegehelfer/in", "positions-0-occupation_field": "nursing",
        "positions-0-openings": "2", "positions-0-min_german_level": "A2"})
    assert status == 200 and "Pflegehelfer/in" in page
    waiting = await _add_match(pool, await _newcomer(intake_client, pool), position, "employer", "suggested")
    status, page = await _post(intake_client, employer, {"action": "offer_close", "offer": str(position),
                                                         "confirm": "yes"})
    assert status == 200
    assert await pool.fetchval("SELECT reason FROM matches WHERE id = $1", waiting) == "position_closed"
    rows = {r["title"]: r["closed"] for r in await pool.fetch(
        "SELECT title, closed_at IS NOT NULL AS closed FROM positions WHERE employer_id = $1", employer)}
    assert rows == {"Elektroniker/in": True, "Pflegehelfer/in": False}
    status, page = await _post(intake_client, employer, {"action": "offer_reopen", "offer": str(position)})
    assert status == 200 and f"openings-{position}" in page
    assert await pool.fetchval("SELECT closed_at FROM positions WHERE id = $1", position) is None
    status, _ = await _post(intake_client, employer, {"action": "offer_close", "offer": str(position),
                                                      "confirm": "yes"})

    # Someone else's position, through this employer's link: refused, nothing changes.
    other = await _verified(intake_client, pool, "/api/v1/employers", employer_payload())
    theirs = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1", other)
    status, _ = await _post(intake_client, employer, {"action": "offer_close", "offer": str(theirs),
                                                         "confirm": "yes"})
    assert status == 409
    assert await pool.fetchval("SELECT closed_at FROM positions WHERE id = $1", theirs) is None


async def test_registering_again_says_already_registered_with_the_manage_link(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: Any
) -> None:
    body = provider_payload(preferred_locale="en")
    provider = await _verified(intake_client, pool, "/api/v1/language-providers", body)
    again = await intake_client.post("/api/v1/language-providers",
                                     json={**body, "courses": [{**EVENING_B1, "title": "Deutsch B1 Frühjahr"}]})
    assert again.status == 201 and (await again.json())["id"] == str(provider)  # the contract's answer
    assert await pool.fetchval("SELECT count(*) FROM courses WHERE provider_id = $1", provider) == 1

    [payload] = [r["payload"] for r in await pool.fetch("SELECT payload FROM outbox WHERE type = $1",
                                                        events.NOTIFICATION_REQUESTED)]
    assert payload["notification"] == "already_registered"
    notifier = NotifierConsumer(pool, None, lambda: None)
    async with pool.acquire() as conn, conn.transaction():
        await notifier.handle(conn, events.new_event(events.NOTIFICATION_REQUESTED, **payload))
    await deliver_all(delivery)
    [mail] = to(sink, body["email"])
    assert mail.headers["Subject"] == "Lotse: You are already registered"
    assert "nothing was changed or added" in mail.text
    assert "To add a course, change its seats or close it, use your page:" in mail.text
    assert "/manage/" in mail.text
    assert "We are now looking for good matches" not in mail.text


async def test_the_api_and_the_export_say_which_course_or_position_is_closed(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    provider = await _verified(intake_client, pool, "/api/v1/language-providers",
                               provider_payload(courses=[WEEKEND_A1, EVENING_B1]))
    employer = await _verified(intake_client, pool, "/api/v1/employers", employer_payload())
    course = await pool.fetchval("SELECT id FROM courses WHERE provider_id = $1 AND title = $2", provider,
                                 WEEKEND_A1["title"])
    position = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1", employer)
    for owner, offer in ((provider, course), (employer, position)):
        status, _ = await _post(intake_client, owner, {"action": "offer_close", "offer": str(offer),
                                                            "confirm": "yes"})
        assert status == 200

    for owner, key, closed_id in ((provider, "courses", course), (employer, "positions", position)):
        for path in (f"/api/v1/participants/{owner}", f"/api/v1/participants/{owner}/export"):
            response = await intake_client.get(path, headers=coordinator_headers)
            assert response.status == 200
            body = await response.json()
            offers = (body["participant"] if path.endswith("/export") else body)[key]
            closed = {o["id"]: o["closed_at"] for o in offers}
            assert closed.keys() >= {str(closed_id)}
            assert datetime.fromisoformat(closed.pop(str(closed_id))).tzinfo is not None  # ISO with offset
            assert set(closed.values()) <= {None}  # the open ones say so with null
    detail = await (await intake_client.get(f"/api/v1/participants/{provider}", headers=coordinator_headers)).json()
    assert [c["closed_at"] is None for c in detail["courses"]].count(True) == 1


async def test_the_add_fields_go_with_the_edit_form_and_save_changes_adds_what_is_typed(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """The "add" fields belong to the edit form (so the language switcher keeps them): Enter in them
    (no action: "edit") or "Save changes" adds the typed position too; a refused one saves nothing."""
    employer = await _verified(intake_client, pool, "/api/v1/employers", employer_payload())
    page = html_lib.unescape(await (await intake_client.get(manage_link(employer))).text())
    sent = dict(form_fields(page, "name"))
    assert {"positions-0-title", "positions-0-openings", "new_email", "lang"} <= set(sent)  # one form

    count = "SELECT count(*) FROM positions WHERE employer_id = $1"
    half = sent | {"name": "Klaus R.", "positions-0-title": "Pflegehelfer/in"}
    status, page = await _post(intake_client, employer, half)
    assert status == 422 and 'id="positions-0-openings-error"' in page
    assert 'value="Klaus R."' in page and 'value="Pflegehelfer/in"' in page  # all as typed
    assert await pool.fetchval(count, employer) == 1
    assert await pool.fetchval("SELECT name FROM participants WHERE id = $1", employer) == "Klaus Richter"

    # "Add a position" with the edit form along: refused, the typed edits stay typed, unsaved.
    status, page = await _post(intake_client, employer, half | {"action": "offer_add"})
    assert status == 422 and 'value="Klaus R."' in page
    assert await pool.fetchval("SELECT name FROM participants WHERE id = $1", employer) == "Klaus Richter"

    whole = half | {"positions-0-occupation_field": "nursing", "positions-0-openings": "2",
                    "positions-0-min_german_level": "A2"}
    status, page = await _post(intake_client, employer, whole)
    assert status == 200 and "Still open: 2 of 2 openings" in page
    assert await pool.fetchval(count, employer) == 2
    assert await pool.fetchval("SELECT name FROM participants WHERE id = $1", employer) == "Klaus R."


async def test_add_a_position_and_change_e_mail_save_the_profile_typed_with_them(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """Review 11b, M1: the edit form's other buttons post the profile as typed; "Add a position" and
    "Change e-mail address" dropped those edits while the page said "Saved" or "We sent a link"."""
    employer = await _verified(intake_client, pool, "/api/v1/employers", employer_payload())
    page = html_lib.unescape(await (await intake_client.get(manage_link(employer))).text())
    sent = dict(form_fields(page, "name"))
    name = "SELECT name FROM participants WHERE id = $1"

    added = sent | {"name": "Klaus R.", "action": "offer_add", "positions-0-title": "Pflegehelfer/in",
                    "positions-0-occupation_field": "nursing", "positions-0-openings": "2",
                    "positions-0-min_german_level": "A2"}
    status, page = await _post(intake_client, employer, added)
    assert status == 200 and "Still open: 2 of 2 openings" in page
    assert await pool.fetchval(name, employer) == "Klaus R."
    assert await pool.fetchval("SELECT count(*) FROM positions WHERE employer_id = $1", employer) == 2

    asked = sent | {"name": "Klaus Richter-Neu", "action": "email_change", "new_email": "klaus.neu@example.org"}
    status, page = await _post(intake_client, employer, asked)
    assert status == 200
    assert await pool.fetchval(name, employer) == "Klaus Richter-Neu"
    assert await pool.fetchval("SELECT new_email FROM email_changes WHERE participant_id = $1 "
                               "AND outcome IS NULL", employer) == "klaus.neu@example.org"

    # Nothing to ask for: the button's own refusal, and the typed edit is not saved behind it.
    status, page = await _post(intake_client, employer, sent | {"name": "Klaus X", "action": "email_change"})
    assert status == 422 and 'value="Klaus X"' in page
    assert await pool.fetchval(name, employer) == "Klaus Richter-Neu"


async def test_a_link_at_the_top_leads_to_the_positions_far_down_the_page(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """Review 11b, L6: on a phone an employer's positions began 4,200 px down a 6,000 px page."""
    employer = await _verified(intake_client, pool, "/api/v1/employers", employer_payload())
    page = html_lib.unescape(await (await intake_client.get(f"{manage_link(employer)}?lang=en")).text())
    assert page.index('<a href="#courses-and-positions">Your positions</a>') < page.index('<section id="pause">')
    assert 'id="courses-and-positions"' in page
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    assert "#courses-and-positions" not in await (await intake_client.get(manage_link(newcomer))).text()


async def test_add_with_nothing_typed_asks_for_the_title_at_the_add_fields(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """Review 11b, M2: "Please describe at least one open position", with no field marked, to an
    employer who has one already; now the add fields' first one says what is missing."""
    employer = await _verified(intake_client, pool, "/api/v1/employers", employer_payload())
    page = html_lib.unescape(await (await intake_client.get(f"{manage_link(employer)}?lang=en")).text())
    status, page = await _post(intake_client, employer, dict(form_fields(page, "name")) | {"action": "offer_add"})
    assert status == 422
    assert "at least one open position" not in page
    assert 'id="positions-0-title-error"' in page and 'href="#positions-0-title"' in page
    assert await pool.fetchval("SELECT count(*) FROM positions WHERE employer_id = $1", employer) == 1
    # Its summary stands at the add fields, naming the new position, not screens above as "Position 1".
    assert page.count('id="error-summary"') == 1
    assert page.index('<div id="add-offer">') < page.index('id="error-summary"') < page.index('id="positions-0-title"')
    assert "Job title of the new position: " in page and "position 1" not in page.lower()


async def test_each_courses_buttons_are_named_with_it(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    """Review 11b, L5: several identical "Save changes" buttons, one per course and the profile's."""
    provider, _ = await _provider_with_evening_b1(intake_client, pool)
    page = html_lib.unescape(await (await intake_client.get(f"{manage_link(provider)}?lang=en")).text())
    title = EVENING_B1["title"]
    assert f'aria-label="Save changes: {title}">Save changes</button>' in page
    assert f'aria-label="Close this course: {title}">Close this course</button>' in page
