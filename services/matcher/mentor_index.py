"""Mentors as arrays: feasibility and score for a block of newcomers against every mentor in a
handful of NumPy operations, instead of a Python loop over pairs.

The index is built once per pool of mentors. Its scores are the per-pair path's
(features.mentor_features + scoring.score) before that path rounds each contribution to four
places, so the two never differ by more than 0.0005; the explanation a coordinator reads is
still written by the per-pair path, for the pairs that become suggestions. Newcomers are scored
in blocks of rows, so no newcomers × mentors × features array ever exists: at most one block's
(rows × mentors) matrices, a few megabytes.

The score is linear in the features, so a block's is a sum of a few (rows × mentors) terms:
needs, occupation and everything constant per newcomer in one matrix product; language and
distance looked up in small tables whose entries are -inf where a hard constraint fails, so
feasibility costs no extra pass; text similarity as a product of TF-IDF matrices.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, lru_cache
from typing import Final

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from threadpoolctl import threadpool_limits

from lotse.matcher import text
from lotse.matcher.features import FAIRNESS_FULL_DAYS, NATIVE, language_value
from lotse.matcher.scoring import PRIOR_WEIGHTS, LinearModel
from lotse.shared import feasibility
from lotse.shared.languages import SPOKEN_WELL
from lotse.shared.profiles import Mentor, Newcomer
from lotse.shared.reference import district_distance_km, districts, level_rank

MENTOR_WEIGHTS: Final = PRIOR_WEIGHTS["mentor"]
# Pairs per block: 200 rows of 10,000 mentors, a few 8 MB matrices per block in flight; smaller
# blocks make the text product's BLAS call less efficient, larger ones only cost memory.
BLOCK_CELLS: Final = 2_000_000
MAX_WORKERS: Final = 4
DENSE_SPEEDUP: Final = 330.0
DENSE_TEXT_BYTES: Final = 256 * 2**20
DENSE_MIN_ROWS: Final = 16
CORES: Final = os.cpu_count() or 1
# Keys of a shared language (_language): 2 × level, + 1 for the newcomer's mother tongue.
LANGUAGE_KEYS: Final = 2 * (NATIVE + 1)


@cache
def _district_table() -> tuple[dict[str, int], np.ndarray]:
    codes = sorted(districts())
    position = {code: i for i, code in enumerate(codes)}
    table = np.array([[district_distance_km(a, b) for b in codes] for a in codes])
    return position, table


@dataclass(frozen=True, slots=True)
class _SplitTexts:
    """The mentors' texts split by n-gram: the common ones dense, the rest sparse (see _split)."""

    common: np.ndarray  # n-gram columns of a query that go to the dense part
    dense: np.ndarray  # (common n-grams, mentors)
    rare: np.ndarray
    sparse: sparse.csr_matrix  # (rare n-grams, mentors)


def _split(columns: sparse.csr_matrix) -> _SplitTexts | None:
    """Which n-grams to multiply dense, so that ``query @ columns`` costs least.

    A sparse product walks, for each n-gram of a query, every mentor text that has it: about
    df² / mentors steps per n-gram. A dense one multiplies every n-gram with every mentor, but
    through BLAS, measured here about DENSE_SPEEDUP times faster per step. So the most common
    n-grams (" un", "en ", …), which make most of the sparse cost, are worth multiplying dense,
    and the long tail of rare ones sparse. The split point minimises the sum, within
    DENSE_TEXT_BYTES; both parts together give exactly the sparse product's values.
    """
    grams, mentors = columns.shape
    df = np.diff(columns.indptr).astype(float)
    order = np.argsort(-df, kind="stable")
    saved = np.concatenate([[0.0], np.cumsum(df[order] ** 2) / max(mentors, 1)])  # sparse steps moved to dense
    most = min(grams, DENSE_TEXT_BYTES // max(1, 4 * mentors))
    cost = np.arange(most + 1) * mentors / DENSE_SPEEDUP - saved[:most + 1]
    dense_count = int(np.argmin(cost))
    if dense_count == 0:
        return None
    common, rare = np.sort(order[:dense_count]), np.sort(order[dense_count:])
    return _SplitTexts(common, columns[common].toarray(), rare, columns[rare])


@lru_cache(maxsize=2)  # the pool now and the one before: each can hold a dense part of up to 256 MiB
def _texts(texts: tuple[str, ...]) -> tuple[TfidfVectorizer | None, sparse.csr_matrix | None, _SplitTexts | None]:
    """The TF-IDF of the mentors' own words. Pools are loaded anew for every event, but their texts
    rarely change: fitting them again was most of the time an event took."""
    if not any(texts):
        return None, None, None
    vectorizer = text.vectorizer()
    try:
        matrix = sparse.csc_matrix(vectorizer.fit_transform(texts)).T.tocsr()
    except ValueError:  # nothing but stop characters
        return None, None, None
    return vectorizer, matrix, _split(matrix)


@dataclass(frozen=True, slots=True)
class Pairs:
    """Feasible (newcomer row, mentor column) pairs with their score and text similarity."""

    rows: np.ndarray
    columns: np.ndarray
    scores: np.ndarray
    similarity: np.ndarray


@dataclass(frozen=True, slots=True)
class _Block:
    """What a block of newcomers brings to any weighting of the features."""

    best: np.ndarray  # (rows, mentors) best shared language as a LANGUAGE_KEYS key, below B1: none
    weak: np.ndarray  # (rows,) German below B1: a language besides German counts for more
    homes: np.ndarray  # (rows,) district rows
    online: np.ndarray  # (rows,) 1 where the newcomer accepts meeting online, else 0: a layer of `possible`
    shares: np.ndarray  # (rows, needs + fields + 1): share of each need covered, own field, and 1
    no_needs: np.ndarray  # (rows,)
    waiting: np.ndarray  # (rows,)
    similarity: np.ndarray  # (rows, mentors)


@dataclass(frozen=True, slots=True)
class _Terms:
    """One weighting of the features (the prior's, or a learned model's), prepared for blocks."""

    weights: Mapping[str, float]
    constant: float
    language: np.ndarray  # (2 × LANGUAGE_KEYS,) weighted value per key, then per key with weak German
    distance: np.ndarray  # (2, districts, mentors) weighted value, by the newcomer's online_ok as `possible`


@dataclass(frozen=True)
class MentorIndex:
    mentors: list[Mentor]
    column_of: dict[object, int]  # mentor id -> column
    id_order: np.ndarray  # each mentor's place in the order of their ids as text: how ties are broken
    codes: tuple[str, ...]  # language codes the mentors speak
    ranks: np.ndarray  # (mentors, codes) CEFR rank, 0 = not spoken
    # (2, districts, mentors): with room and within reach of a newcomer living there who declines [0] or
    # accepts [1] meeting online, as feasibility.mentor_feasible decides
    possible: np.ndarray
    # (districts, mentors) the distance feature's value; one layer does for both kinds of newcomer, as the
    # pairs where they differ (beyond the distance, both online) are infeasible for one who declines
    nearness: np.ndarray
    needs: tuple[str, ...]
    fields: dict[str, int]
    attributes: np.ndarray  # (needs + fields + 1, mentors): helps with the need, works in the field, 1
    vectorizer: TfidfVectorizer | None
    texts: sparse.csr_matrix | None  # the mentors' "about", L2-normalised TF-IDF, n-grams × mentors
    split_texts: _SplitTexts | None  # the same, common n-grams dense, where that pays (_split)
    prepared: dict[LinearModel | None, tuple[_Terms, _Terms | None, float]] = field(default_factory=dict)

    @classmethod
    def build(cls, mentors: list[Mentor]) -> MentorIndex:
        position, table = _district_table()
        codes = tuple(sorted({code for m in mentors for code in m.languages}))
        column = {code: j for j, code in enumerate(codes)}
        ranks = np.zeros((len(mentors), len(codes)), dtype=np.int8)
        for i, m in enumerate(mentors):
            for code, level in m.languages.items():
                ranks[i, column[code]] = level_rank(level)
        km = table[:, [position.get(m.district, 0) for m in mentors]] if mentors else np.zeros((len(table), 0))
        max_km = np.array([m.max_distance_km for m in mentors], dtype=float)
        online = np.array([m.online_ok for m in mentors], dtype=bool)
        with np.errstate(divide="ignore", invalid="ignore"):
            along = np.clip(np.nan_to_num(1.0 - km / max_km, nan=0.0, neginf=0.0), 0.0, 1.0)
        nearness = np.where(km <= 0.5, 1.0, np.where(online & (km > max_km), 0.3, along))
        room = np.array([m.capacity_left > 0 for m in mentors], dtype=bool)
        needs = tuple(sorted({need for m in mentors for need in m.helps_with}))
        fields = {f: i for i, f in enumerate(sorted({m.occupation_field for m in mentors if m.occupation_field}))}
        attributes = np.zeros((len(needs) + len(fields) + 1, len(mentors)), dtype=np.float32)
        for j, m in enumerate(mentors):
            attributes[[k for k, need in enumerate(needs) if need in m.helps_with], j] = 1.0
            if m.occupation_field:
                attributes[len(needs) + fields[m.occupation_field], j] = 1.0
        attributes[-1] = 1.0
        vectorizer, matrix, split = _texts(tuple(m.about.strip() for m in mentors))
        # The text of a UUID is fixed-width hex, so its order is the order of its bytes.
        by_id = sorted(range(len(mentors)), key=lambda i: mentors[i].id.bytes)
        return cls(
            mentors=mentors, column_of={m.id: i for i, m in enumerate(mentors)},
            id_order=np.argsort(np.array(by_id, dtype=np.intp)), codes=codes, ranks=ranks,
            possible=np.stack([(km <= max_km) & room, (online | (km <= max_km)) & room]),
            nearness=nearness.astype(np.float32),
            needs=needs, fields=fields, attributes=attributes, vectorizer=vectorizer, texts=matrix,
            split_texts=split,
        )

    def similarity(self, abouts: Sequence[str]) -> np.ndarray:
        """(len(abouts), mentors) cosine similarity of each text to every mentor's own words, in 0..1."""
        if self.vectorizer is None or self.texts is None or not any(a.strip() for a in abouts):
            return np.zeros((len(abouts), len(self.mentors)), dtype=np.float32)
        query = self.vectorizer.transform(abouts)  # blank texts have no n-grams: zero rows
        split = self.split_texts
        if split is not None and len(abouts) >= DENSE_MIN_ROWS:
            query = query.tocsc()
            product = query[:, split.common].toarray() @ split.dense
            product += (query[:, split.rare].tocsr() @ split.sparse).toarray()
        else:  # one row through BLAS would read the whole dense part for little work
            product = (query @ self.texts).toarray()
        clipped: np.ndarray = np.clip(product.astype(np.float32, copy=False), 0.0, 1.0)
        return clipped

    def _language(self, block: Sequence[Newcomer]) -> np.ndarray:
        """Best shared language per pair as a key, 2 × level + 1 if it is the newcomer's mother tongue:
        the order of the keys is the per-pair feature's (a level first, then the mother tongue), so the
        largest key is the language it names. A level below B1 is no language in common."""
        own = np.array([[level_rank(n.languages.get(code, "")) for code in self.codes] for n in block],
                       dtype=np.int8).reshape(len(block), len(self.codes))
        # lotse.shared.languages' rule for whole blocks: below it a language never counts.
        own[own < SPOKEN_WELL] = 0
        mother = (own == NATIVE).astype(np.int8)
        best = np.zeros((len(block), len(self.mentors)), dtype=np.int8)
        for j in np.flatnonzero(own.any(axis=0)):
            level = np.minimum(self.ranks[:, j], own[:, j, None])
            np.maximum(best, np.where(level >= SPOKEN_WELL, 2 * level + mother[:, j, None], 0), out=best)
        return best

    def _block(self, block: Sequence[Newcomer], now: datetime) -> _Block:
        position, _ = _district_table()
        shares = np.zeros((len(block), self.attributes.shape[0]), dtype=np.float32)
        for i, n in enumerate(block):
            shares[i, [k for k, need in enumerate(self.needs) if need in n.needs]] = 1.0 / max(1, len(n.needs))
            if n.occupation_field in self.fields:
                shares[i, len(self.needs) + self.fields[n.occupation_field]] = 1.0
        shares[:, -1] = 1.0
        days = np.array([max(0.0, (now - n.waiting_since).total_seconds() / 86400) for n in block])
        return _Block(
            best=self._language(block), weak=np.array([level_rank(n.german or "") < feasibility.B1 for n in block]),
            homes=np.array([position.get(n.district, 0) for n in block], dtype=np.intp),
            online=np.array([n.online_ok for n in block], dtype=np.intp), shares=shares,
            no_needs=np.array([not n.needs for n in block]),
            waiting=np.minimum(1.0, days / FAIRNESS_FULL_DAYS).astype(np.float32),
            similarity=self.similarity([n.about for n in block]),
        )

    def _terms(self, weights: Mapping[str, float], constant: float, infeasible: float) -> _Terms:
        """Prepared tables; ``infeasible`` is what a pair breaking a hard constraint gets (-inf or 0)."""
        keys = np.arange(LANGUAGE_KEYS)
        value = np.array([language_value(int(key) // 2, bool(key % 2)) for key in keys])
        language = np.minimum(1.0, np.concatenate([value, value + 0.2])) * weights.get("language", 0.0)
        language[np.concatenate([keys, keys]) // 2 < SPOKEN_WELL] = infeasible
        distance = np.where(self.possible, self.nearness * np.float32(weights.get("distance", 0.0)), infeasible)
        return _Terms(weights, constant, language.astype(np.float32), distance.astype(np.float32))

    def _linear(self, block: _Block, terms: _Terms) -> np.ndarray:
        """Σ weight × feature + constant for every pair of the block."""
        w = terms.weights
        columns = [w.get("needs", 0.0)] * len(self.needs) + [w.get("occupation", 0.0)] * len(self.fields)
        shares = block.shares * np.array([*columns, 1.0], dtype=np.float32)
        shares[:, -1] = (terms.constant + w.get("waiting", 0.0) * block.waiting
                         + 0.5 * w.get("needs", 0.0) * block.no_needs)  # no needs named: a neutral half
        total: np.ndarray = shares @ self.attributes
        total += terms.language[block.best + (block.weak[:, None] * LANGUAGE_KEYS).astype(np.int8)]
        total += terms.distance[block.online, block.homes]
        if w.get("about", 0.0):
            total += np.float32(w["about"]) * block.similarity
        return total

    def _all_terms(self, model: LinearModel | None) -> tuple[_Terms, _Terms | None, float]:
        """The prior's terms and the model's, prepared once per index and model."""
        if model not in self.prepared:
            prior = self.prepared.get(None) or (self._terms(MENTOR_WEIGHTS, 0.0, -np.inf), None, 0.0)
            if model is not None:
                learned = self._terms(dict(zip(model.feature_names, model.coefficients, strict=True)),
                                      model.intercept, 0.0)
                self.prepared[model] = (prior[0], learned, model.weight)
            self.prepared[None] = prior
        return self.prepared[model]

    def _scores(self, block: _Block, prior: _Terms, learned: _Terms | None,
                share: float) -> tuple[np.ndarray, np.ndarray]:
        """(scores, text similarity), each (rows, mentors); -inf where the pair breaks a hard constraint."""
        score = self._linear(block, prior)
        if learned is not None:
            z = np.clip(self._linear(block, learned), -30.0, 30.0)
            score *= np.float32(1 - share)  # -inf stays -inf: the model's share is at most MAX_MODEL_WEIGHT < 1
            score += np.float32(share) / (1.0 + np.exp(-z))
        return score, block.similarity

    def blocks(self, newcomers: Sequence[Newcomer], excluded: Sequence[set[object]] | None,
               model: LinearModel | None, now: datetime) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """(first row, scores, similarity) block by block, excluded pairs at -inf."""
        size = max(1, BLOCK_CELLS // max(1, len(self.mentors)))
        terms = self._all_terms(model)

        def one(start: int) -> tuple[int, np.ndarray, np.ndarray]:
            scores, similarity = self._scores(self._block(newcomers[start:start + size], now), *terms)
            for offset, ids in enumerate(excluded[start:start + size] if excluded else ()):
                columns = [self.column_of[i] for i in ids if i in self.column_of]
                scores[offset, columns] = -np.inf
            return start, scores, similarity

        starts = range(0, len(newcomers), size)
        workers = min(len(starts), CORES, MAX_WORKERS)
        if workers <= 1:
            yield from map(one, starts)
            return
        # NumPy and BLAS release the GIL, so blocks overlap on the cores; one BLAS thread per block
        # instead of BLAS's own pool per product, and only a few blocks in flight, so memory stays
        # a few blocks' worth however many newcomers there are.
        with ThreadPoolExecutor(workers) as pool, threadpool_limits(1, user_api="blas"):
            pending: deque[Future[tuple[int, np.ndarray, np.ndarray]]] = deque()
            for start in starts:
                pending.append(pool.submit(one, start))
                if len(pending) > workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()

    def best(self, newcomers: Sequence[Newcomer], excluded: Sequence[set[object]] | None,
             model: LinearModel | None, now: datetime, limit: int) -> list[list[tuple[int, float, float]]]:
        """Per newcomer, the ``limit`` feasible mentors with the highest score, best first:
        (column, score, text similarity); ties go to the lower mentor id, as in the per-pair path."""
        found: list[list[tuple[int, float, float]]] = []
        for _, scores, similarity in self.blocks(newcomers, excluded, model, now):
            rows, columns = _top(scores, limit, self.id_order)
            picked = zip(rows.tolist(), columns.tolist(), scores[rows, columns].tolist(),
                         similarity[rows, columns].tolist(), strict=True)
            per_row: list[list[tuple[int, float, float]]] = [[] for _ in range(scores.shape[0])]
            for row, column, score, similar in picked:
                per_row[row].append((column, score, similar))
            found.extend(per_row)
        return found

    def pairs(self, newcomers: Sequence[Newcomer], excluded: Sequence[set[object]] | None,
              model: LinearModel | None, now: datetime) -> Pairs:
        """Every feasible pair, for a round that is solved exactly over all of them."""
        parts: list[tuple[np.ndarray, ...]] = []
        for start, scores, similarity in self.blocks(newcomers, excluded, model, now):
            rows, columns = np.nonzero(scores > -np.inf)
            parts.append((rows + start, columns, scores[rows, columns], similarity[rows, columns]))
        if not parts:
            empty = np.zeros(0)
            return Pairs(empty.astype(np.int64), empty.astype(np.int64), empty, empty)
        return Pairs(*(np.concatenate([p[k] for p in parts]) for k in range(4)))


TOP_CHUNKS: Final = 64


def _top(scores: np.ndarray, limit: int, id_order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns) of each row's ``limit`` best finite scores, best first, ties to the lower id.

    Each row's maxima over TOP_CHUNKS column chunks give a threshold no higher than its
    ``limit``-th best score (at least ``limit`` chunks reach it), so only the few scores above
    it are sorted: one pass over the block instead of a partition of every row."""
    rows_n, columns_n = scores.shape
    if columns_n == 0 or limit <= 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    lowest = np.finfo(scores.dtype).min
    if limit <= TOP_CHUNKS < columns_n:
        maxima = np.maximum.reduceat(scores, np.arange(0, columns_n, -(-columns_n // TOP_CHUNKS)), axis=1)
        threshold = np.maximum(-np.partition(-maxima, limit - 1, axis=1)[:, limit - 1], lowest)
    else:
        threshold = np.full(rows_n, lowest, dtype=scores.dtype)
    rows, columns = np.nonzero(scores >= threshold[:, None])
    order = np.lexsort((id_order[columns], -scores[rows, columns], rows))
    rows, columns = rows[order], columns[order]
    first = np.searchsorted(rows, rows, side="left")
    keep = np.arange(rows.size) - first < limit
    return rows[keep], columns[keep]
