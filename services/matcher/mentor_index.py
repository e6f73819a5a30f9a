"""Mentors as arrays: feasibility and an approximate score for one newcomer against every mentor
in a handful of NumPy operations, instead of a Python loop over pairs.

The index is built once per pool of mentors. It only *preselects*: the best few are then scored
by the ordinary per-pair path (features.mentor_features + scoring.score), so suggestions carry
exactly the same explanations as before, and the text similarity both paths use is the
index's (one TF-IDF fitted on the pool).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from lotse.matcher import rules
from lotse.matcher.features import FAIRNESS_FULL_DAYS, NATIVE
from lotse.matcher.profiles import Mentor, Newcomer
from lotse.matcher.scoring import PRIOR_WEIGHTS, LinearModel
from lotse.shared.reference import district_distance_km, districts, level_rank

MENTOR_WEIGHTS = PRIOR_WEIGHTS["mentor"]


@cache
def _district_table() -> tuple[dict[str, int], np.ndarray]:
    codes = sorted(districts())
    position = {code: i for i, code in enumerate(codes)}
    table = np.array([[district_distance_km(a, b) for b in codes] for a in codes])
    return position, table


@dataclass(frozen=True)
class MentorIndex:
    mentors: list[Mentor]
    codes: tuple[str, ...]  # language codes, alphabetical: ties between equal levels go to the first
    ranks: np.ndarray  # (mentors, codes) CEFR rank, 0 = not spoken
    district: np.ndarray  # row of each mentor's district in the distance table
    max_km: np.ndarray
    online: np.ndarray
    capacity: np.ndarray
    helps: dict[str, np.ndarray]
    occupation: np.ndarray  # object array of fields (None where unset)
    vectorizer: TfidfVectorizer | None
    texts: sparse.csr_matrix | None  # L2-normalised TF-IDF rows of the mentors' "about"
    has_text: np.ndarray

    @classmethod
    def build(cls, mentors: list[Mentor]) -> MentorIndex:
        position, _ = _district_table()
        codes = tuple(sorted({code for m in mentors for code in m.languages}))
        ranks = np.zeros((len(mentors), len(codes)), dtype=np.int8)
        column = {code: j for j, code in enumerate(codes)}
        for i, m in enumerate(mentors):
            for code, level in m.languages.items():
                ranks[i, column[code]] = level_rank(level)
        needs = sorted({need for m in mentors for need in m.helps_with})
        texts = [m.about.strip() for m in mentors]
        has_text = np.array([bool(t) for t in texts])
        vectorizer, matrix = None, None
        if has_text.any():
            vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=True, min_df=1)
            try:
                matrix = vectorizer.fit_transform(texts).tocsr()
            except ValueError:  # nothing but stop characters
                vectorizer, matrix = None, None
        return cls(
            mentors=mentors, codes=codes, ranks=ranks,
            district=np.array([position.get(m.district, 0) for m in mentors], dtype=np.int32),
            max_km=np.array([m.max_distance_km for m in mentors], dtype=float),
            online=np.array([m.online_ok for m in mentors], dtype=bool),
            capacity=np.array([m.capacity_left for m in mentors], dtype=np.int32),
            helps={need: np.array([need in m.helps_with for m in mentors]) for need in needs},
            occupation=np.array([m.occupation_field for m in mentors], dtype=object),
            vectorizer=vectorizer, texts=matrix, has_text=has_text,
        )

    def similarity(self, about: str) -> np.ndarray:
        """Cosine similarity of ``about`` to every mentor's own words (0 where either is empty)."""
        if self.vectorizer is None or self.texts is None or not about.strip():
            return np.zeros(len(self.mentors))
        query = self.vectorizer.transform([about])
        return np.where(self.has_text, np.asarray((self.texts @ query.T).todense()).ravel(), 0.0)

    def _language(self, newcomer: Newcomer) -> tuple[np.ndarray, np.ndarray]:
        """Best shared level (B1+) per mentor and whether it is German, with the rules' tie order."""
        best = np.zeros(len(self.mentors), dtype=np.int8)
        best_is_german = np.zeros(len(self.mentors), dtype=bool)
        for j, code in enumerate(self.codes):
            own = level_rank(newcomer.languages.get(code, ""))
            if own < rules.B1:
                continue
            shared = np.minimum(self.ranks[:, j], own)
            better = (shared >= rules.B1) & (shared > best)
            best = np.where(better, shared, best)
            best_is_german = np.where(better, code == "de", best_is_german)
        return best, best_is_german

    def preselect(self, newcomer: Newcomer, excluded: set[object], model: LinearModel | None, now: datetime,
                  limit: int) -> list[tuple[Mentor, float]]:
        """The ``limit`` feasible mentors with the highest approximate score, with their text similarity."""
        if not self.mentors:
            return []
        position, table = _district_table()
        km = table[position.get(newcomer.district, 0), self.district]
        best, best_is_german = self._language(newcomer)
        feasible = (self.capacity > 0) & (best >= rules.B1) & (self.online | (km <= self.max_km))
        if excluded:
            feasible &= np.array([m.id not in excluded for m in self.mentors])
        rows = np.flatnonzero(feasible)
        if rows.size == 0:
            return []
        km, best, best_is_german = km[rows], best[rows], best_is_german[rows]
        language = (best.astype(float) - rules.B1 + 1) / (NATIVE - rules.B1 + 1)
        if level_rank(newcomer.german or "") < rules.B1:
            language = np.where(best_is_german, language, np.minimum(1.0, language + 0.2))
        max_km, online = self.max_km[rows], self.online[rows]
        distance = np.where(km <= 0.5, 1.0, np.where(online & (km > max_km), 0.3,
                                                      np.clip(1.0 - km / max_km, 0.0, 1.0)))
        if newcomer.needs:
            covered = sum((self.helps[n][rows] for n in newcomer.needs if n in self.helps),
                          np.zeros(rows.size))
            needs = covered / len(newcomer.needs)
        else:
            needs = np.full(rows.size, 0.5)
        occupation = (self.occupation[rows] == newcomer.occupation_field).astype(float)
        text = np.clip(self.similarity(newcomer.about)[rows], 0.0, 1.0)
        days = max(0.0, (now - newcomer.waiting_since).total_seconds() / 86400)
        values = {"language": language, "distance": distance, "needs": needs, "occupation": occupation,
                  "about": text, "waiting": np.full(rows.size, min(1.0, days / FAIRNESS_FULL_DAYS))}
        prior = sum(MENTOR_WEIGHTS[name] * v for name, v in values.items())
        if model is not None:
            z = model.intercept + sum(c * values.get(n, 0.0) for n, c in zip(model.feature_names,
                                                                               model.coefficients, strict=True))
            learned = 1.0 / (1.0 + np.exp(-np.clip(z, -30.0, 30.0)))
            approx = (1 - model.weight) * prior + model.weight * learned
        else:
            approx = prior
        keep = rows.size if limit >= rows.size else limit
        top = np.argpartition(-approx, keep - 1)[:keep] if keep < rows.size else np.arange(rows.size)
        return [(self.mentors[rows[k]], float(text[k])) for k in top]
