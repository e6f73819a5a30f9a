"""Finding a person by a name as it was heard or typed: without accents, in any case and order.

A coordinator on the phone types "Yildiz" for Yıldız, "Mueller" or "Muller" for Müller, "Thi Lan"
for Nguyễn Thị Lan, "Shevchuk Olena" for Олена Шевчук. Intake keeps a folded copy of every name
(``participants.name_search``, :func:`search_text`); the dashboard folds each typed word the same
way (:func:`word_variants`) and a person is found when every word occurs in the copy or the
address. Folding is done here, in Python, for both sides, so the two always agree and no database
extension (unaccent needs to be created by a superuser) or database locale is involved.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, Final

import asyncpg

# Letters NFKD does not take apart (they are letters of their own, not a base letter plus an
# accent), written as a German reader would type them without them.
_APOSTROPHES: Final = "'’ʼ`"
_OWN_LETTERS: Final = str.maketrans({
    "ı": "i", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ŋ": "n",
    "ħ": "h", "ŧ": "t", "ə": "a", **dict.fromkeys(_APOSTROPHES),
})
# The second spelling German has for them (Müller/Mueller, Đorđević/Djordjevic, Məmmədova/Memmedova).
_GERMAN_SPELLING: Final = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "đ": "dj", "ə": "e"})

# Cyrillic as passports write it in Latin letters: Ukrainian by the national system of 2010
# (Шевчук Shevchuk, Олена Olena, Юлія Yuliia), Russian by ICAO 9303 (Дмитрий Dmitrii). A name
# is stored in both, so either spelling finds it; Serbian, Belarusian and Mongolian letters as
# their Latin alphabets write them.
_CYRILLIC_COMMON: Final = {
    "а": "a", "б": "b", "в": "v", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh",
    "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ы": "y", "э": "e", "ю": "iu", "я": "ia",
    "і": "i", "ї": "i", "є": "ie", "ґ": "g", "ў": "u", "ђ": "dj", "ћ": "c", "ј": "j", "љ": "lj", "њ": "nj",
    "џ": "dz", "ө": "o", "ү": "u",
}
_UKRAINIAN: Final = {**_CYRILLIC_COMMON, "г": "h", "и": "y", "й": "i", "ъ": ""}
_RUSSIAN: Final = {**_CYRILLIC_COMMON, "г": "g", "и": "i", "й": "i", "ъ": "ie"}
# Ukrainian writes these differently at the start of a word (Юрій Yurii, Євген Yevhen).
_UKRAINIAN_INITIAL: Final = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}

# Letters only one of the two languages has, which tell a name's system without its owner's language.
_UKRAINIAN_ONLY: Final = frozenset("іїєґ")
_RUSSIAN_ONLY: Final = frozenset("ыэъё")
# The languages Lotse writes in whose readers read Latin letters: they get a Cyrillic name with its
# Latin spelling beside it (docs/decisions.md).
LATIN_SCRIPT_READERS: Final = frozenset({"de", "de-simple", "en", "fr", "pl", "az", "vi"})

MAX_WORDS: Final = 10


def _base_letters(text: str) -> str:
    """Case and accents folded away: "Nguyễn Thị" → "nguyen thi", "YILDIZ" and "Yıldız" → "yildiz"."""
    folded = unicodedata.normalize("NFC", text).casefold().translate(_OWN_LETTERS)
    return "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))


def _german(text: str) -> str:
    return _base_letters(unicodedata.normalize("NFC", text).casefold().translate(_GERMAN_SPELLING))


def _transliterated(text: str, table: dict[str, str], initial: dict[str, str]) -> str:
    out: list[str] = []
    previous = ""
    for char in unicodedata.normalize("NFC", text).casefold():
        if not previous.isalpha() and char in initial:
            out.append(initial[char])
        elif char == "г" and previous == "з" and table is _UKRAINIAN:
            out.append("gh")  # зг is zgh, so it does not read as the letter ж (zh)
        else:
            out.append(table.get(char, char))
        if char not in _APOSTROPHES:  # Мар'яна is Mariana: я after the apostrophe is inside the word
            previous = char
    return _base_letters("".join(out))


def _spellings(text: str) -> list[str]:
    spellings = [_base_letters(text), _german(text)]
    if any("\u0400" <= c <= "\u04ff" for c in text):
        spellings += [_transliterated(text, _UKRAINIAN, _UKRAINIAN_INITIAL), _transliterated(text, _RUSSIAN, {})]
    return list(dict.fromkeys(s for s in spellings if s))


def _cyrillic(text: str) -> bool:
    return any("\u0400" <= c <= "\u04ff" for c in text)


def latin_letters_only(text: str) -> bool:
    """Whether every letter of ``text`` is a Latin one ("Fatemeh Hosseini", "Nguyễn Văn An"; not
    "فاطمه" or "Оксана"): a name its reader of Latin letters can say as it is written."""
    return all(unicodedata.name(c, "").startswith("LATIN") for c in text if c.isalpha())


def latin(name: str | None, locale: str | None = None, given: str | None = None) -> str | None:
    """A name not in Latin letters as a passport writes it in them. ``given``, the spelling its
    owner gave (the optional ``name_latin``), first: Arabic script has no short vowels and Han
    no spelling of its own, so no table can write them (review 8f, finding 3). Otherwise a
    Cyrillic name by table, with its capitals ("Оксана Мельник" → "Oksana Melnyk"): by the
    Ukrainian system for a name with Ukrainian letters or whose owner writes Ukrainian
    (``locale``), by ICAO 9303 otherwise, the tables search uses. None for a name already in
    Latin letters (a given spelling then adds nothing) or in a script without a table here and
    none given (it is shown as it is)."""
    if not name or latin_letters_only(name):
        return None
    if given and given.strip():
        return given.strip()
    if not _cyrillic(name):
        return None
    letters = set(name.casefold())
    ukrainian = bool(_UKRAINIAN_ONLY & letters) or (locale == "uk" and not _RUSSIAN_ONLY & letters)
    table, initial = (_UKRAINIAN, _UKRAINIAN_INITIAL) if ukrainian else (_RUSSIAN, {})
    out: list[str] = []
    for part in re.split(r"([\s\-]+)", unicodedata.normalize("NFC", name).strip()):
        if not part.strip("- \t\n"):  # what stands between the words: one space, or the hyphen
            out.append("-" if "-" in part else " " if part else "")
            continue
        word = _transliterated(part, table, initial)
        out.append(word[:1].upper() + word[1:] if part[:1].isupper() else word)
    written = "".join(out)
    # Another script beside the Cyrillic (or a letter no table has) would be left half-written.
    if any(c.isalpha() and not c.isascii() for c in written):
        return None
    return written


def with_latin(name: str | None, locale: str | None = None, reader: str = "de", given: str | None = None) -> str:
    """A name as a reader of ``reader`` sees it: "Оксана Мельник (Oksana Melnyk)", "فاطمه حسینی
    (Fatemeh Hosseini)" (``given``: the owner's own ``name_latin``) when that language is written
    in Latin letters and the name is not; otherwise the name as it is."""
    written = _for_reader(name, locale, reader, given)
    return f"{name} ({written})" if written else (name or "")


def with_latin_inline(name: str | None, locale: str | None = None, reader: str = "de",
                      given: str | None = None) -> str:
    """:func:`with_latin` for a name that itself stands in brackets ("Neu angekommen (…)"):
    "Оксана Мельник / Oksana Melnyk", as brackets inside brackets read as a third name (review 8e,
    finding 3)."""
    written = _for_reader(name, locale, reader, given)
    return f"{name} / {written}" if written else (name or "")


def latin_or_name(name: str | None, locale: str | None = None, reader: str = "de", given: str | None = None) -> str:
    """The name in the script its reader reads, for the sentences under a heading that gave both."""
    return _for_reader(name, locale, reader, given) or (name or "")


def _for_reader(name: str | None, locale: str | None, reader: str, given: str | None) -> str | None:
    """:func:`latin` for a reader of Latin letters; None for one who reads another script."""
    return latin(name, locale, given) if reader in LATIN_SCRIPT_READERS else None


# Languages whose speakers write the family name first ("Nguyễn Thị Lan", "王芳", "Nagy Péter"), and
# the countries where they are spoken: the first word is not what a volunteer calls them by, so they
# are named in full. Asked of the mother tongue and the country of origin too, not only of the
# e-mail language: a Vietnamese newcomer who reads English e-mails still writes "Nguyen" first
# (review 11b, M3). The whole name is never wrong, only less familiar.
_FAMILY_NAME_FIRST: Final = frozenset({"vi", "zh", "mn", "ko", "ja", "hu"})
_FAMILY_NAME_FIRST_COUNTRIES: Final = frozenset({"VN", "CN", "TW", "HK", "MO", "MN", "KR", "KP", "JP", "HU"})


def family_name_first(locale: str | None = None, profile: Mapping[str, Any] | None = None,
                      languages: Iterable[Mapping[str, Any]] | None = None) -> bool:
    """Whether the person may write the family name first: by their e-mail language, their country
    of origin (``profile``) or a language they speak natively (``languages``)."""
    if (locale or "").split("-")[0] in _FAMILY_NAME_FIRST:
        return True
    if str((profile or {}).get("country_of_origin") or "") in _FAMILY_NAME_FIRST_COUNTRIES:
        return True
    return any(language.get("level") == "native" and language.get("code") in _FAMILY_NAME_FIRST
               for language in languages or ())


def first_name(name: str, family_first: bool = False) -> str:
    """What one person calls another by in a note ("Please write to Oksana first"): the first word of
    ``name`` (already in the reader's script, latin_or_name), or the whole name when its owner may
    put the family name first (:func:`family_name_first`) or it is one word."""
    # A title ("Dr.", "Prof.") is not a first name.
    words = [word for word in name.split() if not word.endswith(".")]
    if len(words) < 2 or family_first:
        return name
    return words[0]


def search_text(name: str | None, organisation: str | None = None, name_latin: str | None = None) -> str | None:
    """What ``participants.name_search`` holds for ``name``: each of its spellings, space-separated
    (a typed word has no space, so it never matches across two spellings). An employer's or course
    provider's ``organisation`` is in it too: coordinators look them up by it ("VHS Erfurt"), not
    by whoever filled in the form; and a person's own Latin spelling (``name_latin``: فاطمه حسینی
    is found as "Hosseini"). None without a name (an erased person: nothing to find)."""
    if not name:
        return None
    return " ".join(dict.fromkeys([*_spellings(name), *_spellings(organisation or ""), *_spellings(name_latin or "")]))


def word_variants(word: str) -> list[str]:
    """The spellings of one typed word to look for in :func:`search_text`'s copy."""
    return _spellings(word)


async def fill_missing(conn: asyncpg.Connection) -> int:
    """Fill ``name_search`` where a name has none (rows written before the column existed, or by
    hand, or emptied by a migration that changed what it holds); run after migrations. Returns
    how many rows were filled."""
    rows = await conn.fetch("""SELECT id, name, profile->>'organisation' AS organisation,
                                      profile->>'name_latin' AS name_latin FROM participants
                               WHERE name IS NOT NULL AND name_search IS NULL""")
    # Only if what was read is still there: an edit in between wrote its own copy.
    await conn.executemany(
        """UPDATE participants SET name_search = $2
           WHERE id = $1 AND name = $3 AND (profile->>'organisation') IS NOT DISTINCT FROM $4
             AND (profile->>'name_latin') IS NOT DISTINCT FROM $5""",
        [(r["id"], search_text(r["name"], r["organisation"], r["name_latin"]), r["name"], r["organisation"],
          r["name_latin"]) for r in rows])
    return len(rows)
