"""Locale negotiation and the completeness of every catalog."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lotse.shared.i18n import (
    SOURCE_LOCALE,
    SUPPORTED_LOCALES,
    language_tag,
    negotiate_locale,
    translations,
    untranslated,
)

CATALOGS = [("lotse.intake", "intake"), ("lotse.notifier", "notifier")]
TRANSLATED = [locale for locale in SUPPORTED_LOCALES if locale != SOURCE_LOCALE]
# The coordinators' dashboard is German and English (the source).
DASHBOARD = ("lotse.intake.dashboard", "dashboard", "de")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "de"),
        ("", "de"),
        ("vi", "vi"),
        ("de-DE,de;q=0.9,en;q=0.8", "de"),
        ("fr-CA;q=0.2, uk", "uk"),
        ("ja, ko;q=0.9", "de"),
        ("xx;q=1, en;q=0.1", "en"),
        ("de-simple", "de-simple"),
        ("zh-Hans-CN", "zh"),
        ("en;q=0, ru;q=0.5", "ru"),
        ("en;q=abc, pl", "pl"),
    ],
)
def test_accept_language_negotiation(header: str | None, expected: str) -> None:
    assert negotiate_locale(header) == expected


@pytest.mark.parametrize("package, domain", CATALOGS)
@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_message_is_translated(package: str, domain: str, locale: str) -> None:
    assert untranslated(package, domain, locale) == []


def test_the_dashboard_is_translated_into_german() -> None:
    assert untranslated(*DASHBOARD) == []


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_locale_has_a_valid_language_tag(locale: str) -> None:
    # Language (and script or region) from the registry, or a private-use extension; no made-up
    # variant such as `-simple`, which is well-formed but not a valid BCP 47 tag.
    assert re.fullmatch(r"[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2})?(-x(-[a-z0-9]{1,8})+)?", language_tag(locale))


def test_plain_german_is_private_use_german() -> None:
    assert language_tag("de-simple") == "de-x-simple" and language_tag("vi") == "vi"


def test_plain_german_falls_back_to_german() -> None:
    gettext = translations("lotse.intake", "intake", "de-simple").gettext
    german = translations("lotse.intake", "intake", "de").gettext
    assert gettext("Unknown field.") != "Unknown field."
    assert german("This field is required.") == "Dieses Feld ist erforderlich."


def test_unknown_locale_gives_the_source_text() -> None:
    assert translations("lotse.intake", "intake", "tlh").gettext("Unknown field.") == "Unknown field."


@pytest.mark.parametrize("package, domain", CATALOGS)
@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_keep_every_placeholder(package: str, domain: str, locale: str) -> None:
    """A translation that drops or renames `%(name)s` would print the raw text or fail to format."""
    import re

    from babel.messages.pofile import read_po

    from lotse.shared.i18n import catalog_path

    with catalog_path(package, domain, locale).open("rb") as file:
        catalog = read_po(file)
    for message in catalog:
        if message.id and message.string:
            # A plural message: every form of the translation keeps the plural msgid's placeholders.
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            wanted = sorted(re.findall(r"%\(\w+\)[sd]", str(ids[-1])))
            for string in strings:
                assert sorted(re.findall(r"%\(\w+\)[sd]", str(string))) == wanted, message.id


ALL_CATALOG_FILES = sorted(p for p in Path(__file__).resolve().parents[2].glob("services/**/locales/**/*.po*")
                           if p.suffix in (".po", ".pot"))


@pytest.mark.parametrize("path", ALL_CATALOG_FILES, ids=lambda p: "/".join(p.parts[-4:]))
def test_every_catalog_file_is_well_formed(path: Path) -> None:
    """Hand edits can split an entry (a msgid whose msgstr landed after the next entry): babel only
    warns, drops the translation and goes on, so the page or e-mail fell back to English unnoticed."""
    from babel.messages.pofile import PoFileError, read_po

    with path.open("rb") as file:
        try:
            read_po(file, abort_invalid=True)
        except PoFileError as exc:
            pytest.fail(f"{path}: {exc}")


def _catalog_package(root: Path, name: str, catalogs: dict[str, str]) -> str:
    """A throwaway package `name` under `root` with a `.pot` and one `.po` per locale."""
    locales = root / name / "locales"
    locales.mkdir(parents=True)
    (root / name / "__init__.py").write_text("")
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
    ids = ("Consent", "Apples", "Pears")
    (locales / "t.pot").write_text(header + "".join(f'msgid "{i}"\nmsgstr ""\n\n' for i in ids)
                                   + 'msgid "Plum"\nmsgid_plural "Plums"\nmsgstr[0] ""\nmsgstr[1] ""\n')
    for locale, body in catalogs.items():
        (locales / locale / "LC_MESSAGES").mkdir(parents=True)
        (locales / locale / "LC_MESSAGES" / "t.po").write_text(header + body)
    return name


def test_plain_german_counts_a_message_it_only_inherits_from_german_as_untranslated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Readers of plain German would get the standard German text: that is not translated."""
    german = ('msgid "Consent"\nmsgstr "Einwilligung"\n\nmsgid "Apples"\nmsgstr "Äpfel"\n\n'
              'msgid "Pears"\nmsgstr "Birnen"\n\n'
              'msgid "Plum"\nmsgid_plural "Plums"\nmsgstr[0] "Pflaume"\nmsgstr[1] "Pflaumen"\n')
    plain = ('msgid "Consent"\nmsgstr ""\n\nmsgid "Apples"\nmsgstr "Äpfel"\n\n'
             '#, fuzzy\nmsgid "Pears"\nmsgstr "Birnen"\n\n'
             'msgid "Plum"\nmsgid_plural "Plums"\nmsgstr[0] "Pflaume"\nmsgstr[1] ""\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    package = _catalog_package(tmp_path, "lotse_i18n_probe", {"de": german, "de-simple": plain})
    assert untranslated(package, "t", "de") == []
    assert untranslated(package, "t", "de-simple") == ["Consent", "Pears", "Plum"]
    # The fallback still serves readers at run time until plain German has its own words.
    assert translations(package, "t", "de-simple").gettext("Consent") == "Einwilligung"
