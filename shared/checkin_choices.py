"""The check-in's choices, by who answers: a newcomer and a mentor say how it goes between two
people; an employer or a course provider says what became of it (review 8a, finding 5).

Shared because two services ask the same question: intake's check-in page offers these choices
(and refuses others), the notifier's check-in email names them. One rule for which side of which
kind of match gets which set, so the email never promises choices the page does not have.
"""

from __future__ import annotations

from typing import Final

#: A newcomer's and a mentor's choices, in the order the form shows them. "not_in_touch": they
#: have not been in touch yet, which the welcome centre must hear of (review 8d, finding 7).
PERSONAL: Final = ("good", "unsure", "bad", "not_in_touch")
#: An organisation's choices, by the match's kind (the course or position it answers for).
ORGANISATIONS: Final = {
    "employer": ("hired", "talking", "not_hired"),
    "language_course": ("attending", "stopped", "not_started"),
}


def for_side(kind: str, side: str) -> tuple[str, ...]:
    """The choices of one side of a match of `kind` (matches.KINDS)."""
    return ORGANISATIONS.get(kind, PERSONAL) if side == "counterpart" else PERSONAL
