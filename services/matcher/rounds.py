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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import asyncpg
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from lotse.matcher import candidates as cand
from lotse.matcher import round_report as report
from lotse.matcher import suggest
from lotse.matcher.pools import Pools, load_pools, waiting_newcomers
from lotse.matcher.scoring import LinearModel
from lotse.shared import events, feasibility, matches_db
from lotse.shared.outbox import write_events
from lotse.shared.profiles import Newcomer

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


@dataclass(frozen=True, slots=True)
class _Arrays:
    """A kind's feasible pairs as arrays, with the room of each counterpart column."""

    rows: np.ndarray
    columns: np.ndarray
    scores: np.ndarray
    room: np.ndarray


def _from_options(options: list[list[cand.Candidate]]) -> tuple[_Arrays, dict[tuple[int, int], cand.Candidate]]:
    column: dict[Any, int] = {}
    rooms: list[int] = []
    by_pair: dict[tuple[int, int], cand.Candidate] = {}
    for i, row in enumerate(options):
        for c in row:
            if c.counterpart.id not in column:
                column[c.counterpart.id] = len(rooms)
                rooms.append(room(c.counterpart))
            by_pair[(i, column[c.counterpart.id])] = c
    pairs = list(by_pair)
    return _Arrays(np.array([i for i, _ in pairs], dtype=np.int64), np.array([j for _, j in pairs], dtype=np.int64),
                   np.array([by_pair[p].scored.score for p in pairs], dtype=float),
                   np.array(rooms, dtype=np.int64)), by_pair


def positions(rows: np.ndarray, columns: np.ndarray, chosen: list[tuple[int, int]]) -> np.ndarray:
    """Where each chosen (row, column) is among the pairs."""
    width = int(columns.max(initial=0)) + 1
    keys = rows.astype(np.int64) * width + columns
    order = np.argsort(keys, kind="stable")
    return order[np.searchsorted(keys[order], np.array([i * width + j for i, j in chosen], dtype=np.int64))]


def assign(
    options: list[list[cand.Candidate]], objective: str
) -> list[tuple[int, cand.Candidate]]:
    """Row i = one newcomer's feasible candidates; returns (row, chosen candidate) pairs."""
    arrays, by_pair = _from_options(options)
    values = objective_values(arrays.scores, objective)
    return [(i, by_pair[(i, j)]) for i, j in solve(len(options), arrays.rows, arrays.columns, values, arrays.room)]


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


@dataclass(frozen=True, slots=True)
class KindRound:
    chosen: list[tuple[int, cand.Candidate]]
    had_options: set[int]  # rows with any feasible candidate at all
    report: dict[str, Any]


def _solve_and_report(wanting: list[Newcomer], arrays: _Arrays, objective: str,
                      make: Callable[[int, int, int], cand.Candidate]) -> KindRound:
    """The exact assignment, its candidates (``make(row, column, pair position)``), and its report."""
    values = objective_values(arrays.scores, objective)
    pairs = solve(len(wanting), arrays.rows, arrays.columns, values, arrays.room)
    at = positions(arrays.rows, arrays.columns, pairs)
    chosen = [(i, make(i, j, int(k))) for (i, j), k in zip(pairs, at.tolist(), strict=True)]
    greedy_at = report.greedy(len(wanting), arrays.rows, arrays.columns, values, arrays.room)
    total, greedy_total = float(arrays.scores[at].sum()), float(arrays.scores[greedy_at].sum())
    return KindRound(chosen, set(np.unique(arrays.rows).tolist()), {
        "total_score": round(total, 4),
        "greedy": {"proposed": len(greedy_at), "total_score": round(greedy_total, 4)},
        "gain_over_greedy": round(total - greedy_total, 4),
        "fairness": report.fairness(wanting, dict(zip([i for i, _ in pairs], arrays.scores[at].tolist(),
                                                      strict=True))),
    })


def _choose(kind: str, wanting: list[Newcomer], left_out: list[set[Any]], pools: Pools,
            model: LinearModel | None, objective: str, now: datetime) -> KindRound:
    """The round's pairs of one kind, with its report."""
    if kind != "mentor":
        options = [cand.candidates(kind, n, pools, out, {kind: model} if model else {}, now)
                   for n, out in zip(wanting, left_out, strict=True)]
        arrays, by_pair = _from_options(options)
        return _solve_and_report(wanting, arrays, objective, lambda i, j, _: by_pair[(i, j)])
    # Mentors are many: every feasible pair is scored by arrays, the assignment is exact over all of
    # them, and only the chosen pairs are scored again by the per-pair path for their explanation.
    index = cand.mentor_index(pools)
    pairs = index.pairs(wanting, left_out, model, now)
    arrays = _Arrays(pairs.rows, pairs.columns, pairs.scores.astype(float),
                     np.array([m.capacity_left for m in index.mentors], dtype=np.int64))
    return _solve_and_report(wanting, arrays, objective, lambda i, j, k: cand.mentor_candidate(
        wanting[i], index.mentors[j], float(pairs.similarity[k]), model, now))


async def run_round(
    conn: asyncpg.Connection, round_id: uuid.UUID, models: dict[str, LinearModel], now: datetime,
    suggested: suggest.Suggested,
) -> None:
    """The round's suggestions; their counterparts are added to ``suggested`` (checked for room by the
    caller as its transaction's last step)."""
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
        wanting = [n for n in newcomers if kind in feasibility.wanted_kinds(n) and n.id not in live]
        left_out = await _left_out(conn, wanting)
        # Scoring and solving are CPU work: in a thread, so the event loop (heartbeats) keeps going.
        solved = await asyncio.to_thread(_choose, kind, wanting, left_out, pools, models.get(kind), objective, now)
        for i, candidate in solved.chosen:
            existing = await conn.fetchrow(
                f"""UPDATE matches SET round_id = $3 WHERE newcomer_id = $1 AND counterpart_id = $2
                    AND status = 'suggested' RETURNING {matches_db.MATCH_COLUMNS}""",
                wanting[i].id, candidate.counterpart.id, round_id,
            )
            if existing is None:
                row = await suggest.insert_suggestion(conn, wanting[i].id, candidate, round_id)
                if row is not None:
                    written.append(matches_db.match_event(events.MATCH_SUGGESTED, row, round_id=round_id))
                    suggested.add(kind, candidate.counterpart.id)
        matched_rows = {i for i, _ in solved.chosen}
        unmatched = Counter(
            "no_feasible_candidate" if i not in solved.had_options else "room_went_to_a_better_pair"
            for i in range(len(wanting)) if i not in matched_rows
        )
        result["kinds"][kind] = {
            "waiting": len(wanting), "proposed": len(solved.chosen), **solved.report, "unmatched": dict(unmatched),
        }
    await write_events(conn, written)
    await conn.execute(
        "UPDATE rounds SET status = 'completed', completed_at = now(), result = $2 WHERE id = $1", round_id, result
    )
    await write_events(conn, [events.new_event(events.ROUND_COMPLETED, round_id=round_id)])
