"""Sort keys that put a page's lists (countries, languages, districts) in the order its readers know.

Dropping accents (vocabulary.alphabetical) files "Sömmerda" under S for German, but leaves every
letter without a decomposition where Unicode numbers it: the Ukrainian і, є, ґ, the Serbian ђ, ј,
љ, њ, ћ, џ, the Mongolian ө, ү, the Azerbaijani ə, the Polish ł and the Vietnamese đ came after z or
я, so India, Italy, Spain and Egypt ended a Ukrainian list of 250 countries (review 11b, M5). Here
each such letter sorts after its neighbour in its alphabet (a mark that can never be a letter,
``_AFTER``, once or more, puts it after every word of that neighbour), Vietnamese and Polish keep
the marks that make letters of their own, Azerbaijani has its own alphabet (x after h, q after k),
and Chinese sorts by pinyin, as Chinese lists and dictionaries do.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Final

_AFTER: Final = "\uffff"  # a noncharacter: above every letter, so "г" + it follows every г-word
#: Pinyin sort keys of the Chinese country names (see :func:`main`).
ZH_KEYS: Final = Path(__file__).resolve().parent.parent / "locales" / "zh" / "country_keys.json"


def _after(base: str, places: int = 1) -> str:
    return base + _AFTER * places


# Cyrillic and Latin letters code point order puts after я or z, each after its alphabet neighbour:
# Ukrainian а б в г ґ д е є … и і ї й, Serbian … д ђ … и ј … л љ … н њ … т ћ … ч џ ш, Mongolian
# … о ө … у ү, Polish l ł, Vietnamese d đ, Azerbaijani e ə (the same position in every alphabet that
# has the letter, so one table serves every locale but Azerbaijani's).
_LETTERS: Final[Mapping[str, str]] = {
    "ґ": _after("г"), "є": _after("е"), "і": _after("и"), "ї": _after("и", 2), "й": _after("и", 3),
    "ђ": _after("д"), "ј": _after("и", 4), "љ": _after("л"), "њ": _after("н"), "ћ": _after("т"),
    "џ": _after("ч"), "ө": _after("о"), "ү": _after("у"), "ł": _after("l"), "đ": _after("d"),
    "ə": _after("e"),
}
# Azerbaijani: a b c ç d e ə f g ğ h x ı i j k q l m n o ö p r s ş t u ü v y z.
_AZERBAIJANI: Final[Mapping[str, str]] = {
    **_LETTERS, "ç": _after("c"), "ğ": _after("g"), "x": _after("h"), "ı": _after("h", 2), "q": _after("k"),
    "ö": _after("o"), "ş": _after("s"), "ü": _after("u"),
}
# Marks that make a letter of its own (a ă â, o ô ơ, e ê, u ư; a ą, c ć, z ź ż …), by base letter:
# how many places after it. Other marks (Vietnamese tones, French accents) only tell words apart.
_VIETNAMESE_MARKS: Final = {("a", "\u0306"): 1, ("a", "\u0302"): 2, ("e", "\u0302"): 1, ("o", "\u0302"): 1,
                            ("o", "\u031b"): 2, ("u", "\u031b"): 1}
_POLISH_MARKS: Final = {("a", "\u0328"): 1, ("e", "\u0328"): 1, ("c", "\u0301"): 1, ("n", "\u0301"): 1,
                        ("o", "\u0301"): 1, ("s", "\u0301"): 1, ("z", "\u0301"): 1, ("z", "\u0307"): 2}
_MARKS: Final[Mapping[str, Mapping[tuple[str, str], int]]] = {"vi": _VIETNAMESE_MARKS, "pl": _POLISH_MARKS}


def collation_key(text: str, locale: str) -> tuple[str, str]:
    """``text``'s place in a list shown in ``locale``; ties (the same letters) go by the text itself."""
    if locale == "zh":
        return _pinyin(text), text
    letters = _AZERBAIJANI if locale == "az" else _LETTERS
    marks = _MARKS.get(locale, {})
    key: list[str] = []
    for char in text.casefold():
        if char in letters:
            key.append(letters[char])
            continue
        decomposed = unicodedata.normalize("NFKD", char)
        base, combining = decomposed[0], decomposed[1:]
        if not unicodedata.combining(base):  # a mark on its own (a stray accent) only tells words apart
            key.append(base)
        key.extend(_AFTER * marks.get((base, mark), 0) for mark in combining)
    return "".join(key), text


def pinyin_key(text: str) -> str:
    """Pinyin with tone numbers, syllable by syllable ("zhong1 guo2"): pinyin order, then tone.
    Needs pypinyin (a test and tool dependency): pages read the keys :func:`main` wrote."""
    import pypinyin

    return " ".join(pypinyin.lazy_pinyin(text, style=pypinyin.Style.TONE3, neutral_tone_with_five=True)).casefold()


@cache
def _pinyin_keys() -> Mapping[str, str]:
    """The Chinese country names' keys, written ahead by :func:`main`: pypinyin's dictionaries
    cost intake 59 MiB and 0.2 s at the first Chinese page, for some 250 names that change only
    with Babel's CLDR data (a unit test says when the file is out of date)."""
    loaded: dict[str, str] = json.loads(ZH_KEYS.read_text(encoding="utf-8"))
    return loaded


def _pinyin(text: str) -> str:
    # A name the file does not know yet (new CLDR data): after the known ones, in code point order.
    return _pinyin_keys().get(text, _AFTER + text)


def zh_country_keys() -> dict[str, str]:
    """What :data:`ZH_KEYS` should hold: each Chinese country name the forms show, with its key."""
    from lotse.intake.web.vocabulary import country_names

    return {name: pinyin_key(name) for name in sorted(country_names("zh"))}


def main() -> None:
    """Write :data:`ZH_KEYS` (``python -m lotse.intake.web.collation``) after Babel's data changed."""
    ZH_KEYS.write_text(json.dumps(zh_country_keys(), ensure_ascii=False, indent=0) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
