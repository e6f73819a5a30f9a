"""The life of a match: every state and transition, enforced in this one place.

suggested ─approve→ approved ─(matcher)→ introduced ─both accept→ active ─→ completed
    │                  │                     │                     └──────→ cancelled
    ├─reject→ rejected └─cancel→ cancelled   └─one declines→ declined
    └─withdraw→ withdrawn (capacity used up, participant paused/withdrew/erased)
"""

from __future__ import annotations

from collections.abc import Collection

SUGGESTED = "suggested"
APPROVED = "approved"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
INTRODUCED = "introduced"
DECLINED = "declined"
ACTIVE = "active"
COMPLETED = "completed"
CANCELLED = "cancelled"

TRANSITIONS: dict[str, frozenset[str]] = {
    SUGGESTED: frozenset({APPROVED, REJECTED, WITHDRAWN}),
    APPROVED: frozenset({INTRODUCED, CANCELLED}),
    INTRODUCED: frozenset({ACTIVE, DECLINED, CANCELLED}),
    ACTIVE: frozenset({COMPLETED, CANCELLED}),
    REJECTED: frozenset(),
    WITHDRAWN: frozenset(),
    DECLINED: frozenset(),
    COMPLETED: frozenset(),
    CANCELLED: frozenset(),
}
STATES = frozenset(TRANSITIONS)
#: The states in the order a match lives through them, then the ways it can end: how lists show them.
IN_ORDER = (SUGGESTED, APPROVED, INTRODUCED, ACTIVE, COMPLETED, REJECTED, WITHDRAWN, DECLINED, CANCELLED)
#: States in which a match holds one unit of the counterpart's capacity, seats or openings.
HOLDS_CAPACITY = (APPROVED, INTRODUCED, ACTIVE)
#: States in which a flag asks the coordinators to act; a match leaving them takes its flag along.
FLAGGABLE = (INTRODUCED, ACTIVE)
OPEN = (SUGGESTED,)
KINDS = ("mentor", "language_course", "employer")
#: Why a coordinator rejects a suggestion: the dashboard's choices, and what the API files a reason
#: under (other words go under "other"), so statistics and the matcher's learning see codes.
REJECT_REASONS = ("not_a_good_fit", "language", "distance", "capacity", "participant_unreachable", "other")


#: Why a match stopped (matches.end_reason) when a participant or a coordinator ended it; a
#: withdrawal or a rejection stores its own code there. The side whose step it was is ended_by_side.
END_DECLINED = "declined"
END_REMATCH = "rematch_requested"
END_ERASED = "participant_erased"
END_COORDINATOR = "coordinator"
#: A participant ended one of their running or introduced matches on their manage page ("End this
#: match"), without asking for someone else; matches.reason keeps their optional words for the team.
END_PARTICIPANT = "ended_by_participant"
#: A side of a running mentor match said on its manage page that they are done and it went well
#: ("We are done – it went well"): the match is completed, not cancelled, and the matcher does not
#: look for another mentor until the newcomer asks for one (lifecycle.complete_by_participant).
END_FINISHED = "finished_by_participant"
#: Why lifecycle_jobs withdrew a suggestion: its course's start date has passed (matches.reason).
WITHDRAWN_COURSE_STARTED = "course_started"

#: Why a match needs a coordinator's look (matches.flag_code, with flagged_at). Intake sets them;
#: the dashboard and the notifier's digest label them in the reader's language. flag_reason holds
#: only words nobody coded (none are written now): shown as written, never read as a code.
FLAG_UNANSWERED = "unanswered"  # an introduction still unanswered some days after its reminder
FLAG_CHECKIN_NEWCOMER = "checkin_bad_newcomer"  # the newcomer's latest check-in: not a good fit
FLAG_CHECKIN_COUNTERPART = "checkin_bad_counterpart"  # the other side's latest check-in: the same
#: An active match whose two sides cannot reach each other (not both let their address be passed
#: on): a coordinator puts them in touch and clears it.
FLAG_CONNECT = "connect"
#: A check-in answered "not sure", or any answer with a message to the welcome centre: someone
#: should look (and read it). It stays until a coordinator marks it handled; it replaces no other
#: flag (the match page shows the messages whatever the flag).
FLAG_CHECKIN_MESSAGE = "checkin_unsure_or_message"
#: An employer's or course provider's latest check-in: the job did not come about, or the newcomer
#: never started the course or stopped attending it; the match holds a place it does not use.
FLAG_CHECKIN_DID_NOT_HAPPEN = "checkin_did_not_happen"
#: A newcomer's or a mentor's latest check-in: "we have not been in touch yet" (review 8d, finding
#: 7); a coordinator finds out why and helps them connect. It names no side (the match page does).
FLAG_CHECKIN_NOT_IN_TOUCH = "checkin_not_in_touch"
CHECKIN_FLAGS = {"newcomer": FLAG_CHECKIN_NEWCOMER, "counterpart": FLAG_CHECKIN_COUNTERPART}
#: The flags a check-in's answer sets and a later, better answer takes away again. They replace a
#: connect flag, which comes back when they go if the two still need it (lifecycle._unflag).
CHECKIN_OUTCOME_FLAGS = (*CHECKIN_FLAGS.values(), FLAG_CHECKIN_DID_NOT_HAPPEN, FLAG_CHECKIN_NOT_IN_TOUCH)
FLAGS = (FLAG_UNANSWERED, FLAG_CHECKIN_NEWCOMER, FLAG_CHECKIN_COUNTERPART, FLAG_CONNECT, FLAG_CHECKIN_MESSAGE,
         FLAG_CHECKIN_DID_NOT_HAPPEN, FLAG_CHECKIN_NOT_IN_TOUCH)
#: A match's two sides (match_responses.side, checkins.side), in the order lists name them.
SIDES = ("newcomer", "counterpart")


def silent_sides(answered: Collection[str]) -> list[str]:
    """The sides that have not answered an introduction, given the sides that have (match_responses):
    whom lifecycle_jobs.remind writes to, and whom an unanswered flag names (unanswered_flag_sides)."""
    return [side for side in SIDES if side not in answered]


def unanswered_flag_sides(flag_code: str | None, status: str, answered: Collection[str]) -> list[str]:
    """The sides the dashboard ("No answer from: …") and the digest name for a match's flag: the
    silent_sides of an introduction flagged unanswered (review 8d, finding 10); none for any other
    flag, or once the match no longer waits for answers."""
    if flag_code != FLAG_UNANSWERED or status != INTRODUCED:
        return []
    return silent_sides(answered)


def rejection_reason(code: str, note: str | None) -> str:
    """What a rejection stores as its reason: the code, and the coordinator's note behind it."""
    return code + (f": {note}" if note else "")


class TransitionError(Exception):
    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(f"a {current} match cannot become {wanted}")
        self.current = current
        self.wanted = wanted


def check_transition(current: str, wanted: str) -> None:
    if wanted not in TRANSITIONS.get(current, frozenset()):
        raise TransitionError(current, wanted)
