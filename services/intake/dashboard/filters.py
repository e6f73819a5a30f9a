"""The participants list's vocabulary filters (need, language, country of origin, occupation field):
chosen from a select in the coordinator's language, sent and bookmarked as the API's codes. Also
the place selects and the folded name search that the participants list and the review queue share.

A value in the query that is no code is read as a label in the coordinator's language
("Kinderbetreuung", "Ukrainisch") when exactly one label starts with it, so a typed or old link
still finds what it meant; anything else is reported on the page and not filtered by, since an
empty list would read as "no one needs childcare" (review 8a, finding 4).
"""

from __future__ import annotations

import contextlib
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import asyncpg

from lotse.intake.dashboard.vocabulary import Vocabulary
from lotse.intake.validation import COUNTRY_CODES, ISO_639_1
from lotse.intake.web.vocabulary import alphabetical
from lotse.shared import name_search
from lotse.shared.mailaddress import canonical_domain
from lotse.shared.reference import districts, need_codes, taxonomy


@dataclass(frozen=True, slots=True)
class Vocab:
    """One filter's codes and how to label one of them in a coordinator's language."""

    codes: Callable[[], Collection[str]]
    label: Callable[[Vocabulary, str], str]


VOCABS: Final = {
    "need": Vocab(need_codes, lambda v, code: v.label("need", code)),
    "language": Vocab(lambda: ISO_639_1, lambda v, code: v.language(code)),
    "country": Vocab(lambda: COUNTRY_CODES, lambda v, code: v.country(code)),
    "occupation": Vocab(lambda: tuple(taxonomy()["occupation_fields"]), lambda v, code: v.label("occupation", code)),
}
# Languages and countries are offered as the participants have them (a select of every ISO code
# would be 180 and 250 lines long); needs and occupation fields are short lists, offered whole.
_PRESENT: Final = {
    "language": "SELECT DISTINCT l->>'code' FROM participants, jsonb_array_elements(languages) AS l",
    "country": "SELECT DISTINCT profile->>'country_of_origin' FROM participants WHERE profile ? 'country_of_origin'",
}


@dataclass(frozen=True, slots=True)
class Chosen:
    code: str | None  # what the list is filtered by
    unknown: str | None  # a value that named nothing: shown, not filtered by


def choose(v: Vocabulary, name: str, raw: str | None) -> Chosen:
    """The code a query value names: a code as it is, else the one label it begins (any case)."""
    text = (raw or "").strip()[:100]
    vocab = VOCABS[name]
    if not text:
        return Chosen(None, None)
    codes = vocab.codes()
    if text in codes or text.lower() in codes or text.upper() in codes:
        return Chosen(next(c for c in (text, text.lower(), text.upper()) if c in codes), None)
    typed = alphabetical(text)
    labels = {code: alphabetical(vocab.label(v, code)) for code in codes}
    exact = [code for code, label in labels.items() if label == typed]
    found = exact or [code for code, label in labels.items() if label.startswith(typed)]
    return Chosen(found[0], None) if len(found) == 1 else Chosen(None, text)


async def options(
    conn: asyncpg.Connection, v: Vocabulary, chosen: dict[str, Chosen]
) -> dict[str, list[tuple[str, str]]]:
    """Each filter's (code, label) choices, sorted by label as a German list sorts them; a code
    chosen in the query is among them even when no one has it any more."""
    result = {}
    for name, vocab in VOCABS.items():
        codes: Iterable[str] = vocab.codes()
        if name in _PRESENT:
            known = vocab.codes()
            codes = {c for c in await conn.fetchval(f"SELECT array_agg(x) FROM ({_PRESENT[name]}) AS q (x)") or ()
                     if c in known}
        picked = chosen[name].code
        result[name] = sorted({(code, vocab.label(v, code)) for code in {*codes, *([picked] if picked else [])}},
                              key=lambda pair: alphabetical(pair[1]))
    return result


def place_choices() -> dict[str, Any]:
    """The planning region and district selects' choices (template names `regions`,
    `district_options`), sorted as the registration forms sort them: Sömmerda before Sonneberg."""
    return {"regions": sorted({d.planning_region for d in districts().values()}, key=alphabetical),
            "district_options": sorted(districts().values(), key=lambda d: alphabetical(d.name))}


def district_codes(query: Mapping[str, str]) -> list[str] | None:
    """The district codes that `?region=` and `?district=` let through; None when neither is chosen."""
    region, district = query.get("region") or None, query.get("district") or None
    if region is None and district is None:
        return None
    return [d.code for d in districts().values()
            if (region is None or d.planning_region == region) and district in (None, d.code)]


def _literal(text: str) -> str:
    # PostgreSQL regular expressions: a backslash before any character that is not a letter or
    # digit makes it that character (and only before those: \d would be a class).
    return "".join(c if c.isalnum() else "\\" + c for c in text)


def searched(alias: str | None = None) -> str:
    """SQL: what a participant (``alias``, or the unqualified row) is found by, for
    :func:`every_word_in`: the folded names (``name_search``: the name's spellings, an organisation's,
    the person's own Latin spelling) and the address. One rule for the participants list and the
    review queue, so a coordinator finds فاطمه حسینی in both by "Hosseini" or her address (review 8f,
    finding 3)."""
    at = f"{alias}." if alias else ""
    return f"{at}name_search, {at}email"


def every_word_in(patterns: str, *texts: str) -> str:
    """SQL: every pattern of ``patterns`` (a text[] parameter from :func:`search_patterns`; NULL: no
    search) occurs in one of ``texts`` (SQL text expressions, e.g. :func:`searched`'s)."""
    return f"""({patterns}::text[] IS NULL OR NOT EXISTS (SELECT FROM unnest({patterns}::text[]) AS word (pattern)
         WHERE concat_ws(E'\\n', {", ".join(texts)}) !~* word.pattern))"""


def any_word_in(patterns: str, *texts: str) -> str:
    """SQL: some pattern of ``patterns`` (non-NULL, from :func:`search_patterns`) occurs in one of
    ``texts``. Not a search of its own: what a row found by :func:`every_word_in` over several rows'
    texts needs of each of them, so a list can narrow its rows by it before it joins them."""
    return f"concat_ws(E'\\n', {', '.join(texts)}) ~* ANY({patterns}::text[])"


def search_patterns(typed: str | None) -> list[str] | None:
    """`?q=` (its first 100 characters) as one regular expression per typed word, each to be found
    in the folded name or the address (every word somewhere, in any order); None for no words. A
    word is looked for in each of its spellings (name_search.word_variants: "Müller" as muller and
    mueller, "Шевчук" as shevchuk) and as typed, literally (a `_` or `%` is that character); a word
    with an `@` is part of an address, its domain in the spelling intake stores (bücher.de for
    xn--bcher-kva.de)."""
    patterns = []
    # PostgreSQL text cannot hold U+0000 (the query answered 500, review 9a F7): it separates words.
    typed = (typed or "").replace("\x00", " ")
    for word in unicodedata.normalize("NFC", typed.strip()[:100]).split()[:name_search.MAX_WORDS]:
        local, at, domain = word.rpartition("@")
        if at and domain:
            with contextlib.suppress(ValueError):  # a half-typed domain is searched as typed
                word = f"{local}@{canonical_domain(domain)}"
        spellings = [word] if at else [word, *name_search.word_variants(word)]
        patterns.append("|".join(_literal(s) for s in dict.fromkeys(spellings)))
    return patterns or None
