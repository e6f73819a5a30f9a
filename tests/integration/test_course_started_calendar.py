"""Whether a course has started is decided on Thuringia's calendar everywhere: in Python
(matches_db.course_started: the notifier's emails, the manage page) and in SQL (course_started_sql:
the matcher's pools, lifecycle_jobs' withdrawals, approvals, the dashboard, stats), whatever the
database session's TimeZone. With `current_date` the SQL read the session's date, a day off
Thuringia's in the hours around midnight: a course the email called started was still suggested."""

from __future__ import annotations

from datetime import date, timedelta

import asyncpg
import pytest

from lotse.matcher import pools
from lotse.shared import matches_db, reference
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import provider_payload
from tests.integration.notifier_fixtures import add_course, add_participant

# Two zones far from Thuringia's: at any moment one of them has another date (UTC-12, UTC+14).
FAR_ZONES = ("Etc/GMT+12", "Etc/GMT-14")


async def _another_date(conn: asyncpg.Connection) -> None:
    """Set the session's TimeZone to one whose date is not Thuringia's now (inside a transaction)."""
    for zone in FAR_ZONES:
        await conn.execute(f"SET LOCAL TimeZone = '{zone}'")
        if await conn.fetchval("SELECT current_date") != reference.today():
            return
    pytest.fail("no zone with another date than Thuringia's")


async def test_sql_and_python_agree_on_thuringias_date_in_any_session(pool: asyncpg.Pool) -> None:
    today = reference.today()
    async with pool.acquire() as conn, conn.transaction():
        await _another_date(conn)
        for day, started in ((today - timedelta(days=1), True), (today, False), (today + timedelta(days=1), False)):
            in_sql = await conn.fetchval(f"SELECT {matches_db.course_started_sql('$1::date')}", day)
            assert (in_sql, matches_db.course_started(day)) == (started, started), day


async def test_the_matchers_pools_offer_a_course_up_to_its_start_day_in_thuringia(pool: asyncpg.Pool) -> None:
    provider = await add_participant(pool, "language_provider", name="Provider", locale="de")
    today = reference.today()
    yesterday = await add_course(pool, provider, title="Yesterday", schedule="evening",
                                 starts_on=today - timedelta(days=1))
    starting_today = await add_course(pool, provider, title="Today", schedule="evening", starts_on=today)
    async with pool.acquire() as conn, conn.transaction():
        await _another_date(conn)
        offered = {c.id for c in (await pools.load_pools(conn)).courses}
    assert starting_today in offered
    assert yesterday not in offered


async def test_a_start_date_is_checked_against_thuringias_date_not_the_servers(
    intake_client: IntakeClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The forms and the API refuse a start in the past by the same calendar that then calls the
    # course started: a server whose own date is still yesterday must not take Thuringia's yesterday.
    server_today = date.today()
    monkeypatch.setattr(reference, "today", lambda: server_today + timedelta(days=1))
    course = {**provider_payload()["courses"][0], "starts_on": server_today.isoformat()}
    response = await intake_client.post("/api/v1/language-providers", json=provider_payload(courses=[course]))
    assert response.status == 422, await response.text()
    assert set((await response.json())["error"]["fields"]) == {"courses[0].starts_on"}
