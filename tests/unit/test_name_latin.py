"""A newcomer's or mentor's own name in Latin letters (`name_latin`, review 8f, finding 3): فاطمه
حسینی cannot be transliterated by a table (Arabic script has no short vowels), so she writes it as
her passport does, and every reader of Latin letters sees "فاطمه حسینی (Fatemeh Hosseini)"."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from lotse.intake.validation import ValidationFailed, validate_registration, validate_update
from lotse.intake.web import forms
from lotse.shared.name_search import latin, latin_or_name, search_text, with_latin, with_latin_inline
from tests.integration.intake_fixtures import employer_payload, mentor_payload, newcomer_payload

TODAY = date(2026, 11, 24)
FATEMEH = "فاطمه حسینی"


@pytest.mark.parametrize("kind", ["newcomer", "mentor"])
def test_it_is_stored_in_the_profile_stripped_and_optional(kind: str) -> None:
    payload = newcomer_payload if kind == "newcomer" else mentor_payload
    given = validate_registration(kind, payload(name=FATEMEH, name_latin="  Fatemeh Hosseini "), today=TODAY)
    assert given.profile["name_latin"] == "Fatemeh Hosseini"
    for none in ("", "   ", None):
        assert validate_registration(kind, payload(name_latin=none), today=TODAY).profile["name_latin"] is None
    assert validate_registration(kind, payload(), today=TODAY).profile["name_latin"] is None


@pytest.mark.parametrize(("value", "message"), [
    ("F" * 201, "Must be at most 200 characters."),
    ("Fatemeh\x00Hosseini", "Must not contain control characters."),
    ("Fatemeh\u2028Hosseini", "Must not contain control characters."),
    (FATEMEH, "Please write it in Latin letters (A–Z, accents are fine)."),
    ("Оксана Melnyk", "Please write it in Latin letters (A–Z, accents are fine)."),
    (42, "Must be text."),
])
def test_a_wrong_value_names_the_field(value: Any, message: str) -> None:
    with pytest.raises(ValidationFailed) as failed:
        validate_registration("newcomer", newcomer_payload(name_latin=value), today=TODAY)
    assert failed.value.fields() == {"name_latin": message}
    with pytest.raises(ValidationFailed) as failed:
        validate_update("mentor", {"name_latin": value}, today=TODAY)
    assert failed.value.fields() == {"name_latin": message}


def test_accents_and_200_characters_are_fine_and_an_edit_can_clear_it() -> None:
    for fine in ("Nguyễn Văn An", "Məmmədova Ayşə", "Đorđe O'Brien-Łukasz", "F" * 200):
        assert validate_update("newcomer", {"name_latin": fine}, today=TODAY) == {"name_latin": fine}
    assert validate_update("newcomer", {}, today=TODAY, cleared={"name_latin"}) == {"name_latin": None}


def test_an_organisation_has_no_such_field() -> None:
    # Employers and course providers are named by their organisation, not a person's passport.
    with pytest.raises(ValidationFailed) as failed:
        validate_registration("employer", employer_payload(name_latin="Klaus Richter"), today=TODAY)
    assert failed.value.fields() == {"name_latin": "Unknown field."}


def test_the_form_sends_it_and_shows_it_again() -> None:
    form = {"name": FATEMEH, "name_latin": "Fatemeh Hosseini"}
    assert forms.to_payload("newcomer", form)["name_latin"] == "Fatemeh Hosseini"
    assert "name_latin" not in forms.to_payload("mentor", {"name": FATEMEH, "name_latin": "  "})
    assert "name_latin" not in forms.to_payload("employer", form)
    assert forms.from_payload({"name_latin": "Fatemeh Hosseini"})["name_latin"] == "Fatemeh Hosseini"
    assert forms.from_payload({"name_latin": None})["name_latin"] == ""  # an empty box, not "None"


def test_a_given_spelling_is_the_latin_one_the_table_the_fallback() -> None:
    assert with_latin(FATEMEH, "fa", "de", "Fatemeh Hosseini") == f"{FATEMEH} (Fatemeh Hosseini)"
    assert with_latin_inline(FATEMEH, "fa", "en", "Fatemeh Hosseini") == f"{FATEMEH} / Fatemeh Hosseini"
    assert latin_or_name(FATEMEH, "fa", "de", "Fatemeh Hosseini") == "Fatemeh Hosseini"
    assert with_latin(FATEMEH, "fa", "de") == FATEMEH  # none given: no table for Arabic script
    assert with_latin("王芳", "zh", "de", "Wang Fang") == "王芳 (Wang Fang)"
    # Her own spelling before the table's; without one the table's, as before.
    assert with_latin("Оксана Мельник", "uk", "de", "Oksana Melnik") == "Оксана Мельник (Oksana Melnik)"
    assert with_latin("Оксана Мельник", "uk", "de") == "Оксана Мельник (Oksana Melnyk)"
    # A reader of another script sees the name as it is; a name in Latin letters needs none.
    assert with_latin(FATEMEH, "fa", "uk", "Fatemeh Hosseini") == FATEMEH
    assert with_latin("Nguyễn Văn An", "vi", "de", "Nguyen Van An") == "Nguyễn Văn An"
    assert latin(FATEMEH, "fa", "  ") is None


def test_the_search_copy_holds_the_latin_spelling() -> None:
    held = search_text(FATEMEH, None, "Fatemeh Hosseini") or ""
    assert "hosseini" in held.split() and "fatemeh" in held.split()
    assert "hosseini" not in (search_text(FATEMEH) or "")
