"""A match's and the audit log's stored reasons and changes in the coordinator's language.

Intake and the matcher store some of these as codes ("not_a_good_fit: note", "stale"), some as
fixed English phrases ("declined by newcomer", a flag's "no answer after a reminder"), and some
as a coordinator's own words (ending a match). The codes and phrases are labelled here; a
coordinator's words are shown as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from lotse.intake.dashboard import profile
from lotse.intake.dashboard.vocabulary import GROUPS, Vocabulary
from lotse.intake.validation import N_

# lifecycle.py writes these with the side that answered; the side is the only variable part.
PHRASES: Final = {
    "declined by newcomer": N_("Declined by the newcomer"),
    "declined by counterpart": N_("Declined by the other side"),
    "re-match requested by newcomer": N_("The newcomer asked for someone else"),
    "re-match requested by counterpart": N_("The other side asked for someone else"),
    "no answer after a reminder": N_("No answer after a reminder"),
    "check-in: newcomer says it is not a good fit": N_("Check-in: the newcomer says it is not a good fit"),
    "check-in: counterpart says it is not a good fit": N_("Check-in: the other side says it is not a good fit"),
}
# Who the counterpart of a match is, by the match's kind.
COUNTERPART: Final = {"mentor": "mentor", "language_course": "language_provider", "employer": "employer"}
_ROUND = re.compile(r"round ([0-9a-f-]{36})")


def reason(v: Vocabulary, text: str | None) -> str:
    """A match's stored reason or flag: a code with the coordinator's note behind it, a phrase, or own words."""
    if not text:
        return ""
    if text in PHRASES:
        return v._(PHRASES[text])
    if text in GROUPS["withdraw_reason"]:
        return v.label("withdraw_reason", text)
    code, colon, note = text.partition(": ")
    if code in GROUPS["reject_reason"]:
        return v.label("reject_reason", code) + (f": {note}" if colon else "")
    return text


def side(v: Vocabulary, kind: str, which: str) -> str:
    """"newcomer" or "counterpart" of a match, named as who they are (mentor, employer, …)."""
    return v.label("participant_kind", "newcomer" if which == "newcomer" else COUNTERPART.get(kind, which))


def detail(v: Vocabulary, action: str, text: str | None) -> str:
    """An audit entry's detail: a rejection's reason code, the round of a bulk approval, or words."""
    if not text:
        return ""
    if action == "match.reject" and text in GROUPS["reject_reason"]:
        return v.label("reject_reason", text)
    found = _ROUND.fullmatch(text)
    if found:
        return v._("in matching round %(id)s") % {"id": found[1]}
    return reason(v, text)


def state(v: Vocabulary, subject_type: str, values: Mapping[str, Any] | None) -> str:
    """An audit entry's before or after ({"status": …}, {"active": …}, {"email": …, "role": …}, a
    course's or position's changed fields)."""
    if subject_type in ("course", "position"):  # an owner's change: fields as the profile shows them
        return ", ".join(f"{label}: {value}" for label, value in profile.rows(v, values))
    shown = []
    for key, value in (values or {}).items():
        if key == "status":
            shown.append(v.label("participant_status" if subject_type == "participant" else "match_status", value))
        elif key == "objective":
            shown.append(v.label("round_objective", value))
        elif key == "role":
            shown.append(v.label("role", value))
        elif key == "active":
            shown.append(v._("active") if value else v._("deactivated"))
        else:
            shown.append(str(value))
    return ", ".join(shown)
