"""Matcher speed: scoring one newcomer against many mentors, and a global round, beside greedy.

    .venv/bin/python -m bench.matcher_speed [--mentors 10000] [--round 5000 2000]

Synthetic populations from a fixed seed, all in memory (no database). Prints figures and ratios;
asserts nothing about time.
"""

from __future__ import annotations

import argparse
import random
import resource
import time
import uuid
from datetime import UTC, datetime, timedelta

from lotse.matcher import candidates as cand
from lotse.matcher import rounds
from lotse.matcher.profiles import Mentor, Newcomer, Pools
from lotse.shared.reference import districts

NOW = datetime(2026, 11, 23, tzinfo=UTC)
LANGS = ["de", "en", "ru", "uk", "vi", "ar", "tr", "pl"]
LEVELS = ["A2", "B1", "B2", "C1", "native"]
ABOUT = ["Pflege in Gera", "IT und Software", "Handwerk, Elektro", "Kita und Familie", "Wohnung suchen", ""]


def population(newcomers: int, mentors: int, seed: int = 7) -> tuple[list[Newcomer], list[Mentor]]:
    rng = random.Random(seed)
    codes = sorted(districts())

    def langs() -> dict[str, str]:
        return {code: rng.choice(LEVELS) for code in rng.sample(LANGS, rng.randint(1, 3))}

    people = [Newcomer(
        id=uuid.uuid4(), district=rng.choice(codes), languages=langs(), occupation_field=rng.choice(["it", "nursing"]),
        needs=frozenset(rng.sample(["housing", "childcare", "authorities"], 2)), wants_mentor=True,
        course_schedules=frozenset({"evening"}), partner=rng.random() < 0.5, partner_seeks_work=rng.random() < 0.3,
        children_ages=(), about=rng.choice(ABOUT), waiting_since=NOW - timedelta(days=rng.randint(0, 90)),
    ) for _ in range(newcomers)]
    helpers = [Mentor(
        id=uuid.uuid4(), district=rng.choice(codes), languages=langs(),
        helps_with=frozenset(rng.sample(["housing", "childcare", "authorities"], 2)), occupation_field=None,
        max_distance_km=rng.choice([30.0, 60.0, 120.0]), online_ok=rng.random() < 0.3,
        capacity_left=rng.randint(1, 5), about=rng.choice(ABOUT),
    ) for _ in range(mentors)]
    return people, helpers


def one_against_many(mentors: int, samples: int, limit: int | None) -> tuple[float, list[float]]:
    """(seconds to build the pool's index, per-newcomer times) for the best ``limit`` (None: all, per pair)."""
    people, helpers = population(samples, mentors)
    pools = Pools(mentors=helpers)
    started = time.perf_counter()
    cand._mentor_index(pools)
    build = time.perf_counter() - started
    times = []
    for person in people:
        started = time.perf_counter()
        cand.candidates("mentor", person, pools, set(), {}, NOW, limit=limit)
        times.append(time.perf_counter() - started)
    return build, sorted(times)


def pct(times: list[float], q: float) -> float:
    return times[min(len(times) - 1, int(q * len(times)))] * 1000


def greedy(options: list[list[cand.Candidate]]) -> tuple[int, float]:
    left = {c.counterpart.id: rounds.room(c.counterpart) for row in options for c in row}
    pairs = sorted(((c.scored.score, i, c.counterpart.id) for i, row in enumerate(options) for c in row),
                   reverse=True)
    taken: set[int] = set()
    total = 0.0
    for score, i, counterpart in pairs:
        if i not in taken and left[counterpart] > 0:
            taken.add(i)
            left[counterpart] -= 1
            total += score
    return len(taken), total


def global_round(newcomers: int, mentors: int) -> dict[str, float]:
    people, helpers = population(newcomers, mentors, seed=11)
    pools = Pools(mentors=helpers)
    started = time.perf_counter()
    options = [cand.candidates("mentor", p, pools, set(), {}, NOW, limit=rounds.ROUND_CANDIDATES) for p in people]
    scored = time.perf_counter() - started
    started = time.perf_counter()
    chosen = rounds.assign(options, "best_total_score")
    solved = time.perf_counter() - started
    started = time.perf_counter()
    greedy_count, greedy_total = greedy(options)
    greedy_s = time.perf_counter() - started
    return {"scoring s": scored, "exact assignment s": solved, "greedy s": greedy_s,
            "matched (exact)": len(chosen), "total (exact)": sum(c.scored.score for _, c in chosen),
            "matched (greedy)": greedy_count, "total (greedy)": greedy_total}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentors", type=int, default=10000)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--full", type=int, default=10000, help="newcomers = mentors for the full scoring")
    parser.add_argument("--round", type=int, nargs=2, default=(5000, 2000), metavar=("NEWCOMERS", "MENTORS"))
    args = parser.parse_args()
    build, fast = one_against_many(args.mentors, args.samples, limit=5)
    _, loop = one_against_many(args.mentors, max(3, args.samples // 10), limit=None)
    print(f"one newcomer × {args.mentors} mentors, best 5 (arrays, then exact scores): p50 {pct(fast, 0.5):.2f} ms, "
          f"p99 {pct(fast, 0.99):.2f} ms (goal p99 < 5 ms: {'MET' if pct(fast, 0.99) < 5 else 'MISSED'}); "
          f"index built once per pool in {build * 1000:.0f} ms")
    print(f"  the same by a per-pair Python loop over all: p50 {pct(loop, 0.5):.1f} ms "
          f"(arrays {pct(loop, 0.5) / pct(fast, 0.5):.0f}× faster)")
    started = time.perf_counter()
    people, _ = population(args.full, 1)
    pools = Pools(mentors=population(1, args.full, seed=3)[1])
    for person in people:
        cand.candidates("mentor", person, pools, set(), {}, NOW, limit=5)
    full = time.perf_counter() - started
    print(f"full scoring {args.full} × {args.full} (best 5 each): {full:.1f} s (goal < 3 s: "
          f"{'MET' if full < 3 else 'MISSED'})")
    figures = global_round(*args.round)
    print(f"global round {args.round[0]} newcomers × {args.round[1]} mentors (capacity 1-5):")
    for name, value in figures.items():
        print(f"  {name:24s} {value:12.2f}")
    total = figures["scoring s"] + figures["exact assignment s"]
    print(f"  exact ÷ greedy total score: {figures['total (exact)'] / max(figures['total (greedy)'], 1e-9):.4f}")
    print(f"  round end to end {total:.1f} s (goal < 5 s: {'MET' if total < 5 else 'MISSED'})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MiB (goal < 2048: {'MET' if peak < 2048 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
