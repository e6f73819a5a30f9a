"""suggest.withdraw_open finds a newcomer's, or an owner's, open suggestions through the indexes
(review 9b, F6: `newcomer_id = $1 OR counterpart_id IN (subquery)` was a sequential scan of every
match, 275 ms at 52k, for each profile edit or pause of a newcomer, inside the writers' lock), and
withdraws the same rows, with their events, as before."""

from __future__ import annotations

import random
import re
import uuid
from datetime import date

import asyncpg
import pytest

from lotse.matcher import suggest
from lotse.shared import events

# A few thousand matches, nearly half of them open suggestions (as in review 9b), with
# explanations the size the matcher writes: with statistics, a scan of the whole table costs the
# planner far more than the index look-ups of one person's few, so it picks them whenever the
# statement lets it (sequential scans stay allowed).
_MATCHES = 4000
_EXPLANATION = [{"factor": f, "weight": 0.2, "detail": "Beide sprechen Ukrainisch und Deutsch (B1), "
                 "wohnen 12 km voneinander entfernt und nennen Behördengänge."}
                for f in ("language", "distance", "needs", "text", "availability")]
_STATES = ["suggested"] * 9 + ["withdrawn"] * 7 + ["rejected"] * 2 + ["active"] * 2


async def _people(pool: asyncpg.Pool, kind: str, count: int) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(count)]
    await pool.executemany(
        """INSERT INTO participants (id, kind, status, name, email, preferred_locale, district)
           VALUES ($1, $2, 'verified', 'Plan ' || $2, $3, 'de', '16053')""",
        [(pid, kind, f"{pid}@withdraw-plans.example") for pid in ids])
    return ids


async def _seed(pool: asyncpg.Pool) -> dict[str, uuid.UUID]:
    """The four whose suggestions are withdrawn: a newcomer, a mentor, a provider with two
    courses and an employer with two positions; each has 12 matches, 6 of them open suggestions."""
    rng = random.Random(6)
    newcomers, mentors = await _people(pool, "newcomer", 400), await _people(pool, "mentor", 80)
    (provider,), (employer,) = await _people(pool, "language_provider", 1), await _people(pool, "employer", 1)
    courses, positions = [uuid.uuid4() for _ in range(2)], [uuid.uuid4() for _ in range(2)]
    await pool.executemany(
        """INSERT INTO courses (id, provider_id, title, level, schedule, format, district, seats, starts_on)
           VALUES ($1, $2, 'Deutsch B1', 'B1', 'abends', 'in_person', '16053', 12, $3)""",
        [(c, provider, date(2027, 1, 1)) for c in courses])
    await pool.executemany(
        """INSERT INTO positions (id, employer_id, title, occupation_field, openings, min_german_level)
           VALUES ($1, $2, 'Pflegehilfskraft', 'care', 2, 'A2')""", [(p, employer) for p in positions])
    rows = [("mentor", newcomer, mentor, rng.choice(_STATES))
            for newcomer, mentor in rng.sample([(n, m) for n in newcomers[1:] for m in mentors[1:]], _MATCHES)]
    others = iter(rng.sample(newcomers[1:], 36))  # one open suggestion per pair (matches_open_pair)
    for status in ["suggested"] * 6 + ["withdrawn", "rejected", "active", "withdrawn", "completed", "declined"]:
        rows.append(("mentor", newcomers[0], mentors[1 + len(rows) % 70], status))
        rows.append(("mentor", next(others), mentors[0], status))
        rows.append(("language_course", next(others), courses[len(rows) % 2], status))
        rows.append(("employer", next(others), positions[len(rows) % 2], status))
    await pool.executemany(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation, status)
           VALUES ($1, $2, $3, $4, 0.5, $5, $6)""",
        [(uuid.uuid4(), *r[:3], _EXPLANATION, r[3]) for r in rows])
    for table in ("matches", "participants", "courses", "positions"):
        await pool.execute(f"ANALYZE {table}")
    return {"newcomer": newcomers[0], "mentor": mentors[0], "provider": provider, "employer": employer}


async def _open_of(conn: asyncpg.Connection, person: uuid.UUID) -> set[uuid.UUID]:
    """The open suggestions of a newcomer or to what a participant owns, read without withdraw_open."""
    return {r["id"] for r in await conn.fetch(
        """SELECT m.id FROM matches m LEFT JOIN courses c ON c.id = m.counterpart_id
                                      LEFT JOIN positions p ON p.id = m.counterpart_id
           WHERE m.status = 'suggested'
             AND $1 IN (m.newcomer_id, m.counterpart_id, c.provider_id, p.employer_id)""", person)}


@pytest.mark.timeout(60)
async def test_withdraw_open_withdraws_a_newcomers_or_an_owners_suggestions_through_the_indexes(
    pool: asyncpg.Pool,
) -> None:
    people = await _seed(pool)
    statements: list[tuple[str, tuple[object, ...]]] = []
    for who, person in people.items():
        async with pool.acquire() as conn:
            expected = await _open_of(conn, person)
            assert len(expected) == 6, who
            def log(record: asyncpg.connection.LoggedQuery) -> None:
                statements.append((record.query, tuple(record.args or ())))

            conn.add_query_logger(log)
            transaction = conn.transaction()
            await transaction.start()
            try:
                side = {"newcomer_id": person} if who == "newcomer" else {"owner_id": person}
                assert await suggest.withdraw_open(conn, reason="rescored", **side) == 6, who
                withdrawn = {r["id"] for r in await conn.fetch(
                    "SELECT id FROM matches WHERE status = 'withdrawn' AND reason = 'rescored'")}
                assert withdrawn == expected, who
                written = {uuid.UUID(r["match_id"]) for r in await conn.fetch(
                    "SELECT payload->>'match_id' AS match_id FROM outbox WHERE type = $1", events.MATCH_WITHDRAWN)}
                assert written == expected, who
            finally:
                await transaction.rollback()
            conn.remove_query_logger(log)

    of_matches = [(q, a) for q, a in statements if "UPDATE matches" in q]
    assert len(of_matches) == len(people)  # one UPDATE for each side asked
    async with pool.acquire() as conn:
        for query, args in of_matches:
            transaction = conn.transaction()
            await transaction.start()
            try:
                plan = "\n".join(r[0] for r in await conn.fetch(f"EXPLAIN (ANALYZE) {query}", *args))
            finally:
                await transaction.rollback()
            assert "Seq Scan on matches" not in plan, f"{query}\n{plan}"
            assert re.search(r"^Update on matches .*actual time=\S+ rows=6 loops", plan), plan  # it withdrew them
