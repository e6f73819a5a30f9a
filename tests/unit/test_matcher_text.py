"""The cached n-gram analyzer is scikit-learn's ``char_wb`` analyzer, only faster."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from lotse.matcher.text import NGRAMS, about_similarity, char_ngrams

REFERENCE = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAMS, lowercase=True).build_analyzer()


@settings(max_examples=500)
@given(st.text(alphabet=st.sampled_from(list("aBcÄöüßé ЖжỆệ\t\n\u00a0\u2003.,-")), max_size=40) | st.text(max_size=40))
def test_the_ngrams_are_scikit_learns_char_wb(text: str) -> None:
    assert char_ngrams(text) == REFERENCE(text)


def test_similar_words_are_similar_and_empty_texts_are_not() -> None:
    close, far, empty = about_similarity("Altenpflege in Gera", ["Pflegekraft in Gera", "Software", ""])
    assert close > 0.3 > far and empty == 0.0
