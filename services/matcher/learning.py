"""Learning from coordinators' decisions and from outcomes: one logistic regression per kind.

Labels: approved (and everything after it: introduced, active, completed) is a yes; a
rejection or a decline by the people themselves is a no. Training runs in a worker thread,
never on the event loop; models are stored as coefficients (JSON, no pickles) with a version.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Final

import asyncpg
import numpy as np
from sklearn.linear_model import LogisticRegression

from lotse.matcher.scoring import FEATURE_NAMES, LinearModel

log = logging.getLogger(__name__)

POSITIVE: Final = ("approved", "introduced", "active", "completed")
NEGATIVE: Final = ("rejected", "declined")
MIN_DECISIONS: Final = 20
RETRAIN_EVERY: Final = 10
TRAIN_LOCK: Final = 0x4C6F7473_0011

Example = tuple[dict[str, float], int]


def fit(kind: str, examples: Sequence[Example], version: int) -> LinearModel | None:
    """A model when there are enough decisions of both kinds; None otherwise."""
    labels = [label for _, label in examples]
    if len(examples) < MIN_DECISIONS or len(set(labels)) < 2:
        return None
    names = FEATURE_NAMES[kind]
    x = np.array([[values.get(n, 0.0) for n in names] for values, _ in examples])
    classifier = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000).fit(x, np.array(labels))
    return LinearModel(
        kind=kind, version=version, decisions=len(examples), feature_names=names,
        coefficients=tuple(float(c) for c in classifier.coef_[0]), intercept=float(classifier.intercept_[0]),
    )


async def decisions(conn: asyncpg.Connection, kind: str) -> list[Example]:
    rows = await conn.fetch(
        """SELECT features, status FROM matches
           WHERE kind = $1 AND features IS NOT NULL AND status = ANY($2::text[])
           ORDER BY coalesce(decided_at, created_at), id""",
        kind, [*POSITIVE, *NEGATIVE],
    )
    return [(dict(r["features"]), 1 if r["status"] in POSITIVE else 0) for r in rows]


def _from_row(row: asyncpg.Record) -> LinearModel:
    return LinearModel(
        kind=row["kind"], version=row["version"], decisions=row["decisions"],
        feature_names=tuple(row["feature_names"]), coefficients=tuple(row["coefficients"]),
        intercept=row["intercept"],
    )


async def latest_models(conn: asyncpg.Connection) -> dict[str, LinearModel]:
    rows = await conn.fetch("SELECT DISTINCT ON (kind) * FROM matcher_models ORDER BY kind, version DESC")
    return {r["kind"]: _from_row(r) for r in rows}


async def save(conn: asyncpg.Connection, model: LinearModel, metrics: dict[str, Any]) -> None:
    await conn.execute(
        """INSERT INTO matcher_models (kind, version, decisions, feature_names, coefficients, intercept, metrics)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (kind, version) DO NOTHING""",
        model.kind, model.version, model.decisions, list(model.feature_names), list(model.coefficients),
        model.intercept, metrics,
    )


async def retrain_if_due(pool: asyncpg.Pool, kind: str, current: LinearModel | None) -> LinearModel | None:
    """Train a new version when RETRAIN_EVERY decisions arrived since the current one; one trainer at a time."""
    async with pool.acquire() as conn, conn.transaction():
        if not await conn.fetchval("SELECT pg_try_advisory_xact_lock($1)", TRAIN_LOCK):
            return None
        examples = await decisions(conn, kind)
        seen = current.decisions if current else 0
        if len(examples) < MIN_DECISIONS or len(examples) - seen < RETRAIN_EVERY:
            return None
        version = int(await conn.fetchval("SELECT coalesce(max(version), 0) FROM matcher_models WHERE kind = $1",
                                          kind)) + 1
        model = await asyncio.get_running_loop().run_in_executor(None, fit, kind, examples, version)
        if model is None:
            return None
        await save(conn, model, {"trained_on": len(examples)})
    log.info("matcher model retrained", extra={"kind": kind, "version": version, "decisions": len(examples)})
    return model
