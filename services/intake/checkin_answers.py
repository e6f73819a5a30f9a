"""The check-in's choices, by who answers: a newcomer and a mentor say how it goes between two
people; an employer or a course provider says what became of it (review 8a, finding 5). A job
with "how is it going: good" tells a coordinator nothing; "hired" or "did not come about" does.

All of them are stored alike (checkins.answer, a history per side) and flag alike
(lifecycle.check_in): an outcome that leaves the match holding a place it does not use flags it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from lotse.intake import offers
from lotse.intake.validation import N_
from lotse.shared import matches
from lotse.shared.checkin_choices import ORGANISATIONS, PERSONAL, for_side

# The choices themselves and who gets which are shared with the notifier's check-in email.
__all__ = ["ALL", "DID_NOT_HAPPEN", "OFFER_TO_END", "ORGANISATIONS", "PERSONAL", "QUESTIONS", "flag_code",
           "for_participant", "for_side", "question", "strongest_flag"]

ALL: Final = (*PERSONAL, *(code for codes in ORGANISATIONS.values() for code in codes))
#: An organisation's answers by which the match holds a seat or an opening it does not use: the
#: job did not come about, the newcomer never started the course or stopped attending it. A
#: coordinator looks (and ends the match, or finds out why), as for a person's "not a good fit".
DID_NOT_HAPPEN: Final = frozenset({"not_hired", "not_started", "stopped"})
#: The latest answers after which ending the match at once is offered (the check-in's re-match),
#: on the thank-you page, on the check-in page opened again and beside the match on the manage page.
OFFER_TO_END: Final = frozenset({"bad", *DID_NOT_HAPPEN})

#: The check-in's question, by the choices it offers, as the notifier's check-in email asks it
#: (email/_checkin.j2, which tells them apart by the same choices): an employer is asked what
#: became of it, a course provider whether the person attends; "how is it going so far" fits
#: only a newcomer's and a mentor's choices (review 8c, finding 9). Msgids.
QUESTIONS: Final[dict[tuple[str, ...], str]] = {
    ORGANISATIONS["employer"]: N_("What has become of it?"),
    ORGANISATIONS["language_course"]: N_("Is this person attending the course?"),
}
PERSONAL_QUESTION: Final = N_("How is it going so far?")


def question(answers: tuple[str, ...]) -> str:
    """The check-in form's question (a msgid) for these choices (for_side, for_participant)."""
    return QUESTIONS.get(answers, PERSONAL_QUESTION)


def for_participant(participant_kind: str) -> tuple[str, ...]:
    """The choices a participant has on their manage page: an organisation is the counterpart side
    of every match it has, all of its own kind (offers.OF_KIND), so one set serves all its matches."""
    where = offers.OF_KIND.get(participant_kind)
    return for_side(where.match_kind, "counterpart") if where else PERSONAL


def flag_code(side: str, answer: str) -> str | None:
    """The flag a side's latest answer puts on the match (matches.FLAGS), None for one that asks
    nothing of a coordinator."""
    if answer == "bad":
        return matches.CHECKIN_FLAGS[side]
    if answer in DID_NOT_HAPPEN:
        return matches.FLAG_CHECKIN_DID_NOT_HAPPEN
    if answer == "not_in_touch":
        return matches.FLAG_CHECKIN_NOT_IN_TOUCH
    return None


def strongest_flag(flags: Mapping[str, str], side: str) -> str:
    """The flag the match gets from each side's latest answer's (`flags`, by side; not empty): that
    it may be over ("not a good fit", "did not come about") before "not in touch yet", which asks a
    coordinator to help them start; among equals the answering `side`'s, as before."""
    ordered = [code for code in (flags.get(side), *flags.values()) if code]
    return next((code for code in ordered if code != matches.FLAG_CHECKIN_NOT_IN_TOUCH), ordered[0])
