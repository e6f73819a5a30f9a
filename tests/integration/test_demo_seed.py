"""`lotse seed-demo` (and every `lotse dev` start) on a database that already holds the demo."""

from __future__ import annotations

from datetime import date

import asyncpg

from lotse.intake.demo import demo_population, seed
from lotse.shared import matches_db, reference


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
