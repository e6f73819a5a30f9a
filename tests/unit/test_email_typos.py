"""The form's "Did you mean …?" (review 8f, finding 1): only well-known slips, and nothing typed breaks it."""

from __future__ import annotations

import pytest

from lotse.intake.email_typos import TYPOS, suggestion


@pytest.mark.parametrize(("typed", "meant"), [
    ("oksana.melnyk@gmial.com", "oksana.melnyk@gmail.com"),
    ("a@gmail.con", "a@gmail.com"),
    ("a@Hotmial.com.", "a@hotmail.com"),
    ("  a@wed.de ", "a@web.de"),
    ("a@gmx.ed", "a@gmx.de"),
    ("x@y@yaho.com", "x@y@yahoo.com"),  # the validator refuses it; the hint only names the domain
])
def test_a_known_slip_gets_the_providers_domain(typed: str, meant: str) -> None:
    assert suggestion(typed) == meant


@pytest.mark.parametrize("typed", [None, 3, "", "@gmial.com", "gmial.com", "a@", "a@gmail.com", "a@example.org",
                                   "a@web.de", "a@gmx.de", "a@\udcff", "a@gmail.co.uk"])
def test_anything_else_gets_no_hint(typed: object) -> None:
    assert suggestion(typed) is None


def test_no_slip_is_itself_a_providers_domain() -> None:
    assert not set(TYPOS) & set(TYPOS.values())
    assert all(typo == typo.lower() and "@" not in typo for typo in TYPOS)
