"""Folding names for the coordinators' search (lotse.shared.name_search)."""

from __future__ import annotations

import pytest

from lotse.shared.name_search import latin, latin_or_name, search_text, with_latin, word_variants


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


@pytest.mark.parametrize(("name", "locale", "written"), [
    ("Оксана Мельник", "uk", "Oksana Melnyk"),  # a Ukrainian writes it by the Ukrainian system
    ("Оксана Мельник", "ru", "Oksana Melnik"),  # otherwise ICAO 9303
    ("Юлія Шевчук", None, "Yuliia Shevchuk"),  # Ukrainian letters tell it without the language
    ("Дмитрий Соколов", None, "Dmitrii Sokolov"),  # neither letters nor language tell: ICAO
    ("Эдуард Рыбин", "uk", "Eduard Rybin"),  # Russian letters (ы, э, ъ, ё): ICAO, whatever the language
    ("Анна-Марія Коваль", "uk", "Anna-Mariia Koval"),
    ("Бат-Эрдэнэ  Болд", "mn", "Bat-Erdene Bold"),
    ("Ђорђе Јовановић", "sr", "Djordje Jovanovic"),
    ("Marko Petrović", "sr", None),  # already Latin
    ("李伟", "zh", None),  # no table: as it is
    ("Олена 李", "uk", None),  # half-written is not written
    ("", "uk", None),
])
def test_a_cyrillic_name_as_a_passport_writes_it_in_latin_letters(name: str, locale: str | None,
                                                                   written: str | None) -> None:
    assert latin(name, locale) == written


def test_only_a_reader_of_latin_letters_gets_the_spelling_beside_the_name() -> None:
    assert with_latin("Оксана Мельник", "uk", "de") == "Оксана Мельник (Oksana Melnyk)"
    assert with_latin("Оксана Мельник", "uk", "vi") == "Оксана Мельник (Oksana Melnyk)"
    assert with_latin("Оксана Мельник", "uk", "ru") == with_latin("Оксана Мельник", "uk", "zh") == "Оксана Мельник"
    assert with_latin("李伟", None, "de") == "李伟" and with_latin(None) == ""
    assert latin_or_name("Оксана Мельник", "uk", "en") == "Oksana Melnyk"
    assert latin_or_name("Оксана Мельник", "uk", "uk") == "Оксана Мельник"
