"""Review 8a, finding 14: a match one side ended on its manage page (end_reason ended_by_participant)
reads as that in the coordinators' language (match page and CSV share history.ending), with the
words the person gave; the audit entry has its label; and the match_ended email tells the one who
ended it that it is noted and the other side that it was ended, nobody's fault, never the words."""

from __future__ import annotations

from typing import Any

import pytest

from lotse.intake.dashboard import history
from lotse.intake.dashboard.vocabulary import for_locale
from lotse.notifier.match_context import ended_because
from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared import matches
from lotse.shared.i18n import SUPPORTED_LOCALES


def _ended(side: str, reason: str | None) -> dict[str, Any]:
    return {"end_reason": matches.END_PARTICIPANT, "ended_by_side": side, "reason": reason}


def test_the_dashboard_and_its_csv_say_who_ended_it_on_their_page_with_their_words() -> None:
    de, en = for_locale("de"), for_locale("en")
    assert history.ending(de, _ended("newcomer", None)) == "Von der neu angekommenen Person auf ihrer Seite beendet"
    assert history.ending(en, _ended("counterpart", "Wir haben uns anders gefunden")) == (
        "Ended by the other side on their page: Wir haben uns anders gefunden")
    assert de.label("audit_action", "match.ended_own") == "hat eines der eigenen Matches beendet"


def test_the_notifier_reads_the_code_as_ended_by_a_participant() -> None:
    assert ended_because(matches.CANCELLED, matches.END_PARTICIPANT) == "participant"


def _email(locale: str, side: str, by_me: bool, kind: str = "mentor") -> str:
    return render_email("match_ended", locale, {
        **SAMPLE, "kind": kind, "side": side, "status": "cancelled", "ended_because": "participant",
        "ended_by_me": by_me, "named": True, "other_title": "Renate", "ran": True}).text


def test_the_other_side_is_told_it_was_ended_and_the_one_who_ended_it_that_it_is_noted() -> None:
    told = _email("en", "counterpart", by_me=False)
    assert "The other side has ended the match. This is nobody's fault." in told
    assert "The welcome centre has ended this match." not in told
    assert "You asked to end this match. Thank you for letting us know." in _email("en", "newcomer", by_me=True)
    # The newcomer whose mentor, course or employer ended it: the matcher looks again (it does after every ending).
    assert "We are looking for someone new for you and will write again." in _email("en", "newcomer", by_me=False)
    assert "We are looking for another job for you" in _email("en", "newcomer", by_me=False, kind="employer")
    # She ended it herself ("I cannot continue"): the matcher looks again on match.ended as after any
    # ending, and her end step says "we look for a new mentor for you", so the email says the same,
    # not "if you would like more help" (review 8e, finding 4; this used to assert the opposite).
    assert "We are looking for someone new for you and will write again." in _email("en", "newcomer", by_me=True)
    assert "If you would like more help" not in _email("en", "newcomer", by_me=True)
    assert "We are looking for another course for you" in _email("en", "newcomer", by_me=True,
                                                                 kind="language_course")


@pytest.mark.parametrize("locale", [loc for loc in SUPPORTED_LOCALES if loc != "en"])
def test_every_language_says_why_in_its_own_words(locale: str) -> None:
    told, noted = _email(locale, "counterpart", by_me=False), _email(locale, "newcomer", by_me=True)
    for english, text in (("The other side has ended the match.", told), ("You asked to end this match.", noted)):
        assert english not in text
    # Its own sentence, not the coordinator's nor none: the same as a re-match's in that language.
    rematch = render_email("match_ended", locale, {**SAMPLE, "side": "counterpart", "status": "cancelled",
                                                   "ended_because": "rematch", "ended_by_me": False, "named": True,
                                                   "other_title": "Renate", "ran": True}).text
    assert told == rematch
