"""`lotse seed-demo` (and every `lotse dev` start) on a database that already holds the demo."""

from __future__ import annotations

import re
from datetime import date

import asyncpg

from lotse.intake.demo import demo_population, seed
from lotse.matcher.consumer import MatcherConsumer
from lotse.shared import events, matches_db, reference
from tests.conftest import IntakeClient
from tests.integration.test_dashboard import login
from tests.integration.test_matcher import deliver, matcher, open_suggestions

__all__ = ["matcher"]  # a fixture used by name


async def test_seeding_again_sends_no_email(pool: asyncpg.Pool) -> None:
    first = await seed(pool)
    assert first == len(demo_population(date.today()))
    before = await pool.fetchval("SELECT count(*) FROM outbox")

    assert await seed(pool) == 0

    # A repeated registration of a known address asks for a reminder email; the demo must not.
    assert await pool.fetchval("SELECT count(*) FROM outbox") == before
    assert await pool.fetchval(
        "SELECT count(*) FROM participants WHERE status = 'verified'") == first


async def test_the_seeded_late_entry_course_has_begun_and_is_still_offered(pool: asyncpg.Pool) -> None:
    await seed(pool)
    late = await pool.fetchrow(
        f"""SELECT starts_on, late_entry_weeks, id IN ({matches_db.STARTED_COURSES}) AS started
            FROM courses WHERE late_entry_weeks IS NOT NULL""")
    assert late["starts_on"] < reference.today() and late["late_entry_weeks"] == 6
    assert not late["started"]  # the matcher and the approvals still send newcomers to it
    assert matches_db.late_entry_open(late["starts_on"], late["late_entry_weeks"])


async def test_the_demo_shows_a_name_in_arabic_script_with_her_own_latin_spelling(
    intake_client: IntakeClient, pool: asyncpg.Pool, matcher: MatcherConsumer
) -> None:
    await seed(pool)
    # The matcher takes the verifications in the order the relay publishes them.
    for row in await pool.fetch("SELECT payload FROM outbox WHERE type = $1 ORDER BY occurred_at, id",
                                events.PARTICIPANT_VERIFIED):
        await deliver(matcher, pool, events.PARTICIPANT_VERIFIED, **dict(row["payload"]))
    rana = await pool.fetchrow("SELECT id, profile->>'name_latin' AS latin FROM participants WHERE name = $1",
                               "رنا حداد")
    assert rana["latin"] == "Rana Haddad"
    suggested = {s["kind"] for s in await open_suggestions(pool, rana["id"])}
    assert {"employer", "mentor"} <= suggested  # Klinikum Gera's nursing post, a mentor in Gera
    await login(intake_client)
    for page in ("/dashboard?q=Haddad", f"/dashboard/participants/{rana['id']}", "/dashboard/participants"):
        text = " ".join(re.sub(r"<[^>]+>", " ", await (await intake_client.get(page)).text()).split())
        assert "رنا حداد (Rana Haddad)" in text, page
