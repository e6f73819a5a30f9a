"""The check-in email names the choices the page behind its link offers (review 8a, finding 5):
both read them from shared/checkin_choices.for_side, so an email never asks an employer "good or
not a good fit" while its page asks "hired or not". A new set of choices needs its own sentence."""

from __future__ import annotations

import pytest

from lotse.notifier.preview import SAMPLE
from lotse.notifier.render import render_email
from lotse.shared import checkin_choices, matches

# Words of each set's sentence in German, the language most organisations read it in.
SENTENCES: dict[tuple[str, ...], str] = {
    checkin_choices.PERSONAL: "(gut, noch unsicher, passt nicht oder wir hatten noch keinen Kontakt)",
    checkin_choices.ORGANISATIONS["employer"]: "ob Sie die Person eingestellt haben",
    checkin_choices.ORGANISATIONS["language_course"]: "ob die Person am Kurs teilnimmt",
}


def _asked(answers: tuple[str, ...]) -> str:
    return " ".join(render_email("checkin", "de", {**SAMPLE, "answers": answers}).text.split())


@pytest.mark.parametrize("kind", matches.KINDS)
@pytest.mark.parametrize("side", ["newcomer", "counterpart"])
def test_each_side_is_asked_with_the_choices_of_its_page(kind: str, side: str) -> None:
    answers = checkin_choices.for_side(kind, side)
    asked = _asked(answers)
    assert SENTENCES[answers] in asked  # KeyError: a set of choices the email has no sentence for
    assert [words for words in SENTENCES.values() if words in asked] == [SENTENCES[answers]]
