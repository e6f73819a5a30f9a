"""`lotse matcher evaluate`: ranking quality on held-out decisions, model against the prior.

The oldest 70 % of decisions train a model; the newest 30 % are held out, as the future
would be. Reports AUC (does a higher score mean approval?) and NDCG@5 per newcomer (are the
approved pairs near the top of what a coordinator sees?).
"""

from __future__ import annotations

import asyncio
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import asyncpg
from sklearn.metrics import roc_auc_score

from lotse.matcher import learning
from lotse.matcher.scoring import PRIOR_WEIGHTS, LinearModel
from lotse.shared.config import Settings
from lotse.shared.db import create_pool


def prior(kind: str, values: dict[str, float]) -> float:
    return sum(w * values.get(name, 0.0) for name, w in PRIOR_WEIGHTS[kind].items())


def ndcg_at(k: int, groups: dict[Any, list[tuple[float, int]]]) -> float:
    """Mean NDCG@k over groups that have at least one positive."""
    scores = []
    for items in groups.values():
        if not any(label for _, label in items):
            continue
        ranked = sorted(items, key=lambda item: -item[0])[:k]
        dcg = sum(label / math.log2(i + 2) for i, (_, label) in enumerate(ranked))
        ideal = sorted((label for _, label in items), reverse=True)[:k]
        scores.append(dcg / sum(label / math.log2(i + 2) for i, label in enumerate(ideal)))
    return sum(scores) / len(scores) if scores else float("nan")


def evaluate_kind(kind: str, rows: Sequence[tuple[Any, dict[str, float], int]]) -> dict[str, Any] | None:
    """rows: (newcomer id, features, label), oldest first."""
    split = int(len(rows) * 0.7)
    train, test = rows[:split], rows[split:]
    model: LinearModel | None = learning.fit(kind, [(f, y) for _, f, y in train], version=0)
    if model is None or len({y for _, _, y in test}) < 2:
        return None
    labels = [y for _, _, y in test]
    report: dict[str, Any] = {"train": len(train), "test": len(test)}
    for name, rank in (("prior", lambda f: prior(kind, f)), ("model", model.probability)):
        predictions = [rank(f) for _, f, _ in test]
        groups: dict[Any, list[tuple[float, int]]] = defaultdict(list)
        for (newcomer, _, y), p in zip(test, predictions, strict=True):
            groups[newcomer].append((p, y))
        auc = float(roc_auc_score(labels, predictions))
        report[name] = {"auc": round(auc, 3), "ndcg@5": round(ndcg_at(5, groups), 3)}
    return report


async def collect(conn: asyncpg.Connection, kind: str) -> list[tuple[Any, dict[str, float], int]]:
    rows = await conn.fetch(
        """SELECT newcomer_id, features, status FROM matches
           WHERE kind = $1 AND features IS NOT NULL AND status = ANY($2::text[])
           ORDER BY coalesce(decided_at, created_at), id""",
        kind, [*learning.POSITIVE, *learning.NEGATIVE],
    )
    return [(r["newcomer_id"], dict(r["features"]), 1 if r["status"] in learning.POSITIVE else 0) for r in rows]


async def _run(settings: Settings) -> int:
    pool = await create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            for kind in PRIOR_WEIGHTS:
                rows = await collect(conn, kind)
                report = evaluate_kind(kind, rows)
                if report is None:
                    print(f"{kind:16} {len(rows)} decisions: not enough of both kinds to evaluate "
                          f"(need {learning.MIN_DECISIONS}+ for training and both outcomes held out)")
                    continue
                print(f"{kind:16} train {report['train']:4}  held out {report['test']:4}  "
                      f"prior AUC {report['prior']['auc']:.3f} NDCG@5 {report['prior']['ndcg@5']:.3f}  |  "
                      f"model AUC {report['model']['auc']:.3f} NDCG@5 {report['model']['ndcg@5']:.3f}")
    finally:
        await pool.close()
    return 0


def main(settings: Settings) -> int:
    return asyncio.run(_run(settings))
