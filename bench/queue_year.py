"""The review queue at a year's size (review 9b, F11): seeds a database with 40,000 matches, half
of them open suggestions, and prints EXPLAIN (ANALYZE, BUFFERS) of the queue's statements, first
as a view ran them before (count, then page: each aggregating every open suggestion) without the
index matches_suggested (migration 0041, dropped inside a transaction that is rolled back), then the
one statement a view runs now, with it.

    python -m bench.queue_year DATABASE_URL [MATCHES]

Use a database of your own (a test database): the seed is added to what is there, marked by the
e-mail domain bench-queue.example, and removed again at the end. MATCHES: 40,000 unless given, at
most 200,000.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from lotse.intake.dashboard import queue
from lotse.shared.migrate import migrate

DOMAIN = "bench-queue.example"
EXPLANATION = json.dumps([{"factor": f, "weight": 0.2, "detail": "Beide sprechen Ukrainisch und Deutsch (B1), "
                           "wohnen 12 km voneinander entfernt und nennen Behördengänge und Wohnungssuche."}
                          for f in ("language", "distance", "needs", "text", "availability")])
NO_FILTERS = (None, None, None)
# The statements of a view before (as queue.py ran them until review 9b).
BEFORE_COUNT = f"SELECT count(*), coalesce(sum(open), 0)::int FROM ({queue._WAITING}) w"
BEFORE_PAGE = f"""SELECT p.id, p.name, extract(day FROM now() - w.since)::int AS days_waiting
    FROM ({queue._WAITING}) w JOIN participants p ON p.id = w.id ORDER BY w.since, w.id LIMIT 30 OFFSET 0"""
NOW = queue.WAITING_IN_ORDER


async def seed(conn: asyncpg.Connection, count: int) -> None:
    rng = random.Random(11)
    start = datetime(2025, 11, 24, tzinfo=UTC)
    newcomers = [(uuid.uuid4(), start + timedelta(hours=i)) for i in range(5000)]
    mentors = [uuid.uuid4() for _ in range(800)]
    await conn.executemany(
        """INSERT INTO participants (id, kind, status, name, email, preferred_locale, district, verified_at)
           VALUES ($1, $2, 'verified', $3, $4, 'de', '16053', $5)""",
        [(pid, "newcomer", f"Bench {i}", f"n{i}@{DOMAIN}", at) for i, (pid, at) in enumerate(newcomers)]
        + [(pid, "mentor", f"Bench m{i}", f"m{i}@{DOMAIN}", start) for i, pid in enumerate(mentors)])
    rows, open_pairs = [], set()
    for i in range(count):
        pair = (rng.choice(newcomers)[0], rng.choice(mentors))
        status = "suggested" if i % 2 == 0 and pair not in open_pairs else rng.choice(
            ("withdrawn", "withdrawn", "rejected", "active", "completed"))
        if status == "suggested":
            open_pairs.add(pair)
        rows.append((uuid.uuid4(), *pair, rng.random(), status, start + timedelta(minutes=i * 13)))
    await conn.executemany(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation, status, created_at)
           VALUES ($1, 'mentor', $2, $3, $4, $5::jsonb, $6, $7)""",
        [(*r[:4], EXPLANATION, *r[4:]) for r in rows])


async def explain(conn: asyncpg.Connection, title: str, sql: str, *args: object) -> float:
    """Prints the plan; returns its execution time in ms."""
    lines = [r[0] for r in await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *args)]
    print(f"--- {title}\n" + "\n".join(lines))
    return float(lines[-1].split(":")[1].split()[0])


async def main(url: str, count: int) -> None:
    await migrate(url)
    conn = await asyncpg.connect(url)
    try:
        await seed(conn, min(count, 200_000))
        await conn.execute("VACUUM ANALYZE matches")
        await conn.execute("VACUUM ANALYZE participants")
        print(await conn.fetchrow("SELECT count(*) AS matches, count(*) FILTER (WHERE status = 'suggested') "
                                  "AS suggested FROM matches"))
        without_index = conn.transaction()
        await without_index.start()
        await conn.execute("DROP INDEX matches_suggested")
        before = [await explain(conn, "before: count", BEFORE_COUNT, *NO_FILTERS),
                  await explain(conn, "before: page", BEFORE_PAGE, *NO_FILTERS)]
        unindexed = await explain(conn, "now, without the index", NOW, *NO_FILTERS)
        await without_index.rollback()  # the index is back
        after = await explain(conn, "now, with matches_suggested", NOW, *NO_FILTERS)
        print(f"=== before: {' + '.join(f'{b:.1f}' for b in before)} ms per view (a third after a decision); "
              f"now: {unindexed:.1f} ms without the index, {after:.1f} ms with it")
    finally:
        await conn.execute(f"DELETE FROM participants WHERE email LIKE '%@{DOMAIN}'")  # the matches cascade
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 40_000))
