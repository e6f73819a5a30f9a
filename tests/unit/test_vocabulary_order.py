"""The form's lists read in the order people look for names in, not in code point order."""

from __future__ import annotations

from lotse.intake.web.vocabulary import alphabetical, for_locale


def test_districts_with_umlauts_are_filed_as_in_a_german_list() -> None:
    names = [name for _, name in for_locale("de")["districts"]]  # type: ignore[attr-defined]
    assert names.index("Sömmerda") < names.index("Sonneberg") < names.index("Suhl")


def test_accented_language_names_are_filed_under_their_letter() -> None:
    names = [name for _, name in for_locale("en")["languages"]]  # type: ignore[attr-defined]
    assert names.index("Bosanski") < names.index("Čeština") < names.index("Deutsch")
    assert alphabetical("Äpfel") == "apfel"
