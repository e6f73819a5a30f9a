"""Score in 0..1 with an explanation that adds up to it: a rule-based prior, blended with a
model learned from coordinators' decisions as those decisions accumulate."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from lotse.matcher.features import Feature

# Prior weights per kind; each sums to 1, so the prior is a weighted mean of 0..1 features.
PRIOR_WEIGHTS: Final[dict[str, dict[str, float]]] = {
    "mentor": {"language": 0.30, "distance": 0.15, "needs": 0.25, "occupation": 0.10, "about": 0.10,
               "waiting": 0.10},
    "language_course": {"schedule": 0.20, "distance": 0.25, "household": 0.25, "start": 0.15, "waiting": 0.15},
    "employer": {"german": 0.25, "distance": 0.20, "household": 0.20, "offers": 0.10, "about": 0.10,
                 "waiting": 0.15},
}
FEATURE_NAMES: Final = {kind: tuple(weights) for kind, weights in PRIOR_WEIGHTS.items()}
# The model's share grows with the decisions it learned from: n / (n + HALF_WEIGHT_AT), capped.
HALF_WEIGHT_AT: Final = 60
MAX_MODEL_WEIGHT: Final = 0.8
PRIOR_VERSION: Final = "prior"


@dataclass(frozen=True, slots=True)
class LinearModel:
    """A logistic regression's coefficients: enough to predict without scikit-learn at hand."""

    kind: str
    version: int
    decisions: int
    feature_names: tuple[str, ...]
    coefficients: tuple[float, ...]
    intercept: float

    @property
    def label(self) -> str:
        return f"{self.kind}-v{self.version}"

    @property
    def weight(self) -> float:
        return min(MAX_MODEL_WEIGHT, self.decisions / (self.decisions + HALF_WEIGHT_AT))

    def probability(self, values: dict[str, float]) -> float:
        z = self.intercept + sum(c * values.get(n, 0.0) for n, c in zip(self.feature_names, self.coefficients,
                                                                            strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True, slots=True)
class Scored:
    score: float
    explanation: list[dict[str, Any]]
    features: dict[str, float]
    model_version: str


def feature_vector(features: Sequence[Feature]) -> dict[str, float]:
    return {f.name: round(f.value, 6) for f in features}


def prior_score(kind: str, features: Sequence[Feature]) -> float:
    weights = PRIOR_WEIGHTS[kind]
    return sum(weights[f.name] * f.value for f in features)


def score(kind: str, features: Sequence[Feature], model: LinearModel | None = None) -> Scored:
    """The explanation's contributions are rounded first and the score is their sum, so they add up exactly."""
    weights = PRIOR_WEIGHTS[kind]
    share = model.weight if model else 0.0
    explanation: list[dict[str, Any]] = [
        {"factor": f.name, "contribution": round((1 - share) * weights[f.name] * f.value, 4), "detail": f.detail}
        for f in features
    ]
    values = feature_vector(features)
    if model is not None:
        p = model.probability(values)
        explanation.append({
            "factor": "learned",
            "contribution": round(share * p, 4),
            "detail": f"Coordinators' earlier decisions on similar pairs ({model.decisions} decisions): "
                      f"{p:.0%} likely to be approved.",
        })
    total = round(sum(e["contribution"] for e in explanation), 4)
    return Scored(min(1.0, max(0.0, total)), explanation, values, model.label if model else PRIOR_VERSION)
