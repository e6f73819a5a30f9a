"""Similarity of the free-text `about` fields: TF-IDF over character n-grams, cosine.

Character n-grams (within word boundaries) work across the many languages people write in,
without a tokenizer or stemmer per language.
"""

from __future__ import annotations

from collections.abc import Sequence

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity


def about_similarity(text: str, others: Sequence[str]) -> list[float]:
    """Cosine similarity of `text` to each of `others`; 0 where either side is empty."""
    if not text.strip() or not others:
        return [0.0] * len(others)
    corpus = [text, *others]
    try:
        matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), lowercase=True, min_df=1).fit_transform(
            corpus
        )
    except ValueError:  # nothing but stop characters: no vocabulary
        return [0.0] * len(others)
    similarities = cosine_similarity(matrix[0], matrix[1:])[0]
    return [float(s) if other.strip() else 0.0 for s, other in zip(similarities, others, strict=True)]
