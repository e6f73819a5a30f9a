"""Review 8b, finding 12 (after 97ba76a): the public pages and emails speak to one person whose gender
we do not know, so a translation says it in words that fit anyone ("Пока трудно сказать", "Je ne sais
pas encore", "Mieszkam w Turyngii od niedawna") instead of splitting a word for two genders
("уверен(а)", "sûr·e", "сигуран/сигурна", "byłeś/byłaś", "Partner/in"), which reads awkwardly to everyone.

Only the public catalogs (intake pages, notifier emails) are checked: the coordinators' dashboard
(German only) says "Mentor/in" on purpose, as short labels in its tables."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import TYPES, render_email
from lotse.shared.i18n import SUPPORTED_LOCALES, catalog_path

CATALOGS = [("lotse.notifier", "notifier"), ("lotse.intake", "intake")]
LOCALES = [locale for locale in SUPPORTED_LOCALES if locale != "en"]  # English is the source

# A letter right before a bracketed ending (сам(а), согласен(на), zarejestrowany(-a)), a slash between
# two word forms (сигуран/сигурна, byłeś/-aś, Pan/Pani, Partner/in), a French or German mid-word
# mark (inscrit·e, coordinateur·rice, Mentor*in, Mentor:in), Binnen-I (MentorInnen), inscrit.e.
_SHARED = r"\w\(-?\w{1,4}\)|\w/-?\w|\w[·•∙]\w|\w\.e\b"
SPLIT_FORMS: dict[str, re.Pattern[str]] = {locale: re.compile(_SHARED) for locale in LOCALES}
SPLIT_FORMS["de"] = SPLIT_FORMS["de-simple"] = re.compile(_SHARED + r"|\w[*:_]in(nen)?\b|[a-zäöüß]In(nen)?\b")

# (locale, msgid) pairs that keep such a form on purpose, each with the reason. None at present.
ALLOWED: dict[tuple[str, str], str] = {}


def _strings(package: str, domain: str, locale: str) -> list[tuple[str, str]]:
    """(msgid, msgstr) of every translated message, each plural form on its own."""
    with catalog_path(package, domain, locale).open("rb") as po:
        catalog = read_po(po)
    found = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        found += [(msgid, str(form)) for form in forms if form]
    return found


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("package", "domain"), CATALOGS)
def test_no_word_split_for_two_genders(package: str, domain: str, locale: str) -> None:
    split = [(msgid, text) for msgid, text in _strings(package, domain, locale)
             if SPLIT_FORMS[locale].search(text) and (locale, msgid) not in ALLOWED]
    assert split == []


def test_the_pattern_finds_the_forms_it_is_for() -> None:
    """So that the test above cannot pass because the pattern matches nothing."""
    for locale, text in [("ru", "Пока не уверен(а)"), ("ru", "я согласен(на)"), ("sr", "сигуран/сигурна"),
                         ("pl", "Jesteś już zarejestrowany(-a)"), ("pl", "rejestrowałeś/-aś"),
                         ("pl", "do Pana/Pani"), ("fr", "Un·e coordinateur·rice"), ("fr", "inscrit.e"),
                         ("de", "für Partner/in"), ("de", "Mentor*innen"), ("de", "Mentor:in"),
                         ("de", "MentorInnen"), ("uk", "впевнений(а)")]:
        assert SPLIT_FORMS[locale].search(text), (locale, text)
    for locale, text in [("de", "Kinderbetreuung (Kita)"), ("fr", "Niveaux : A1 (débutant) à C2 (courant)."),
                         ("ru", "Максимальное расстояние (км)"), ("fr", "https://lotse.example"),
                         ("pl", "Miejsce kursu (powiat)"), ("de", "E-Mail-Adresse"), ("de", "Info")]:
        assert not SPLIT_FORMS[locale].search(text), (locale, text)


@pytest.mark.parametrize("locale", ["ru", "sr", "pl", "fr"])
def test_emails_speak_to_anyone(locale: str) -> None:
    """The rendered emails (subject, text and HTML) of the locales that had such forms."""
    for type_ in TYPES:
        email = render_email(type_, locale, SAMPLE)
        for part in (email.subject, email.text, email.html):
            assert not SPLIT_FORMS[locale].search(re.sub(r"https?://\S+|<[^>]*>", " ", part or "")), (type_, part)
