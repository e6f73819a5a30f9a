"""Review 8f, polish: Ukrainian labels a reader took for something else. "Ваше менторство: Sabine"
read as "your mentorship", not the person; and "Догляд за хворими" ("care of the sick") for
`nursing` sent a nurse to "Охорона здоров’я" (`healthcare`), so she never saw a nursing job
(position_feasible needs the exact field). The form's label now names the profession, as ru
("Сестринское дело") and pl ("Pielęgniarstwo") did already."""

from __future__ import annotations

import pytest

from lotse.shared.i18n import translations


@pytest.mark.parametrize(("package", "domain"), [("lotse.intake", "intake"), ("lotse.notifier", "notifier")])
def test_your_mentor_names_the_person_not_the_mentorship(package: str, domain: str) -> None:
    said = translations(package, domain, "uk").gettext("Your mentor: %(name)s")
    assert said == "Ваш ментор або ваша менторка: %(name)s"


# The notifier's English labels are written for the middle of a sentence (review L5a), the form's as labels.
@pytest.mark.parametrize(("package", "domain", "nursing", "healthcare"), [
    ("lotse.intake", "intake", "Nursing", "Healthcare"), ("lotse.notifier", "notifier", "nursing", "healthcare")])
def test_nursing_reads_as_the_nursing_profession(package: str, domain: str, nursing: str, healthcare: str) -> None:
    for locale, profession in (("uk", "Медсестринство"), ("ru", "Сестринское"), ("pl", "Pielęgniarstwo")):
        catalog = translations(package, domain, locale)
        assert catalog.gettext(nursing).startswith(profession), locale
        assert catalog.gettext(healthcare) != catalog.gettext(nursing), locale


def test_the_newcomers_mentor_box_names_both_forms() -> None:
    """Review 8h, finding 8: the form's box read "Я хочу ментора або провідника" (masculine only)
    while the emails and the respond page say "ментор або менторка"; it now names both, as the
    German box ("eine Mentorin, einen Mentor") does."""
    said = translations("lotse.intake", "intake", "uk").gettext("I would like a mentor or welcome guide")
    assert said == "Я хочу ментора або менторку"
