"""What a round reports beside its proposals: the same figures for a greedy assignment of the same
pairs, so the optimum's gain is visible, and match rate and mean score per country of origin and
per planning region, so coordinators see whether some groups are left waiting."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from lotse.shared.profiles import Newcomer
from lotse.shared.reference import districts


def greedy(newcomers: int, rows: np.ndarray, columns: np.ndarray, values: np.ndarray,
           room: np.ndarray) -> np.ndarray:
    """Best pair first, as long as the newcomer is free and the counterpart has room: the
    positions of the chosen pairs among ``rows``/``columns``."""
    order = np.argsort(-values, kind="stable")
    left = room.tolist()
    taken = bytearray(newcomers)
    chosen = []
    for k, i, j in zip(order.tolist(), rows[order].tolist(), columns[order].tolist(), strict=True):
        if not taken[i] and left[j] > 0:
            taken[i] = 1
            left[j] -= 1
            chosen.append(k)
    return np.array(chosen, dtype=np.intp)


def _groups(wanting: Sequence[Newcomer], proposed: dict[int, float],
            key: Callable[[Newcomer], str]) -> dict[str, dict[str, Any]]:
    waiting: dict[str, int] = defaultdict(int)
    scores: dict[str, list[float]] = defaultdict(list)
    for i, newcomer in enumerate(wanting):
        waiting[key(newcomer)] += 1
        if i in proposed:
            scores[key(newcomer)].append(proposed[i])
    return {
        group: {"waiting": count, "proposed": len(scores[group]),
                "match_rate": round(len(scores[group]) / count, 4),
                "mean_score": round(sum(scores[group]) / len(scores[group]), 4) if scores[group] else None}
        for group, count in sorted(waiting.items())
    }


def fairness(wanting: Sequence[Newcomer], proposed: dict[int, float]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per country of origin and per planning region: waiting, proposed, match rate, mean score."""
    def region(newcomer: Newcomer) -> str:
        district = districts().get(newcomer.district)
        return district.planning_region if district else "unknown"

    return {
        "by_country_of_origin": _groups(wanting, proposed, lambda n: n.country or "unknown"),
        "by_planning_region": _groups(wanting, proposed, region),
    }
