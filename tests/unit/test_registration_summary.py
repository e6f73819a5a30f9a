"""Review 9c, F1: the verification email lists the registration its link confirms, in every
language the notifier writes, for every kind, and only what tells registrations apart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from markupsafe import escape

from lotse.notifier.registration_summary import of_version
from lotse.notifier.render import DOMAIN, PACKAGE, RenderedEmail, render_email
from lotse.shared.i18n import SUPPORTED_LOCALES, translations

VERSION: dict[str, Any] = {"kind": "newcomer", "name": "Оксана Мельник", "district": "16053", "about": "PRIVATE ABOUT",
           "languages": [["uk", "native"], ["de", "A2"]], "courses": [], "positions": [],
           "profile": {"name_latin": "Oksana Melnyk", "country_of_origin": "UA",
                       "household": {"partner": True, "partner_seeks_work": False, "children_ages": [3, 5, 9]}}}
KINDS: dict[str, dict[str, Any]] = {
    "mentor": {"profile": {"capacity": 3}},
    "language_provider": {"profile": {"organisation": "VHS Gera"}, "courses": [{"title": "A1"}, {"title": "B1"}]},
    "employer": {"profile": {"organisation": "Pflege GmbH"}, "positions": [{"title": "Nurse"}]},
}


def _render(locale: str, version: Mapping[str, Any]) -> RenderedEmail:
    context = {"name": "Oksana", "verify_url": "https://lotse.example/verify/x", "deleted_after_days": 30,
               "manage_url": "https://lotse.example/manage/x", "summary": of_version(version, locale)}
    return render_email("verification", locale, context)


def _email(locale: str, version: Mapping[str, Any]) -> str:
    email = _render(locale, version)
    return email.text + (email.html or "")


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_language_says_what_the_link_confirms(locale: str) -> None:
    text = _email(locale, VERSION)
    assert "Оксана Мельник (Oksana Melnyk)" in text and "Jena" in text
    # Name, kind, place, languages, household: each a line of both parts, the children counted.
    lines = of_version(VERSION, locale)["lines"]
    email = _render(locale, VERSION)
    assert len(lines) == 5 and "3" in lines[-1] and "Jena" in lines[2]
    assert all(f"- {line}\n" in email.text.replace("\r\n", "\n") and f"<li>{line}</li>" in (email.html or "")
               for line in lines), lines
    assert "PRIVATE ABOUT" not in text and "UA" not in text
    if locale != "en":
        assert "These are the details you gave" not in text and "Household" not in text
    for kind, extra in KINDS.items():
        found = _email(locale, {**VERSION, "kind": kind, **extra})
        assert ("VHS Gera" in found) == (kind == "language_provider")
        assert ("Pflege GmbH" in found) == (kind == "employer")
        assert "Household" not in found


def test_the_english_lines() -> None:
    text = _email("en", VERSION)
    assert "- Household: with partner, 3 children" in text and "- Languages: Ukrainian, German" in text
    assert "- Newcomers at a time: 3" in _email("en", {**VERSION, "kind": "mentor", **KINDS["mentor"]})
    provider = _email("en", {**VERSION, "kind": "language_provider", **KINDS["language_provider"]})
    assert "- Organisation: VHS Gera" in provider and "- Courses: 2" in provider
    assert "- Positions: 1" in _email("en", {**VERSION, "kind": "employer", **KINDS["employer"]})
    assert "- Household: on your own" in _email("en", {**VERSION, "profile": {}})


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_sentence_after_the_list_starts_a_new_sentence(locale: str) -> None:
    """Review 10a, F7: "thank you for registering …" was written to follow "Hello …," directly; after
    the list it began in lower case ("- Languages: …" then "vielen Dank …") in every cased script."""
    email = _render(locale, VERSION)
    after_list = email.text.replace("\r\n", "\n").split("\n- ")[-1].split("\n\n")[1]
    after_ul = (email.html or "").split("</ul>")[1].split("<p>")[1]
    for sentence in (after_list, after_ul):
        assert not sentence[0].islower(), (locale, sentence)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_the_email_says_what_it_is_before_what_to_do_if_the_details_are_not_yours(locale: str) -> None:
    """Review L4: right after "Hello …," the email warned about details the reader had not seen yet.
    Now it opens with what it is, then the details, the link, the advice for details that are not
    one's own, the deletion notice: in that order in both parts, the details still before the link."""
    catalog = translations(PACKAGE, DOMAIN, locale)
    greeting = catalog.gettext("Hello %(name)s,") % {"name": "Oksana"}
    what_it_is = catalog.gettext("thank you for registering with Lotse. Please confirm your e-mail address.")
    in_order = [
        catalog.gettext("These are the details you gave:"), of_version(VERSION, locale)["lines"][0],
        "https://lotse.example/verify/x",
        catalog.gettext("If these are not your details, do not open the link; register again with your own "
                        "details, or ignore this e-mail."),
        catalog.ngettext("We only start looking for matches after you have confirmed. Without confirmation, these "
                         "details are deleted automatically after %(num)s day.",
                         "We only start looking for matches after you have confirmed. Without confirmation, these "
                         "details are deleted automatically after %(num)s days.", 30) % {"num": 30},
    ]
    email = _render(locale, VERSION)
    text, html = email.text.replace("\r\n", "\n"), email.html or ""
    assert text.startswith(f"{greeting}\n\n{what_it_is}\n\n"), text
    assert f"<p>{escape(greeting)}</p>\n<p>{escape(what_it_is)}</p>" in html, html
    for part, escaped in ((text, in_order), (html, [str(escape(s)) for s in in_order])):
        found = [part.find(s) for s in escaped]
        assert -1 not in found and found == sorted(found), (locale, found)


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_without_a_list_the_email_neither_announces_details_nor_warns_about_them(locale: str) -> None:
    """An email without a summary says what it is and offers the link, nothing about details."""
    catalog = translations(PACKAGE, DOMAIN, locale)
    context = {"name": "Oksana", "verify_url": "https://lotse.example/verify/x", "deleted_after_days": 30}
    email = render_email("verification", locale, context)
    for part in (email.text, email.html or ""):
        assert "https://lotse.example/verify/x" in part
        assert catalog.gettext("These are the details you gave:") not in part
        assert catalog.gettext("thank you for registering with Lotse. Please confirm your e-mail address by "
                               "opening this link:") in part
