"""Folding names for the coordinators' search (lotse.shared.name_search)."""

from __future__ import annotations

import pytest

from lotse.shared.name_search import search_text, word_variants


@pytest.mark.parametrize(("name", "stored"), [
    ("Fatma Yıldız", "fatma yildiz"),
    ("Jörg Müller", "jorg muller joerg mueller"),
    ("STRAẞE Straße", "strasse strasse"),
    ("Nguyễn Thị Lan", "nguyen thi lan"),
    ("Lars Løkke, Paweł Żak", "lars lokke, pawel zak"),
    ("Aysel Məmmədova", "aysel mammadova aysel memmedova"),
    ("O’Brien", "obrien"),
    # Ukrainian national transliteration (word starts, зг, the apostrophe) and Russian ICAO.
    ("Юлія Згурська", "юлія згурська yuliia zghurska iuliia zgurska"),
    ("Мар'яна Євген", "маряна євген mariana yevhen mariana ievgen"),
    ("Дмитрий", "дмитрии dmytryi dmitrii"),
    ("", None),
])
def test_a_name_is_stored_in_each_of_its_spellings(name: str, stored: str | None) -> None:
    assert search_text(name) == stored


def test_a_typed_word_is_looked_for_in_each_of_its_spellings() -> None:
    assert word_variants("Müller") == ["muller", "mueller"]
    assert word_variants("Шевчук") == ["шевчук", "shevchuk"]
    assert word_variants("jana_n") == ["jana_n"]
