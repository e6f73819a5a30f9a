"""A global assignment round: the best set of proposals across all waiting newcomers at once.

Incremental suggestions look at one newcomer at a time, so two newcomers can be offered the
same last seat. A round solves the assignment for everyone together (Hungarian algorithm via
scipy's `linear_sum_assignment`), with each counterpart's remaining room expanded into slots
and one "stay unmatched" column per newcomer, so nobody is forced into a poor pair.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import datetime
from typing import Any, Final

import asyncpg
import numpy as np
from scipy.optimize import linear_sum_assignment

from lotse.matcher import candidates as cand
from lotse.matcher import suggest
from lotse.matcher.profiles import Newcomer, Pools, excluded_pairs, load_pools, waiting_newcomers
from lotse.matcher.scoring import LinearModel
from lotse.shared import events, matches_db
from lotse.shared.outbox import write_events

ROUND_LOCK: Final = 0x4C6F7473_0012
ROUND_CANDIDATES: Final = 50  # per newcomer: the optimum over a pruned list, as the issue allows
OBJECTIVES: Final = ("best_total_score", "most_matched")


def room(counterpart: Any) -> int:
    for name in ("capacity_left", "seats_left", "openings_left"):
        if hasattr(counterpart, name):
            return max(0, int(getattr(counterpart, name)))
    return 0


def assign(
    options: list[list[cand.Candidate]], objective: str
) -> list[tuple[int, cand.Candidate]]:
    """Row i = one newcomer's feasible candidates; returns (row, chosen candidate) pairs."""
    slots: list[Any] = []
    seen: dict[Any, int] = {}
    for row in options:
        for c in row:
            if c.counterpart.id not in seen:
                seen[c.counterpart.id] = room(c.counterpart)
                slots.extend([c.counterpart.id] * min(seen[c.counterpart.id], len(options)))
    n, m = len(options), len(slots)
    if n == 0 or m == 0:
        return []
    benefit = np.full((n, m + n), -1.0)
    benefit[np.arange(n), m + np.arange(n)] = 0.0  # each newcomer's own "stay unmatched" column
    column_of: dict[Any, list[int]] = {}
    for j, counterpart_id in enumerate(slots):
        column_of.setdefault(counterpart_id, []).append(j)
    for i, row in enumerate(options):
        for c in row:
            value = c.scored.score if objective == "best_total_score" else 1.0 + 0.01 * c.scored.score
            benefit[i, column_of[c.counterpart.id]] = value
    rows, cols = linear_sum_assignment(benefit, maximize=True)
    by_id = {(i, c.counterpart.id): c for i, row in enumerate(options) for c in row}
    return [(i, by_id[(i, slots[j])]) for i, j in zip(rows, cols, strict=True) if j < m and benefit[i, j] > 0]


async def _options(
    conn: asyncpg.Connection, kind: str, newcomers: list[Newcomer], pools: Pools, models: dict[str, LinearModel],
    now: datetime,
) -> tuple[list[Newcomer], list[list[cand.Candidate]]]:
    live = {
        r["newcomer_id"]
        for r in await conn.fetch(
            "SELECT newcomer_id FROM matches WHERE kind = $1 AND status IN ('approved', 'introduced', 'active')", kind
        )
    }
    wanting = [n for n in newcomers if kind in cand.wanted_kinds(n) and n.id not in live]
    options = []
    for newcomer in wanting:
        excluded = await excluded_pairs(conn, newcomer.id)
        # An open suggestion of the same pair may be proposed again by the round: it is not excluded here.
        open_ids = {
            r["counterpart_id"]
            for r in await conn.fetch(
                "SELECT counterpart_id FROM matches WHERE newcomer_id = $1 AND status = 'suggested'", newcomer.id
            )
        }
        # Scoring is CPU work: in a thread, so the event loop (heartbeats, other messages) keeps going.
        options.append(await asyncio.to_thread(cand.candidates, kind, newcomer, pools, excluded - open_ids, models,
                                               now, ROUND_CANDIDATES))
    return wanting, options


async def run_round(
    conn: asyncpg.Connection, round_id: uuid.UUID, models: dict[str, LinearModel], now: datetime
) -> None:
    await conn.execute("SELECT pg_advisory_xact_lock($1)", ROUND_LOCK)  # one round at a time, across instances
    request = await conn.fetchrow("SELECT objective, status FROM rounds WHERE id = $1 FOR UPDATE", round_id)
    if request is None or request["status"] in ("completed", "failed"):
        return
    await suggest.lock_writers(conn)
    objective = request["objective"] if request["objective"] in OBJECTIVES else "best_total_score"
    newcomers, pools = await waiting_newcomers(conn), await load_pools(conn)
    result: dict[str, Any] = {"objective": objective, "kinds": {}}
    written: list[events.Event] = []
    for kind in cand.KINDS:
        wanting, options = await _options(conn, kind, newcomers, pools, models, now)
        chosen = assign(options, objective)
        for i, candidate in chosen:
            existing = await conn.fetchrow(
                f"""UPDATE matches SET round_id = $3 WHERE newcomer_id = $1 AND counterpart_id = $2
                    AND status = 'suggested' RETURNING {matches_db.MATCH_COLUMNS}""",
                wanting[i].id, candidate.counterpart.id, round_id,
            )
            if existing is None:
                row = await suggest.insert_suggestion(conn, wanting[i].id, candidate, round_id)
                if row is not None:
                    written.append(matches_db.match_event(events.MATCH_SUGGESTED, row, round_id=round_id))
        matched_rows = {i for i, _ in chosen}
        unmatched = Counter(
            "no_feasible_candidate" if not options[i] else "room_went_to_a_better_pair"
            for i in range(len(wanting)) if i not in matched_rows
        )
        result["kinds"][kind] = {
            "waiting": len(wanting),
            "proposed": len(chosen),
            "total_score": round(sum(c.scored.score for _, c in chosen), 4),
            "unmatched": dict(unmatched),
        }
    await write_events(conn, written)
    await conn.execute(
        "UPDATE rounds SET status = 'completed', completed_at = now(), result = $2 WHERE id = $1", round_id, result
    )
    await write_events(conn, [events.new_event(events.ROUND_COMPLETED, round_id=round_id)])
