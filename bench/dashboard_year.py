"""The dashboard's matches list and matches.csv at a year's size (review 9b, F2/F4): seeds a
database with a year of matches, most of them withdrawn or rejected suggestions, and prints
EXPLAIN (ANALYZE, BUFFERS) of the list's queries as the dashboard runs them.

    python -m bench.dashboard_year DATABASE_URL [MATCHES]

Use a database of your own (a test database): the seed is added to what is there, marked by the
e-mail domain bench-year.example, and removed again at the end. MATCHES: 40,000 unless given, at
most 400,000.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from lotse.intake.dashboard import pages, paging
from lotse.shared import name_search
from lotse.shared.migrate import migrate

DOMAIN = "bench-year.example"
# The states as one morning of decisions left them in review 9b (19k of 41k withdrawn), with a
# few flagged introductions and active matches.
STATES = (["withdrawn"] * 46 + ["rejected"] * 18 + ["suggested"] * 12 + ["approved"] * 2 + ["introduced"] * 4
          + ["active"] * 8 + ["completed"] * 4 + ["declined"] * 3 + ["cancelled"] * 3)
EXPLANATION = json.dumps([{"factor": f, "weight": 0.2, "detail": "Beide sprechen Ukrainisch und Deutsch (B1), "
                           "wohnen 12 km voneinander entfernt und nennen Behördengänge und Wohnungssuche."}
                          for f in ("language", "distance", "needs", "text", "availability")])


async def seed(conn: asyncpg.Connection, count: int) -> None:
    rng = random.Random(9)
    people = [(uuid.uuid4(), "newcomer") for _ in range(5000)] + [(uuid.uuid4(), "mentor") for _ in range(800)]
    await conn.executemany(
        """INSERT INTO participants (id, kind, status, name, email, preferred_locale, district)
           VALUES ($1, $2, 'verified', $3, $4, 'de', '16053')""",
        [(pid, kind, f"Bench {kind} {i}", f"p{i}@{DOMAIN}") for i, (pid, kind) in enumerate(people)])
    newcomers = [pid for pid, kind in people if kind == "newcomer"]
    mentors = [pid for pid, kind in people if kind == "mentor"]
    start = datetime(2025, 11, 24, tzinfo=UTC)
    rows, open_pairs = [], set()
    for i in range(count):
        status, pair = rng.choice(STATES), (rng.choice(newcomers), rng.choice(mentors))
        if status == "suggested" and pair in open_pairs:  # one open suggestion per pair (matches_open_pair)
            status = "withdrawn"
        if status == "suggested":
            open_pairs.add(pair)
        # Rounds write many suggestions with one created_at: 20 per instant.
        created = start + timedelta(minutes=(i // 20) * 525_600 / (count / 20))
        flagged = created if status in ("introduced", "active") and rng.random() < 0.1 else None
        rows.append((uuid.uuid4(), *pair, rng.random(), status, created,
                     flagged, "unanswered" if flagged else None))
    await conn.executemany(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation, status, created_at,
                                flagged_at, flag_code)
           VALUES ($1, 'mentor', $2, $3, $4, $5::jsonb, $6, $7, $8, $9)""",
        [(*r[:4], EXPLANATION, *r[4:]) for r in rows])


async def explain(conn: asyncpg.Connection, title: str, sql: str, *args: object) -> float:
    """Prints the plan; returns its execution time in ms."""
    lines = [r[0] for r in await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *args)]
    print(f"--- {title}")
    print("\n".join(line if len(line) < 200 else line[:197] + "..." for line in lines))  # not 100 ids
    return float(lines[-1].split(":")[1].split()[0])


async def matches_list(conn: asyncpg.Connection, title: str, query: dict[str, str]) -> None:
    """The list's queries for one page, as pages.matches_page runs them, each explained."""
    chosen = pages.MatchesList.of(query)
    sql, args = chosen.totals_sql()
    spent = await explain(conn, f"{title}: totals", sql, *args)
    totals = await conn.fetchrow(sql, *args)
    offset = (int(query.get("page", "1")) - 1) * paging.PAGE_SIZE
    ids = []
    for sql, args in chosen.page_sql(paging.PAGE_SIZE, offset, totals["flagged"]):
        spent += await explain(conn, f"{title}: ids", sql, *args)
        ids += [r["id"] for r in await conn.fetch(sql, *args)]
    spent += await explain(conn, f"{title}: rows", pages.ROWS_LISTED, ids)
    print(f"=== {title}: {len(ids)} rows, {spent:.1f} ms in all")


async def main(url: str, count: int) -> None:
    await migrate(url)
    conn = await asyncpg.connect(url)
    try:
        await seed(conn, min(count, 400_000))
        await name_search.fill_missing(conn)  # the names' folded copies, which the search reads
        await conn.execute("VACUUM ANALYZE matches")
        await conn.execute("VACUUM ANALYZE participants")
        for title, query in (("list, page 1", {}), ("list, page 200", {"page": "200"}),
                             ("withdrawn, page 150", {"status": "withdrawn", "page": "150"}),
                             ("with withdrawn, page 300", {"withdrawn": "1", "page": "300"}),
                             ("flagged only", {"flagged": "1"}), ("flagged, one reason", {"flag": "unanswered"}),
                             ("search, one newcomer's name", {"q": "1234"}), ("search, nobody", {"q": "nguyen"}),
                             ("search, a word of every name", {"q": "bench", "page": "100"})):
            await matches_list(conn, title, query)
    finally:
        await conn.execute(f"DELETE FROM participants WHERE email LIKE '%@{DOMAIN}'")  # the matches cascade
        await conn.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 40_000))
