"""Similarity of the free-text `about` fields: TF-IDF over character n-grams, cosine.

Character n-grams (within word boundaries) work across the many languages people write in,
without a tokenizer or stemmer per language.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Final

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

NGRAMS: Final = (3, 5)


@lru_cache(maxsize=200_000)
def _word_ngrams(word: str) -> tuple[str, ...]:
    padded = f" {word} "
    grams: list[str] = []
    for n in range(NGRAMS[0], NGRAMS[1] + 1):
        if len(padded) <= n:  # a word shorter than n counts once, whole
            grams.append(padded)
            break
        grams.extend(padded[i:i + n] for i in range(len(padded) - n + 1))
    return tuple(grams)


def char_ngrams(text: str) -> list[str]:
    """scikit-learn's ``char_wb`` n-grams of the lowercased text, word by word from a cache: people
    use the same words again and again, and the n-gram loop in Python was most of the scoring time."""
    return [gram for word in text.lower().split() for gram in _word_ngrams(word)]


def vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer=char_ngrams, min_df=1, dtype=np.float32)


def about_similarity(text: str, others: Sequence[str]) -> list[float]:
    """Cosine similarity of `text` to each of `others`; 0 where either side is empty."""
    if not text.strip() or not others:
        return [0.0] * len(others)
    corpus = [text, *others]
    try:
        matrix = vectorizer().fit_transform(corpus)
    except ValueError:  # nothing but stop characters: no vocabulary
        return [0.0] * len(others)
    similarities = cosine_similarity(matrix[0], matrix[1:])[0]
    return [float(s) if other.strip() else 0.0 for s, other in zip(similarities, others, strict=True)]
