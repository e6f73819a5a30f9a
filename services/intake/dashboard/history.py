"""A match's and the audit log's stored reasons and changes in the coordinator's language.

Why a match stopped is a code with the side whose step it was (matches.end_reason and
ended_by_side); so is a flag (matches.flag_code); ending a match takes a coordinator's own words,
and a rejection a note. Codes are labelled here; words are shown as written, even when they read
like one of intake's labels.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any, Final

from lotse.intake import audit, checkin_answers
from lotse.intake.dashboard import profile
from lotse.intake.dashboard.vocabulary import GROUPS, Vocabulary
from lotse.intake.validation import N_
from lotse.shared import matches
from lotse.shared.name_search import with_latin_inline

# A participant's step that ended a match, by its end_reason and ended_by_side.
BY_SIDE: Final = {
    (matches.END_DECLINED, "newcomer"): N_("Declined by the newcomer"),
    (matches.END_DECLINED, "counterpart"): N_("Declined by the other side"),
    (matches.END_REMATCH, "newcomer"): N_("The newcomer asked for someone else"),
    (matches.END_REMATCH, "counterpart"): N_("The other side asked for someone else"),
    (matches.END_PARTICIPANT, "newcomer"): N_("Ended by the newcomer on their page"),
    (matches.END_PARTICIPANT, "counterpart"): N_("Ended by the other side on their page"),
    (matches.END_FINISHED, "newcomer"): N_("Completed by the newcomer on their page: it went well"),
    (matches.END_FINISHED, "counterpart"): N_("Completed by the mentor on their page: it went well"),
}
# Flags intake writes, by matches.flag_code; a check-in's names the side whose answer it was.
FLAGS: Final = {
    matches.FLAG_UNANSWERED: N_("No answer after a reminder"),
    matches.FLAG_CHECKIN_NEWCOMER: N_("Check-in: the newcomer says it is not a good fit"),
    matches.FLAG_CHECKIN_COUNTERPART: N_("Check-in: the other side says it is not a good fit"),
    matches.FLAG_CONNECT: N_("Both accepted, but their addresses were not passed on: please put them in touch"),
    matches.FLAG_CHECKIN_MESSAGE: N_("Check-in: not sure, or a message to the welcome centre"),
    matches.FLAG_CHECKIN_DID_NOT_HAPPEN:
        N_("Check-in: the employer or course provider says it did not come about or has stopped"),
    matches.FLAG_CHECKIN_NOT_IN_TOUCH: N_("Check-in: they have not been in touch yet, please help them connect"),
}
# An organisation's outcome flag by who said what (review 8c, finding 7): "Course provider: never
# started", not one label for a job that did not come about and a course nobody turned up to.
BY_ANSWER: Final = N_("Check-in – %(side)s: %(answer)s")
# An unanswered introduction's flag names the side still silent (review 8d, finding 10), from
# match_responses: "No answer from: Newcomer (Katarzyna Nowak)"; both when neither answered.
NO_ANSWER_FROM: Final = N_("No answer from: %(sides)s")
# Who the counterpart of a match is, by the match's kind.
COUNTERPART: Final = {"mentor": "mentor", "language_course": "language_provider", "employer": "employer"}
# Who made a participant's own entry, where the role's "the participant, on their manage page" is
# not all: an address change is confirmed with the link in the new mailbox, not on the manage page,
# and a consent to share contact details is one side's, as the match page says too.
BY_LINK: Final = {"participant.email_changed": N_("the participant, with the link sent to their new address")}
ONE_SIDE: Final = N_("the participant (%(side)s), on their manage page")
_ROUND = re.compile(r"round ([0-9a-f-]{36})")


def flag(v: Vocabulary, match: Mapping[str, Any], checked_in: Mapping[tuple[Any, str], Mapping[str, Any]],
         answered: Mapping[tuple[Any, str], str]) -> str:
    """Why a match is flagged: its flag_code's label, or the words stored as its flag_reason.

    `checked_in` is each side's latest check-in by (match id, side) (own_matches.latest_checkins):
    an organisation's outcome flag names its side and answer from it, as check_in set the flag.
    `answered` is each side's answer to the introduction by (match id, side) (own_matches.answers):
    an introduction's unanswered flag names who has not answered (the match row's sides.COLUMNS)."""
    code = match["flag_code"] or ""
    mine = {which for which in matches.SIDES if (match["id"], which) in answered}
    if silent := matches.unanswered_flag_sides(code, match["status"], mine):
        return v._(NO_ANSWER_FROM) % {"sides": ", ".join(_named(v, match, which) for which in silent)}
    latest = checked_in.get((match["id"], "counterpart"))
    if code == matches.FLAG_CHECKIN_DID_NOT_HAPPEN and latest and latest["answer"] in checkin_answers.DID_NOT_HAPPEN:
        return v._(BY_ANSWER) % {"side": side(v, match["kind"], "counterpart"),
                                 "answer": v.label("checkin", latest["answer"])}
    label = FLAGS.get(code)
    return v._(label) if label else match["flag_reason"] or ""


def _named(v: Vocabulary, match: Mapping[str, Any], which: str) -> str:
    """One side of a match as who they are and their name: "Mentor/in (Martina Fischer)"; a Cyrillic
    name with its Latin spelling after a slash, not in brackets inside the brackets."""
    name, locale, given = ((match["newcomer_name"], match["newcomer_locale"], match.get("newcomer_name_latin"))
                           if which == "newcomer"
                           else (match["other_name"], match["other_locale"], match.get("other_name_latin")))
    return f"{side(v, match['kind'], which)} ({with_latin_inline(name, locale, v.locale, given) or '–'})"


def reason(v: Vocabulary, text: str | None) -> str:
    """An audit entry's or a match's stored words: a code with the coordinator's note behind it, or own words."""
    if not text:
        return ""
    if text in GROUPS["withdraw_reason"]:
        return v.label("withdraw_reason", text)
    code, colon, note = text.partition(": ")
    if code in GROUPS["reject_reason"]:
        return v.label("reject_reason", code) + (f": {note}" if colon else "")
    return text


def ending(v: Vocabulary, match: Mapping[str, Any]) -> str:
    """Why a match stopped: its end_reason's label, with a rejection's note behind it, or the words
    a coordinator ended it with. A match without a code (none ended it) shows its reason as stored."""
    code, text = match["end_reason"], match["reason"] or ""
    if code is None:
        return reason(v, text)
    by_side = BY_SIDE.get((code, match["ended_by_side"]))
    if by_side and code in (matches.END_PARTICIPANT, matches.END_FINISHED) and text:  # with their words, if any
        return f"{v._(by_side)}: {text}"
    if by_side:
        return v._(by_side)
    if code == matches.END_COORDINATOR:
        return text
    if code in GROUPS["reject_reason"]:  # stored as matches.rejection_reason wrote it, or the code alone
        return reason(v, text or code)
    return v.label("withdraw_reason", code)


def side(v: Vocabulary, kind: str, which: str) -> str:
    """"newcomer" or "counterpart" of a match, named as who they are (mentor, employer, …)."""
    return v.label("participant_kind", "newcomer" if which == "newcomer" else COUNTERPART.get(kind, which))


def who(v: Vocabulary, entry: Mapping[str, Any]) -> str:
    """An audit entry's actor role as the audit page says it (see BY_LINK): for a match, which side
    of it the participant is, when the entry still has the match's sides (audit_log.entries)."""
    role, action = entry["actor_role"], entry["action"]
    if role != audit.PARTICIPANT:
        return v.label("role", role)
    if action in BY_LINK:
        return v._(BY_LINK[action])
    newcomer_id = entry.get("newcomer_id")
    if entry["subject_type"] == "match" and newcomer_id is not None:
        kind = "newcomer" if entry["actor_id"] == newcomer_id else entry.get("other_kind")
        if kind:
            return v._(ONE_SIDE) % {"side": v.label("participant_kind", kind)}
    return v.label("role", role)


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
        elif key == "rows":  # a CSV export's
            shown.append(v._("%(count)s rows") % {"count": value})
        elif key == "active":
            shown.append(v._("active") if value else v._("deactivated"))
        elif key == "kind" and subject_type == "coordinator":  # a login's (lotse.intake.login_throttle)
            shown.append(v.label("login_kind", value))
        elif key == "paused_until" and value:  # a pause's end (lotse.intake.pause)
            shown.append(v._("until %(date)s") % {"date": v.date(dt.date.fromisoformat(str(value)))})
        elif key in ("why", "noticed_on"):  # said after the status, below
            continue
        elif key == "erase_on" and value:  # a coordinator's keep: the deletion it cancelled
            shown.append(v._("deletion announced for %(date)s") % {"date": v.date(dt.date.fromisoformat(str(value)))})
        else:
            shown.append(str(value))
    if values and values.get("why"):  # a system erasure's reason and its notice's day (inactive.py, review 9c F8)
        why = v.label("erase_why", values["why"])
        if values.get("noticed_on"):
            why += " (" + v._("notice of %(date)s") % {
                "date": v.date(dt.date.fromisoformat(str(values["noticed_on"])))} + ")"
        shown.append(why)
    return ", ".join(shown)
