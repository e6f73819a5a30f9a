"""A course's start moved by its provider (review 8c, finding 1): the dashboard says the start from
the course's row, not from the date frozen in the matcher's sentence, and the open suggestions of
the course are withdrawn (`offer_changed`) for the matcher to suggest with a fresh score; a change
of places alone keeps them."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import asyncpg
import pytest

from lotse.intake import offers
from lotse.matcher.consumer import MatcherConsumer
from lotse.shared import events, reference
from tests.conftest import IntakeClient
from tests.integration.test_dashboard import login
from tests.integration.test_manage_offers import _add_match, _newcomer, _provider_with_evening_b1, deliver, matcher

__all__ = ["matcher"]  # a fixture used by name

PROVIDER = "language_provider"


def _de(day: date) -> str:
    return day.strftime("%d.%m.%Y")


async def _course_in_40_days(intake_client: IntakeClient, pool: asyncpg.Pool) -> tuple[uuid.UUID, uuid.UUID, date]:
    """A provider with the evening B1 course ("Deutsch B1 abends"), starting in 40 days: the
    provider's and the course's ids, and the start."""
    provider, course = await _provider_with_evening_b1(intake_client, pool)
    starts_on = reference.today() + timedelta(days=40)
    await pool.execute("UPDATE courses SET starts_on = $2 WHERE id = $1", course, starts_on)
    return provider, course, starts_on


async def _change(pool: asyncpg.Pool, provider: uuid.UUID, course: uuid.UUID, **cleaned: Any) -> None:
    """offers.change as the manage page calls it: the course's seats (10) and what else is given."""
    async with pool.acquire() as conn, conn.transaction():
        await offers.change(conn, PROVIDER, provider, course, {"seats": 10, **cleaned})


async def _open(pool: asyncpg.Pool, course: uuid.UUID) -> dict[uuid.UUID, asyncpg.Record]:
    """The course's open suggestions by newcomer."""
    return {r["newcomer_id"]: r for r in await pool.fetch(
        "SELECT id, newcomer_id, explanation::text AS explanation FROM matches "
        "WHERE counterpart_id = $1 AND status = 'suggested'", course)}


async def test_the_queue_says_a_moved_start_and_its_days_from_the_course(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    provider, course, in_40 = await _course_in_40_days(intake_client, pool)
    newcomer = await _newcomer(intake_client, pool)
    await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
    assert f"Starts in 40 days ({in_40.isoformat()})." in (await _open(pool, course))[newcomer]["explanation"]
    await login(intake_client)
    queue = "/dashboard?q=abends&kind=language_course"
    assert f"Beginnt in 40 Tagen ({_de(in_40)})." in await (await intake_client.get(queue)).text()

    in_3 = reference.today() + timedelta(days=3)
    await _change(pool, provider, course, starts_on=in_3)
    await deliver(matcher, pool, events.PARTICIPANT_UPDATED, participant_id=provider, kind=PROVIDER)
    page = await (await intake_client.get(queue)).text()
    assert f"Beginnt in 3 Tagen ({_de(in_3)})." in page
    assert "Beginnt in 40 Tagen" not in page and _de(in_40) not in page

    # A sentence still written with the old start (a suggestion made from pools read before the
    # change) reads from the course's row too; one whose start is past, as started.
    other = await _newcomer(intake_client, pool)
    stale = await _add_match(pool, other, course, "language_course", "suggested")
    await pool.execute("""UPDATE matches SET explanation = jsonb_build_array(jsonb_build_object(
                              'factor', 'start', 'contribution', 0.1, 'detail', $2::text)) WHERE id = $1""",
                       stale, f"Starts in 40 days ({in_40.isoformat()}).")
    page = await (await intake_client.get(queue)).text()
    assert page.count(f"Beginnt in 3 Tagen ({_de(in_3)}).") == 2 and "Beginnt in 40 Tagen" not in page
    two_days_ago = reference.today() - timedelta(days=2)
    await pool.execute("UPDATE courses SET starts_on = $2 WHERE id = $1", course, two_days_ago)
    page = await (await intake_client.get(queue)).text()
    assert page.count(f"Hat vor 2 Tagen begonnen ({_de(two_days_ago)}).") == 2 and "Beginnt in" not in page


async def test_an_active_matchs_page_says_the_moved_start(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    provider, course, in_40 = await _course_in_40_days(intake_client, pool)
    active = await _add_match(pool, await _newcomer(intake_client, pool), course, "language_course", "active")
    await pool.execute("""UPDATE matches SET explanation = jsonb_build_array(jsonb_build_object(
                              'factor', 'start', 'contribution', 0.1, 'detail', $2::text)) WHERE id = $1""",
                       active, f"Starts in 40 days ({in_40.isoformat()}).")
    in_10 = reference.today() + timedelta(days=10)
    await _change(pool, provider, course, starts_on=in_10)
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", active) == "active"  # it continues

    await login(intake_client)
    page = await (await intake_client.get(f"/dashboard/matches/{active}")).text()
    assert f"Beginnt in 10 Tagen ({_de(in_10)})." in page
    assert "Beginnt in 40 Tagen" not in page


async def test_a_new_start_has_the_courses_suggestions_made_anew_and_new_places_keep_them(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    provider, course, in_40 = await _course_in_40_days(intake_client, pool)
    newcomers = [await _newcomer(intake_client, pool) for _ in range(2)]
    for newcomer in newcomers:
        await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, participant_id=newcomer, kind="newcomer")
    before = await _open(pool, course)
    assert set(before) == set(newcomers)

    # Places alone change no score: the suggestions stay as they are.
    await _change(pool, provider, course, seats=6, starts_on=in_40)
    await deliver(matcher, pool, events.PARTICIPANT_UPDATED, participant_id=provider, kind=PROVIDER)
    assert {n: r["id"] for n, r in (await _open(pool, course)).items()} == {n: r["id"] for n, r in before.items()}
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE type = $1", events.MATCH_WITHDRAWN) == 0

    in_3 = reference.today() + timedelta(days=3)
    await _change(pool, provider, course, starts_on=in_3)
    withdrawn = {r["id"]: r["reason"] for r in await pool.fetch(
        "SELECT id, reason FROM matches WHERE id = ANY($1::uuid[])", [r["id"] for r in before.values()])}
    assert set(withdrawn.values()) == {"offer_changed"}
    assert {(r["payload"]["match_id"], r["payload"]["reason"]) for r in await pool.fetch(
        "SELECT payload FROM outbox WHERE type = $1", events.MATCH_WITHDRAWN)} == {
        (str(match_id), "offer_changed") for match_id in withdrawn}

    # The matcher, on the participant.updated the change wrote, suggests them again, scored anew.
    await deliver(matcher, pool, events.PARTICIPANT_UPDATED, participant_id=provider, kind=PROVIDER)
    again = await _open(pool, course)
    assert set(again) == set(newcomers) and not {r["id"] for r in again.values()} & set(withdrawn)
    assert all(f"Starts in 3 days ({in_3.isoformat()})." in r["explanation"] for r in again.values())

    # The coordinator reads why the first ones went.
    await login(intake_client)
    page = await (await intake_client.get(f"/dashboard/matches/{next(iter(withdrawn))}")).text()
    assert "Der Kurs oder die Stelle hat sich geändert; die Vorschläge wurden neu berechnet" in page


async def test_the_page_counts_from_the_one_shared_today(
    intake_client: IntakeClient, pool: asyncpg.Pool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The match page's "today" is reference.today(), the day matches_db.course_started and the
    # emails count by: one Thuringia day for all, here moved a week on.
    _, course, in_40 = await _course_in_40_days(intake_client, pool)
    active = await _add_match(pool, await _newcomer(intake_client, pool), course, "language_course", "active")
    await pool.execute("""UPDATE matches SET explanation = jsonb_build_array(jsonb_build_object(
                              'factor', 'start', 'contribution', 0.1, 'detail', $2::text)) WHERE id = $1""",
                       active, f"Starts in 40 days ({in_40.isoformat()}).")
    a_week_on = reference.today() + timedelta(days=7)
    monkeypatch.setattr(reference, "today", lambda: a_week_on)
    await login(intake_client)
    page = await (await intake_client.get(f"/dashboard/matches/{active}")).text()
    assert f"Beginnt in 33 Tagen ({_de(in_40)})." in page
