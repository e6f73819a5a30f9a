"""The matcher's events that look again at waiting newcomers, at a year's size (review 9b, F1/F3).

    LOTSE_BENCH_DATABASE_URL=postgresql://… .venv/bin/python -m bench.matcher_reconsider [NEWCOMERS]

Use a database of your own (a test database): it is migrated, then, in ONE transaction that is
rolled back at the end, emptied of participants (and all that refers to them) and seeded with
NEWCOMERS verified newcomers (3,000 unless given, at most 10,000; a fixed seed: most speak no
language a new mentor speaks, live far from Gera, or want no mentor) and 300 mentors. Each
newcomer's participant.verified is handled first (batches of 100, as the consumer takes them; not
measured), so everyone has the suggestions and waitlist rows they would have. Then these events
are handed to the real consumer code (MatcherConsumer.handle_all, as the consumer base does):

* mentor.verified: a new mentor in Gera who speaks German and Ukrainian, meets in person only;
* mentor.updated: the same mentor again (nothing changed);
* 20 × mentor.verified in one batch (mentors signing up after an info evening: all over
  Thuringia, each speaking German and one other language, some meeting online too);
* match.ended: a mentor match of one newcomer ends (frees the mentor's place and the newcomer);
* six stale withdrawals of one approval: a newcomer's five other suggestions (who now has a live
  match of that kind) and one of another newcomer who lost a suggestion of a full mentor.

For each: milliseconds, SQL statements on the connection, and newcomers topped up
(suggest.top_up calls). Then a check that the events left nothing undone: topping up every
verified newcomer for every kind (what the matcher did on each such event before review 9b)
writes no further suggestion and changes no waitlist row (rolled back). Asserts nothing about time.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import asyncpg

from lotse.matcher import suggest
from lotse.matcher.consumer import MatcherConsumer
from lotse.matcher.pools import load_newcomers, load_pools
from lotse.shared import events
from lotse.shared.db import create_pool
from lotse.shared.events import Event
from lotse.shared.migrate import migrate
from lotse.shared.reference import districts

MOTHER_TONGUES = ("vi", "ar", "tr", "ru", "uk", "zh", "fa", "pl")
FIELDS = ("nursing", "it", "crafts", "hospitality", "logistics", "other")
SCHEDULES = ("morning", "evening", "weekend", "intensive")
GERA = "16052"


def _languages(rng: random.Random, mother: str) -> list[dict[str, str]]:
    spoken = [{"code": mother, "level": "native"}, {"code": "de", "level": rng.choice(("A1", "A1", "A2", "B1"))}]
    if rng.random() < 0.3:
        spoken.append({"code": "en", "level": rng.choice(("A2", "B1", "B2"))})
    return spoken


async def seed(conn: asyncpg.Connection, newcomers: int) -> list[uuid.UUID]:
    rng = random.Random(16)
    codes = sorted(districts())
    rows = []
    for i in range(newcomers):
        profile = {"occupation_field": rng.choice(FIELDS), "wants_mentor": rng.random() < 0.6,
                   "course_schedules": rng.sample(SCHEDULES, rng.choice((0, 0, 1, 2))),
                   "seeks_work": rng.random() < 0.7, "needs": ["housing"], "online_ok": rng.random() < 0.5}
        rows.append((uuid.uuid4(), "newcomer", f"bench-newcomer-{i}", rng.choice(codes),
                     _languages(rng, rng.choice(MOTHER_TONGUES)), profile, "Pflege Familie Wohnung"))
    for i in range(300):
        profile = {"capacity": rng.choice((1, 2, 3)), "helps_with": ["housing"], "max_distance_km": 30,
                   "online_ok": rng.random() < 0.3}
        spoken = [{"code": "de", "level": "native"}, {"code": rng.choice(MOTHER_TONGUES + ("en",) * 4), "level": "B2"}]
        rows.append((uuid.uuid4(), "mentor", f"bench-mentor-{i}", rng.choice(codes), spoken, profile,
                     "Nachbarschaft Behörden"))
    await conn.executemany(
        """INSERT INTO participants (id, kind, status, name, email, preferred_locale, district, languages, profile,
                                     about, verified_at)
           VALUES ($1, $2, 'verified', $3, $3 || '@bench-reconsider.example', 'de', $4, $5::jsonb, $6::jsonb, $7,
                   now() - interval '30 days')""", rows)
    return [r[0] for r in rows if r[1] == "newcomer"]


async def _mentor(conn: asyncpg.Connection, district: str = GERA, language: str = "uk",
                  online: bool = False) -> uuid.UUID:
    mentor = uuid.uuid4()
    await conn.execute(
        """INSERT INTO participants (id, kind, status, name, preferred_locale, district, languages, profile, about,
                                     verified_at)
           VALUES ($1, 'mentor', 'verified', 'bench-new-mentor', 'de', $2, $3::jsonb, $4::jsonb, 'Gera', now())""",
        mentor, district, [{"code": "de", "level": "native"}, {"code": language, "level": "C1"}],
        {"capacity": 3, "helps_with": ["housing"], "max_distance_km": 20, "online_ok": online})
    return mentor


async def _match(conn: asyncpg.Connection, newcomer: uuid.UUID, counterpart: uuid.UUID, status: str) -> uuid.UUID:
    match = uuid.uuid4()
    await conn.execute("INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status) "
                       "VALUES ($1, 'mentor', $2, $3, 0.5, $4)", match, newcomer, counterpart, status)
    return match


def _withdrawn(match: uuid.UUID, newcomer: uuid.UUID, counterpart: uuid.UUID) -> Event:
    return events.new_event(events.MATCH_WITHDRAWN, match_id=match, kind="mentor", newcomer_id=newcomer,
                            counterpart_id=counterpart, reason="stale")


async def measure(conn: asyncpg.Connection, matcher: MatcherConsumer, title: str, batch: list[Event]) -> None:
    statements = 0
    topped: list[uuid.UUID] = []
    original = suggest.top_up

    async def counting(conn_: asyncpg.Connection, newcomer: Any, *args: Any, **kwargs: Any) -> int:
        topped.append(newcomer.id)
        return await original(conn_, newcomer, *args, **kwargs)

    def count(_: Any) -> None:
        nonlocal statements
        statements += 1

    logger: Callable[[Any], None] = count
    suggest.top_up = counting  # type: ignore[assignment]
    conn.add_query_logger(logger)
    started = time.perf_counter()
    try:
        async with conn.transaction():  # a savepoint inside the seed's transaction
            await matcher.handle_all(conn, batch)
    finally:
        elapsed = time.perf_counter() - started
        conn.remove_query_logger(logger)
        suggest.top_up = original
    print(f"{title:<48} {elapsed * 1000:9.1f} ms {statements:7d} statements {len(topped):6d} newcomers topped up")
    print(f"{'':<48} check: {await nothing_undone(conn, matcher)}")


async def nothing_undone(conn: asyncpg.Connection, matcher: MatcherConsumer) -> str:
    """Every verified newcomer topped up for every kind, in a savepoint rolled back: what it would add."""
    waitlist = "SELECT newcomer_id, kind, reason_code FROM waitlist ORDER BY 1, 2"
    before = await conn.fetch(waitlist)
    transaction = conn.transaction()
    await transaction.start()
    try:
        pools, models, now = await load_pools(conn), await matcher._models(conn), datetime.now().astimezone()
        written = 0
        for newcomer in (await load_newcomers(conn, [r["id"] for r in await conn.fetch(
                "SELECT id FROM participants WHERE kind = 'newcomer' AND status = 'verified'")])).values():
            written += await suggest.top_up(conn, newcomer, pools, models, now)
        changed = before != await conn.fetch(waitlist)
    finally:
        await transaction.rollback()
    return f"{written} more suggestions, waitlist {'CHANGED' if changed else 'unchanged'}"


async def main(url: str, newcomers: int) -> None:
    await migrate(url)
    pool = await create_pool(url, min_size=1, max_size=1)
    matcher = MatcherConsumer(pool, None)  # type: ignore[arg-type]  # handle_all() needs no broker
    try:
        async with pool.acquire() as conn:
            transaction = conn.transaction()
            await transaction.start()
            try:
                await conn.execute("SET LOCAL statement_timeout = '120s'")
                await conn.execute("TRUNCATE participants CASCADE")  # a test's leftovers; rolled back too
                people = await seed(conn, newcomers)
                print(f"{newcomers} verified newcomers, 300 mentors")
                for start in range(0, len(people), 100):  # their own verifications first
                    await matcher.handle_all(conn, [events.new_event(
                        events.PARTICIPANT_VERIFIED, participant_id=p, kind="newcomer")
                        for p in people[start:start + 100]])
                mentor = await _mentor(conn)
                verified = events.new_event(events.PARTICIPANT_VERIFIED, participant_id=mentor, kind="mentor")
                await measure(conn, matcher, "mentor.verified (a new mentor)", [verified])
                updated = events.new_event(events.PARTICIPANT_UPDATED, participant_id=mentor, kind="mentor")
                await measure(conn, matcher, "participant.updated (the same mentor)", [updated])
                rng = random.Random(20)
                twenty = [await _mentor(conn, rng.choice(sorted(districts())), rng.choice(MOTHER_TONGUES),
                                        rng.random() < 0.3) for _ in range(20)]
                await measure(conn, matcher, "20 × mentor.verified in one batch", [events.new_event(
                    events.PARTICIPANT_VERIFIED, participant_id=m, kind="mentor") for m in twenty])
                ended = await _match(conn, people[0], mentor, "completed")
                await measure(conn, matcher, "match.ended (mentor)", [events.new_event(
                    events.MATCH_ENDED, match_id=ended, kind="mentor", newcomer_id=people[0], counterpart_id=mentor)])
                # One approval: the newcomer's five other suggestions, and one of a full mentor's.
                others = [await _mentor(conn) for _ in range(6)]
                await _match(conn, people[1], others[0], "approved")
                stale = [_withdrawn(await _match(conn, people[1], m, "withdrawn"), people[1], m) for m in others[1:]]
                stale.append(_withdrawn(await _match(conn, people[2], others[0], "withdrawn"), people[2], others[0]))
                await measure(conn, matcher, "6 × match.withdrawn (stale) of one approval", stale)
            finally:
                await transaction.rollback()
    finally:
        await pool.close()


if __name__ == "__main__":
    count = min(10_000, int(sys.argv[1])) if len(sys.argv) > 1 else 3_000
    asyncio.run(main(os.environ["LOTSE_BENCH_DATABASE_URL"], count))
