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

import numpy as np

from lotse.matcher import candidates as cand
from lotse.matcher import round_report, rounds
from lotse.matcher.pools import Pools
from lotse.shared.profiles import Mentor, Newcomer
from lotse.shared.reference import districts

NOW = datetime(2026, 11, 23, tzinfo=UTC)
LANGS = ["de", "en", "ru", "uk", "vi", "ar", "tr", "pl"]
LEVELS = ["A2", "B1", "B2", "C1", "native"]
WORDS = [
    "Pflege",
    "Krankenhaus",
    "Altenpflege",
    "IT",
    "Software",
    "Netzwerk",
    "Handwerk",
    "Elektro",
    "Kita",
    "Familie",
    "Kinder",
    "Wohnung",
    "Behörden",
    "Anerkennung",
    "Sprachkurs",
    "Fußball",
    "Chor",
    "Wandern",
    "Kochen",
    "Garten",
    "Schach",
    "Fahrrad",
    "Gera",
    "Jena",
    "Erfurt",
    "Weimar",
    "Suhl",
    "Gotha",
    "Studium",
    "Ausbildung",
    "Bäckerei",
    "Logistik",
    "Lager",
    "Buchhaltung",
    "Hotel",
    "Küche",
    "Musik",
    "Theater",
    "nursing",
    "hospital",
    "software",
    "kids",
    "family",
    "housing",
    "language",
    "cooking",
    "hiking",
    "football",
    "music",
    "teacher",
]


def invented_words(count: int, seed: int = 3) -> list[str]:
    """A broader vocabulary: words of 2-4 German-looking syllables, so n-grams are shared but diverse."""
    rng = random.Random(seed)
    syllables = ["ka", "te", "ri", "mo", "lu", "sen", "ber", "ung", "pf", "le", "ge", "an", "ar", "beit", "woh",
                 "nen", "schu", "kin", "der", "stadt"]
    return sorted({"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(count)})


def about(rng: random.Random, words: list[str]) -> str:
    """A few words of one's own, nearly always different from anyone else's (one in ten says nothing)."""
    return "" if rng.random() < 0.1 else " ".join(rng.sample(words, rng.randint(3, 9)))


def population(newcomers: int, mentors: int, seed: int = 7,
               words: list[str] = WORDS) -> tuple[list[Newcomer], list[Mentor]]:
    rng = random.Random(seed)
    codes = sorted(districts())

    def langs() -> dict[str, str]:
        return {code: rng.choice(LEVELS) for code in rng.sample(LANGS, rng.randint(1, 3))}

    people = [
        Newcomer(
            id=uuid.uuid4(),
            district=rng.choice(codes),
            languages=langs(),
            occupation_field=rng.choice(["it", "nursing"]),
            needs=frozenset(rng.sample(["housing", "childcare", "authorities"], 2)),
            wants_mentor=True,
            course_schedules=frozenset({"evening"}),
            partner=rng.random() < 0.5,
            partner_seeks_work=rng.random() < 0.3,
            children_ages=(),
            about=about(rng, words),
            waiting_since=NOW - timedelta(days=rng.randint(0, 90)),
        )
        for _ in range(newcomers)
    ]
    helpers = [
        Mentor(
            id=uuid.uuid4(),
            district=rng.choice(codes),
            languages=langs(),
            helps_with=frozenset(rng.sample(["housing", "childcare", "authorities"], 2)),
            occupation_field=None,
            max_distance_km=rng.choice([30.0, 60.0, 120.0]),
            online_ok=rng.random() < 0.3,
            capacity_left=rng.randint(1, 5),
            about=about(rng, words),
        )
        for _ in range(mentors)
    ]
    return people, helpers


def one_against_many(mentors: int, samples: int, limit: int | None) -> tuple[float, list[float]]:
    """(seconds to build the pool's index, per-newcomer times) for the best ``limit`` (None: all, per pair)."""
    people, helpers = population(samples, mentors)
    pools = Pools(mentors=helpers)
    started = time.perf_counter()
    cand.mentor_index(pools)
    build = time.perf_counter() - started
    times = []
    for person in people:
        started = time.perf_counter()
        cand.candidates("mentor", person, pools, set(), {}, NOW, limit=limit)
        times.append(time.perf_counter() - started)
    return build, sorted(times)


def pct(times: list[float], q: float) -> float:
    return times[min(len(times) - 1, int(q * len(times)))] * 1000


def full_scoring(size: int, loop_ms: float, words: list[str] = WORDS) -> None:
    people, _ = population(size, 1, words=words)
    pools = Pools(mentors=population(1, size, seed=3, words=words)[1])
    started = time.perf_counter()
    index = cand.mentor_index(pools)
    best = index.best(people, None, None, NOW, limit=5)
    full = time.perf_counter() - started
    print(
        f"full scoring {size} × {size}, block-wise arrays (best 5 each, index build included): {full:.2f} s "
        f"(goal < 3 s: {'MET' if full < 3 else 'MISSED'}); {sum(map(len, best))} pairs kept"
    )
    print(
        f"  a per-pair Python loop would take ~{loop_ms * size / 1000:.0f} s "
        f"({loop_ms:.0f} ms per newcomer × {size}): arrays {loop_ms * size / 1000 / full:.0f}× faster"
    )


def global_round(newcomers: int, mentors: int) -> None:
    """The matcher's own round path for one kind (scoring, exact assignment, explanations, the greedy
    comparison and the fairness report), then its parts one by one."""
    people, helpers = population(newcomers, mentors, seed=11)
    started = time.perf_counter()
    solved = rounds._choose("mentor", people, [set()] * len(people), Pools(mentors=helpers), None,
                            "best_total_score", NOW)
    total = time.perf_counter() - started
    pools = Pools(mentors=helpers)
    started = time.perf_counter()
    pairs = cand.mentor_index(pools).pairs(people, None, None, NOW)
    scored = time.perf_counter() - started
    room = np.array([m.capacity_left for m in helpers], dtype=np.int64)
    started = time.perf_counter()
    chosen = rounds.solve(len(people), pairs.rows, pairs.columns, pairs.scores, room)
    solved_s = time.perf_counter() - started
    started = time.perf_counter()
    greedy = round_report.greedy(len(people), pairs.rows, pairs.columns, pairs.scores, room)
    greedy_s = time.perf_counter() - started
    column = {m.id: j for j, m in enumerate(helpers)}
    at = rounds.positions(pairs.rows, pairs.columns, [(i, column[c.counterpart.id]) for i, c in solved.chosen])
    differ = max((abs(c.scored.score - s) for (_, c), s in zip(solved.chosen, pairs.scores[at], strict=True)),
                 default=0)
    r = solved.report
    print(f"global round {newcomers} newcomers × {mentors} mentors (capacity 1-5, {int(room.sum())} places), "
          f"exact over all {pairs.rows.size} feasible pairs:")
    print(f"  end to end, as the matcher runs it  {total:6.2f} s (goal < 5 s: {'MET' if total < 5 else 'MISSED'}; "
          "with explanations, greedy comparison and fairness report)")
    print(f"  of which scoring every pair          {scored:6.2f} s (arrays)")
    print(f"           exact assignment            {solved_s:6.2f} s (sparse LAPJVsp)")
    print(f"           greedy on the same pairs    {greedy_s:6.2f} s")
    print(f"  matched: exact {len(solved.chosen)} (alone: {len(chosen)}), greedy {r['greedy']['proposed']} "
          f"(alone: {len(greedy)}); total score: exact {r['total_score']:.2f}, "
          f"greedy {r['greedy']['total_score']:.2f}; greedy reaches "
          f"{r['greedy']['total_score'] / max(r['total_score'], 1e-9):.2%} of the optimum")
    print(f"  explained scores differ from the arrays' by at most {differ:.5f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentors", type=int, default=10000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--full", type=int, default=10000, help="newcomers = mentors for the full scoring")
    parser.add_argument("--round", type=int, nargs=2, default=(5000, 2000), metavar=("NEWCOMERS", "MENTORS"))
    args = parser.parse_args()
    build, fast = one_against_many(args.mentors, args.samples, limit=5)
    _, loop = one_against_many(args.mentors, max(3, args.samples // 30), limit=None)
    print(
        f"one newcomer × {args.mentors} mentors, best 5 (arrays, then exact scores): p50 {pct(fast, 0.5):.2f} ms, "
        f"p99 {pct(fast, 0.99):.2f} ms (goal p99 < 5 ms: {'MET' if pct(fast, 0.99) < 5 else 'MISSED'}); "
        f"index built once per pool in {build * 1000:.0f} ms"
    )
    print(
        f"  the same by a per-pair Python loop over all: p50 {pct(loop, 0.5):.1f} ms "
        f"(arrays {pct(loop, 0.5) / pct(fast, 0.5):.0f}× faster)"
    )
    full_scoring(args.full, pct(loop, 0.5))
    broader = invented_words(5000)
    print(f"  again with texts from a broader vocabulary ({len(broader)} words):")
    full_scoring(args.full, pct(loop, 0.5), broader)
    global_round(*args.round)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MiB (goal < 2048: {'MET' if peak < 2048 else 'MISSED'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
