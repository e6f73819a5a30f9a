"""Review 8c, finding 11b: the Ukrainian emails signed "Lotse – Центр прийому Тюрингії" while the
manage page said "Центр для новоприбулих зв'яже вас": two names for one welcome centre. Each language
calls it by one name, the one in its "Lotse – Welcome Centre Thuringia", on the pages (intake) and in
the emails (notifier); a sentence may still say just "the centre" ("центр", "Centrum", "mərkəz")."""

from __future__ import annotations

import re

import pytest

from tests.unit.test_translation_gender_forms import CATALOGS, LOCALES, _strings

# The centre's one name per language (any grammatical case: "до Центру прийому").
NAME: dict[str, str] = {
    "de": r"Welcome Center", "de-simple": r"Welcome Center", "fr": r"[Cc]entre d’accueil",
    "pl": r"Centrum Powitaln\w+", "ru": r"[Цц]ентр\w* приёма", "uk": r"[Цц]ентр\w* прийому",
    "sr": r"[Цц]ент\w+ добродошлице", "az": r"[Qq]arşılama [Mm]ərkəz\w*", "mn": r"[Хх]үлээн авах төв",
    "vi": r"[Tt]rung tâm [Cc]hào đón", "zh": r"欢迎中心",
}
# The other names the catalogs had used for it (review 8c and an audit of every catalog).
OTHER_NAMES: dict[str, str] = {
    "uk": r"[Цц]ентр\w* для новоприбулих", "ru": r"[Цц]ентр\w* для новоприбывших",
    "az": r"Welcome Centre \(mərkəz\)", "pl": r"\(Welcome Centre\)|centrum powitaln|Centrum powitaln",
    "sr": r"за добродошлицу",
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("package", "domain"), CATALOGS)
def test_the_welcome_centre_has_one_name(package: str, domain: str, locale: str) -> None:
    strings = dict(_strings(package, domain, locale))
    name = re.compile(NAME[locale])
    assert name.search(strings["Lotse – Welcome Centre Thuringia"])
    # The manage page's and the emails' contact line ("Центр прийому: …").
    assert name.match(strings["Welcome centre: %(contact)s"])
    if locale in OTHER_NAMES:
        other = re.compile(OTHER_NAMES[locale])
        assert [text for _, text in _strings(package, domain, locale) if other.search(text)] == []
