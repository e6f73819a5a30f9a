"""Review 11b, M5: the country list in the reader's alphabetical order, not Unicode's."""

from __future__ import annotations

import pytest

from lotse.intake.web.collation import collation_key
from lotse.intake.web.vocabulary import countries


def _names(locale: str) -> list[str]:
    return [name for _, name in countries(locale)]


@pytest.mark.parametrize(("locale", "in_order"), [
    # Ukrainian: а … г ґ д е є ж з и і ї й к … н … о … ф … я; India was after Japan.
    ("uk", ["Ємен", "Зімбабве", "Індія", "Італія", "Йорданія", "Камбоджа", "Нігерія", "Норвегія",
            "Фіджі", "Франція", "Японія"]),
    ("ru", ["Зимбабве", "Индия", "Иордания", "Йемен", "Камбоджа"]),
    # Serbian: … и ј к … т ћ у … ц ч џ ш.
    ("sr", ["Исланд", "Јамајка", "Кенија", "Тунис", "Уганда", "Чиле", "Џибути", "Швајцарска"]),
    # Mongolian: … о ө п … у ү ф.
    ("mn", ["Оман", "Өмнөд Африк", "Пакистан"]),
    # Azerbaijani: … e ə f … h x ı i … k q l.
    ("az", ["Ekvador", "Əfqanıstan", "Fici", "Honduras", "Xorvatiya", "İran", "Keniya", "Qətər", "Laos"]),
    # Polish: l ł m; z ź ż.
    ("pl", ["Luksemburg", "Łotwa", "Madagaskar"]),
    # Vietnamese: d đ e.
    ("vi", ["Dominica", "Đức", "Ecuador"]),
    # Chinese: pinyin (a, bo, de, ri, zhong).
    ("zh", ["阿富汗", "波兰", "德国", "日本", "中国"]),
    ("de", ["Afghanistan", "Ägypten", "Albanien", "Österreich", "Pakistan"]),
])
def test_countries_are_in_the_readers_order(locale: str, in_order: list[str]) -> None:
    names = _names(locale)
    missing = [name for name in in_order if name not in names]
    assert not missing, missing
    assert sorted(in_order, key=names.index) == in_order


def test_a_letter_of_its_own_follows_every_word_of_its_neighbour() -> None:
    """ґ after every г-word, not among them; the marks that only tell words apart do not."""
    assert sorted(["ґанок", "гяк", "дім"], key=lambda w: collation_key(w, "uk")) == ["гяк", "ґанок", "дім"]
    assert sorted(["ăn", "az", "ba"], key=lambda w: collation_key(w, "vi")) == ["az", "ăn", "ba"]
    assert sorted(["Élan", "Ecole", "Fin"], key=lambda w: collation_key(w, "fr")) == ["Ecole", "Élan", "Fin"]


def test_the_chinese_keys_file_is_up_to_date() -> None:
    """The service reads the pinyin keys written ahead; when Babel's Chinese country names change,
    `python -m lotse.intake.web.collation` writes them again."""
    import json

    from lotse.intake.web.collation import ZH_KEYS, zh_country_keys

    assert json.loads(ZH_KEYS.read_text(encoding="utf-8")) == zh_country_keys()


def test_a_chinese_page_needs_no_pypinyin(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "pypinyin", None)  # importing it now fails
    assert collation_key("中国", "zh")[0] == "zhong1 guo2"
