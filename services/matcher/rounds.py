"""A global assignment round: the best set of proposals across all waiting newcomers at once.

Incremental suggestions look at one newcomer at a time, so two newcomers can be offered the
same last seat. A round solves the assignment for everyone together, exactly, over every
feasible pair: a sparse min-cost full matching (scipy's LAPJVsp), with each counterpart's
remaining room expanded into slots and one "stay unmatched" slot per newcomer, so nobody is
forced into a poor pair.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import datetime
from typing import Any, Final

import asyncpg
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from lotse.matcher import candidates as cand
from lotse.matcher import suggest
from lotse.matcher.profiles import Newcomer, Pools, load_pools, waiting_newcomers
from lotse.matcher.scoring import LinearModel
from lotse.shared import events, matches_db
from lotse.shared.outbox import write_events

ROUND_LOCK: Final = 0x4C6F7473_0012
OBJECTIVES: Final = ("best_total_score", "most_matched")


def room(counterpart: Any) -> int:
    for name in ("capacity_left", "seats_left", "openings_left"):
        if hasattr(counterpart, name):
            return max(0, int(getattr(counterpart, name)))
    return 0


def objective_values(scores: np.ndarray, objective: str) -> np.ndarray:
    """What the round maximises per pair: the score, or first the number of pairs, then the score."""
    return scores if objective == "best_total_score" else 1.0 + 0.01 * scores


def solve(newcomers: int, rows: np.ndarray, columns: np.ndarray, values: np.ndarray,
          room: np.ndarray) -> list[tuple[int, int]]:
    """The (row, column) pairs of greatest total value, each row at most once, each column at most
    ``room`` times: an exact assignment on a sparse graph (LAPJVsp), each column expanded into its
    slots and each row given its own "stay unmatched" slot of value 0."""
    positive = values > 0
    rows, columns, values = rows[positive], columns[positive], values[positive]
    slots_of = np.minimum(np.maximum(room, 0), newcomers).astype(np.int64)
    first_slot = np.concatenate([[0], np.cumsum(slots_of)])
    slots = int(first_slot[-1])
    if newcomers == 0 or slots == 0 or rows.size == 0:
        return []
    repeat = slots_of[columns]
    edge = np.repeat(np.arange(rows.size), repeat)
    within = np.arange(edge.size) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    graph_rows = np.concatenate([rows[edge], np.arange(newcomers)])
    graph_columns = np.concatenate([first_slot[columns][edge] + within, slots + np.arange(newcomers)])
    # Costs stay positive (an explicit zero would read as a missing edge) and equal for every row's
    # unmatched slot, so the cheapest full matching is the assignment of greatest total value.
    costs = np.concatenate([2.0 - values[edge], np.full(newcomers, 2.0)])
    graph = sparse.csr_matrix((costs, (graph_rows, graph_columns)), shape=(newcomers, slots + newcomers))
    matched_rows, matched_slots = min_weight_full_bipartite_matching(graph)
    column_of_slot = np.repeat(np.arange(len(room)), slots_of)
    return [(int(i), int(column_of_slot[j])) for i, j in zip(matched_rows, matched_slots, strict=True) if j < slots]


def assign(
    options: list[list[cand.Candidate]], objective: str
) -> list[tuple[int, cand.Candidate]]:
    """Row i = one newcomer's feasible candidates; returns (row, chosen candidate) pairs."""
    column: dict[Any, int] = {}
    counterparts: list[Any] = []
    chosen_from: dict[tuple[int, int], cand.Candidate] = {}
    for i, row in enumerate(options):
        for c in row:
            if c.counterpart.id not in column:
                column[c.counterpart.id] = len(counterparts)
                counterparts.append(c.counterpart)
            chosen_from[(i, column[c.counterpart.id])] = c
    pairs = list(chosen_from)
    rows = np.array([i for i, _ in pairs], dtype=np.int64)
    columns = np.array([j for _, j in pairs], dtype=np.int64)
    scores = np.array([chosen_from[p].scored.score for p in pairs], dtype=float)
    rooms = np.array([room(c) for c in counterparts], dtype=np.int64)
    return [(i, chosen_from[(i, j)]) for i, j in
            solve(len(options), rows, columns, objective_values(scores, objective), rooms)]


async def _left_out(conn: asyncpg.Connection, newcomers: list[Newcomer]) -> list[set[Any]]:
    """Per newcomer, the counterparts a round may not propose. An open suggestion of the same pair
    may be proposed again by the round (it keeps its row), so it is not left out."""
    rows = await conn.fetch(
        "SELECT newcomer_id, counterpart_id, status FROM matches WHERE newcomer_id = ANY($1) AND status <> 'withdrawn'",
        [n.id for n in newcomers],
    )
    excluded: dict[Any, set[Any]] = {}
    open_ids: dict[Any, set[Any]] = {}
    for r in rows:
        excluded.setdefault(r["newcomer_id"], set()).add(r["counterpart_id"])
        if r["status"] == "suggested":
            open_ids.setdefault(r["newcomer_id"], set()).add(r["counterpart_id"])
    return [excluded.get(n.id, set()) - open_ids.get(n.id, set()) for n in newcomers]


Chosen = list[tuple[int, cand.Candidate]]


def _choose(kind: str, wanting: list[Newcomer], left_out: list[set[Any]], pools: Pools,
            model: LinearModel | None, objective: str, now: datetime) -> tuple[Chosen, set[int]]:
    """The round's pairs of one kind, and the rows that had any feasible candidate at all."""
    if kind != "mentor":
        options = [cand.candidates(kind, n, pools, out, {kind: model} if model else {}, now)
                   for n, out in zip(wanting, left_out, strict=True)]
        return assign(options, objective), {i for i, row in enumerate(options) if row}
    # Mentors are many: every feasible pair is scored by arrays, the assignment is exact over all of
    # them, and only the chosen pairs are scored again by the per-pair path for their explanation.
    index = cand.mentor_index(pools)
    pairs = index.pairs(wanting, left_out, model, now)
    rooms = np.array([m.capacity_left for m in index.mentors], dtype=np.int64)
    chosen = solve(len(wanting), pairs.rows, pairs.columns, objective_values(pairs.scores, objective), rooms)
    similarity = pairs.similarity[pairs.positions(chosen)].tolist()
    return ([(i, cand.mentor_candidate(wanting[i], index.mentors[j], text, model, now))
             for (i, j), text in zip(chosen, similarity, strict=True)], set(np.unique(pairs.rows).tolist()))


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
        live = {
            r["newcomer_id"] for r in await conn.fetch(
                "SELECT newcomer_id FROM matches WHERE kind = $1 AND status IN ('approved', 'introduced', 'active')",
                kind)
        }
        wanting = [n for n in newcomers if kind in cand.wanted_kinds(n) and n.id not in live]
        left_out = await _left_out(conn, wanting)
        # Scoring and solving are CPU work: in a thread, so the event loop (heartbeats) keeps going.
        chosen, had_options = await asyncio.to_thread(_choose, kind, wanting, left_out, pools, models.get(kind),
                                                       objective, now)
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
            "no_feasible_candidate" if i not in had_options else "room_went_to_a_better_pair"
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
