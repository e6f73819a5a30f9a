"""German emails say where someone lives with the preposition each district takes (review 8a,
finding 12): "im Kyffhäuserkreis", "im Weimarer Land", "in Erfurt" (was "wohnt in Kyffhäuserkreis")."""

from __future__ import annotations

from typing import Any

import pytest

from lotse.notifier.match_facts import facts
from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared.i18n import translations
from lotse.shared.reference import districts, german_in_district

# Every one of Thuringia's 22 districts, as a German sentence says where it is.
EXPECTED = {
    "16051": "in Erfurt", "16052": "in Gera", "16053": "in Jena", "16054": "in Suhl", "16055": "in Weimar",
    "16061": "im Eichsfeld", "16062": "in Nordhausen", "16063": "im Wartburgkreis",
    "16064": "im Unstrut-Hainich-Kreis", "16065": "im Kyffhäuserkreis", "16066": "in Schmalkalden-Meiningen",
    "16067": "in Gotha", "16068": "in Sömmerda", "16069": "in Hildburghausen", "16070": "im Ilm-Kreis",
    "16071": "im Weimarer Land", "16072": "in Sonneberg", "16073": "in Saalfeld-Rudolstadt",
    "16074": "im Saale-Holzland-Kreis", "16075": "im Saale-Orla-Kreis", "16076": "in Greiz",
    "16077": "im Altenburger Land",
}
KYFFHAEUSER, GERA = "16065", "16052"
NEWCOMER: dict[str, Any] = {"name": "Tomasz Wiśniewski", "district": KYFFHAEUSER, "languages": [],
                            "profile": {"arrival": "arrived"}}
POSITION: dict[str, Any] = {"district": GERA, "languages": [], "format": None, "childcare": None, "profile": {},
                            "min_german_level": None, "occupation_field": None}


def test_every_district_has_its_preposition() -> None:
    assert {code: german_in_district(code) for code in districts()} == EXPECTED


def _introduction(locale: str, side: str) -> str:
    found = facts("employer", side, NEWCOMER, POSITION, "Klinikum Gera", locale)
    return render_email("introduction", locale, {**SAMPLE, "kind": "employer", "side": side, "facts": found,
                                                 "reasons": []}).text


@pytest.mark.parametrize("locale, says", [
    ("de", "Tomasz Wiśniewski wohnt im Kyffhäuserkreis, 101 km entfernt."),
    ("de-simple", "Tomasz Wiśniewski wohnt im Kyffhäuserkreis. Das ist 101 km weit weg."),
    ("en", "Tomasz Wiśniewski lives in Kyffhäuserkreis, 101 km away."),
])
def test_the_employer_reads_where_the_newcomer_lives(locale: str, says: str) -> None:
    assert says in _introduction(locale, "counterpart")


def test_the_newcomer_reads_where_the_job_is_and_where_they_live() -> None:
    text = _introduction("de", "newcomer")
    assert "Klinikum Gera ist in Gera, " in text and " km von Ihrem Wohnort im Kyffhäuserkreis entfernt." in text


def test_not_both_agreed_is_said_in_plain_german() -> None:
    gettext = translations("lotse.notifier", "notifier", "de").gettext
    assert gettext("We have not passed on your e-mail addresses, because not both of you agreed to that.") == (
        "Wir haben Ihre E-Mail-Adressen nicht weitergegeben, weil nicht beide von Ihnen zugestimmt haben.")
