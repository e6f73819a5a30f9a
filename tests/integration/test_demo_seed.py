"""`lotse seed-demo` (and every `lotse dev` start) on a database that already holds the demo."""

from __future__ import annotations

from datetime import date

import asyncpg

from lotse.intake.demo import demo_population, seed


async def test_seeding_again_sends_no_email(pool: asyncpg.Pool) -> None:
    first = await seed(pool)
    assert first == len(demo_population(date.today()))
    before = await pool.fetchval("SELECT count(*) FROM outbox")

    assert await seed(pool) == 0

    # A repeated registration of a known address asks for a reminder email; the demo must not.
    assert await pool.fetchval("SELECT count(*) FROM outbox") == before
    assert await pool.fetchval(
        "SELECT count(*) FROM participants WHERE status = 'verified'") == first
