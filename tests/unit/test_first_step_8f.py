"""Review 8f, findings 5 and 6, as rendered: who takes the first step once both said yes, by kind and
side, in another language than the integration test's German (test_who_writes_first); the names it
uses (match_context.first_step_name, name_search.first_name); and what a mentor is, told to the newcomer."""

from __future__ import annotations

from typing import Any

import pytest

from lotse.notifier.match_context import first_step_name
from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared.name_search import family_name_first, first_name


@pytest.mark.parametrize(("name", "locale", "first"), [
    ("Oksana Melnyk", "uk", "Oksana"), ("Dr. Sabine Krüger", "de", "Sabine"), ("Sabine", "de", "Sabine"),
    # The family name first: named in full.
    ("Nguyễn Thị Lan", "vi", "Nguyễn Thị Lan"), ("Wang Fang", "zh", "Wang Fang"),
])
def test_first_name(name: str, locale: str, first: str) -> None:
    assert first_name(name, family_name_first(locale)) == first


@pytest.mark.parametrize(("profile", "languages", "family_first"), [
    ({"country_of_origin": "VN"}, [], True), ({"country_of_origin": "MN"}, [], True),
    ({"country_of_origin": "UA"}, [{"code": "vi", "level": "native"}], True),
    ({"country_of_origin": "HU"}, [], True),
    ({"country_of_origin": "UA"}, [{"code": "uk", "level": "native"}, {"code": "zh", "level": "B1"}], False),
    ({}, [], False),
])
def test_family_name_first_by_origin_or_mother_tongue_not_only_the_email_language(
        profile: dict[str, str], languages: list[dict[str, str]], family_first: bool) -> None:
    """Review 11b, M3: a Vietnamese newcomer reading English e-mails was called "Nguyen"."""
    assert family_name_first("en", profile, languages) is family_first
    assert first_name("Nguyen Van An", family_name_first("en", profile, languages)) == (
        "Nguyen Van An" if family_first else "Nguyen")


def _person(locale: str, **profile: str) -> dict[str, Any]:
    return {"preferred_locale": locale, "profile": profile, "languages": []}


def test_a_mentor_and_a_newcomer_by_first_name_an_organisation_and_the_newcomer_to_it_in_full() -> None:
    oksana, sabine, ahmad = _person("uk"), _person("de"), _person("en")
    assert first_step_name("mentor", "counterpart", "Oksana Melnyk", oksana, "Sabine Krüger", sabine) == "Oksana"
    assert first_step_name("mentor", "newcomer", "Oksana Melnyk", oksana, "Sabine Krüger", sabine) == "Sabine"
    assert first_step_name("language_course", "counterpart", "Ahmad Karimi", ahmad, "VHS Jena", sabine) \
        == "Ahmad Karimi"
    assert first_step_name("employer", "newcomer", "Ahmad Karimi", ahmad, "Klinikum Gera", sabine) == "Klinikum Gera"
    an = _person("en", country_of_origin="VN")
    assert first_step_name("mentor", "counterpart", "Nguyen Van An", an, "Sabine Krüger", sabine) == "Nguyen Van An"


# (kind, side, name, what the Russian email says)
RUSSIAN = [
    ("mentor", "counterpart", "Оксана",
     "Пожалуйста, в ближайшие дни напишите первыми – Оксана ждёт вашего письма."),
    ("mentor", "newcomer", "Sabine",
     "Первое письмо вам напишет Sabine. Если в течение недели ничего не придёт, просто напишите сами."),
    ("language_course", "counterpart", "Оксана Мельник", "Оксана Мельник напишет вам, чтобы записаться на курс."),
    ("language_course", "newcomer", "VHS Jena",
     "Чтобы записаться на курс, напишите в VHS Jena и упомяните, что вас направил Lotse."),
    ("employer", "counterpart", "Оксана Мельник",
     "Пожалуйста, в ближайшие дни напишите письмо с приглашением на первую беседу – Оксана Мельник его ждёт."),
    ("employer", "newcomer", "Klinikum Gera", "Первое письмо с приглашением на беседу вам напишет Klinikum Gera."),
]


@pytest.mark.parametrize(("kind", "side", "name", "says"), RUSSIAN)
def test_both_said_yes_says_who_writes_first(kind: str, side: str, name: str, says: str) -> None:
    context: dict[str, Any] = {**SAMPLE, "kind": kind, "side": side, "first_step_name": name,
                               "organisation": "VHS Jena", "wanted": "Deutsch A2"}
    email = render_email("match_active", "ru", context)
    assert says in " ".join(email.text.split())
    assert says in (email.html or "")
    # Without each other's address the welcome centre puts them in touch: nobody is asked to write.
    assert says not in render_email("match_active", "ru", {**context, "contact_email": None}).text


@pytest.mark.parametrize("locale", ["fr", "pl"])
def test_only_the_newcomer_is_told_what_a_mentor_is(locale: str) -> None:
    said = {"fr": "Un mentor est bénévole et n’est pas payé.",
            "pl": "Mentor pomaga jako wolontariusz i nie dostaje za to pieniędzy."}[locale]
    assert said in " ".join(render_email("introduction", locale, SAMPLE).text.split())
    assert said in (render_email("introduction", locale, SAMPLE).html or "")
    to_mentor = render_email("introduction", locale, {**SAMPLE, "side": "counterpart"})
    assert said not in " ".join(to_mentor.text.split())
    assert said not in render_email("introduction", locale, {**SAMPLE, "kind": "language_course"}).text
