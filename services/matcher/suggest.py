"""Writing suggestions: up to five open ones per newcomer and kind, the waitlist, withdrawals.

Every function runs inside the consumer's transaction, so a suggestion and its
`match.suggested` event commit together. Writers take one transaction-level advisory lock:
two matcher instances never top up the same newcomer at once, so the five-per-kind limit
holds, and the unique index on open pairs backs it up.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Final

import asyncpg

from lotse.matcher import candidates as cand
from lotse.matcher.pools import Pools, load_newcomer, load_pools, newcomers_with_room
from lotse.matcher.scoring import LinearModel
from lotse.shared import events, feasibility, job_wait, matches_db, metrics
from lotse.shared.offer_pools import excluded_pairs
from lotse.shared.outbox import write_events
from lotse.shared.profiles import Newcomer

MAX_OPEN_PER_KIND: Final = 5
WRITE_LOCK: Final = 0x4C6F7473_0010


async def lock_writers(conn: asyncpg.Connection) -> None:
    await conn.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)


async def _open_and_live(conn: asyncpg.Connection, newcomer_id: uuid.UUID) -> tuple[dict[str, int], set[str]]:
    rows = await conn.fetch(
        "SELECT kind, status, count(*) AS n FROM matches WHERE newcomer_id = $1 "
        "AND status IN ('suggested', 'approved', 'introduced', 'active') GROUP BY kind, status",
        newcomer_id,
    )
    open_counts: dict[str, int] = {}
    live: set[str] = set()
    for r in rows:
        if r["status"] == "suggested":
            open_counts[r["kind"]] = int(r["n"])
        else:
            live.add(r["kind"])
    return open_counts, live


async def insert_suggestion(
    conn: asyncpg.Connection, newcomer_id: uuid.UUID, candidate: cand.Candidate, round_id: uuid.UUID | None = None
) -> asyncpg.Record | None:
    row = await conn.fetchrow(
        f"""INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation, model_version,
                                 round_id, features)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT (newcomer_id, counterpart_id) WHERE status = 'suggested' DO NOTHING
            RETURNING {matches_db.MATCH_COLUMNS}""",
        uuid.uuid4(), candidate.kind, newcomer_id, candidate.counterpart.id, candidate.scored.score,
        candidate.scored.explanation, candidate.scored.model_version, round_id, candidate.scored.features,
    )
    if row is not None:
        metrics.SUGGESTIONS.labels(candidate.kind).inc()
    return row


async def _set_waitlist(
    conn: asyncpg.Connection, newcomer_id: uuid.UUID, kind: str, waiting: bool, reason: str | None = None
) -> None:
    """``reason``: a code more precise than the kind's usual one (cand.JOB_WAIT_WORDS)."""
    if not waiting:
        await conn.execute("DELETE FROM waitlist WHERE newcomer_id = $1 AND kind = $2", newcomer_id, kind)
        return
    code, words = cand.WAIT_REASONS[kind]
    if reason is not None and reason in cand.JOB_WAIT_WORDS:
        code, words = reason, cand.JOB_WAIT_WORDS[reason]
    await conn.execute(
        """INSERT INTO waitlist (newcomer_id, kind, reason_code, reason) VALUES ($1, $2, $3, $4)
           ON CONFLICT (newcomer_id, kind)
           DO UPDATE SET reason_code = EXCLUDED.reason_code, reason = EXCLUDED.reason""",
        newcomer_id, kind, code, words,
    )


async def top_up(
    conn: asyncpg.Connection,
    newcomer: Newcomer,
    pools: Pools,
    models: dict[str, LinearModel],
    now: datetime,
    kinds: tuple[str, ...] = cand.KINDS,
) -> int:
    """Add suggestions until each wanted kind has five open ones (or no more candidates)."""
    open_counts, live = await _open_and_live(conn, newcomer.id)
    excluded = await excluded_pairs(conn, newcomer.id)
    written: list[events.Event] = []
    wanted = feasibility.wanted_kinds(newcomer)
    for kind in set(kinds) - set(wanted):  # no longer wanted (a changed profile): not waiting for it
        await _set_waitlist(conn, newcomer.id, kind, waiting=False)
    for kind in wanted:
        if kind not in kinds or kind in live:
            if kind in live:
                await _set_waitlist(conn, newcomer.id, kind, waiting=False)
            continue
        room = MAX_OPEN_PER_KIND - open_counts.get(kind, 0)
        # Scoring is CPU work: in a thread, so the event loop (heartbeats, other messages) keeps going.
        found = (await asyncio.to_thread(cand.candidates, kind, newcomer, pools, excluded, models, now, room)
                 if room > 0 else [])
        for candidate in found[:room]:
            row = await insert_suggestion(conn, newcomer.id, candidate)
            if row is not None:
                written.append(matches_db.match_event(events.MATCH_SUGGESTED, row))
        waiting = not found and not open_counts.get(kind)
        # Why no job: the same what-ifs the newcomer's manage page says (shared/job_wait.py).
        reason = (job_wait.job_wait(newcomer, (p for p in pools.positions if p.id not in excluded)).code
                  if waiting and kind == "employer" else None)
        await _set_waitlist(conn, newcomer.id, kind, waiting=waiting, reason=reason)
    await write_events(conn, written)
    return len(written)


async def withdraw_open(
    conn: asyncpg.Connection, *, newcomer_id: uuid.UUID | None = None, owner_id: uuid.UUID | None = None,
    reason: str,
) -> int:
    """Withdraw open suggestions of a newcomer, or of everything a counterpart participant owns."""
    rows = await matches_db.withdraw_suggested(
        conn, reason,
        """newcomer_id = $1 OR counterpart_id = $2
           OR counterpart_id IN (SELECT id FROM courses WHERE provider_id = $2)
           OR counterpart_id IN (SELECT id FROM positions WHERE employer_id = $2)""",
        newcomer_id, owner_id,
    )
    return len(rows)


async def for_newcomer(
    conn: asyncpg.Connection, newcomer_id: uuid.UUID, models: dict[str, LinearModel], now: datetime,
    *, rescore: bool = False,
) -> int:
    await lock_writers(conn)
    newcomer = await load_newcomer(conn, newcomer_id)
    if newcomer is None:  # paused, withdrawn, erased or not verified: nothing stays open
        await withdraw_open(conn, newcomer_id=newcomer_id, reason="newcomer_unavailable")
        await conn.execute("DELETE FROM waitlist WHERE newcomer_id = $1", newcomer_id)
        return 0
    if rescore:  # the profile changed: earlier scores (and feasibility) may no longer hold
        await withdraw_open(conn, newcomer_id=newcomer_id, reason="rescored")
    return await top_up(conn, newcomer, await load_pools(conn), models, now)


async def reconsider_waiting(
    conn: asyncpg.Connection, models: dict[str, LinearModel], now: datetime, kinds: tuple[str, ...] = cand.KINDS
) -> int:
    """New room appeared (a counterpart, seats, a freed place): look again at everyone waiting."""
    await lock_writers(conn)
    pools = await load_pools(conn)
    total = 0
    for newcomer in await newcomers_with_room(conn, kinds, MAX_OPEN_PER_KIND):
        total += await top_up(conn, newcomer, pools, models, now, kinds)
    return total
