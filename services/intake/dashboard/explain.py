"""A score factor's sentence in the coordinator's language.

The matcher stores each factor with an English sentence (`detail`), and the API hands that out
unchanged. It stores no structured values beside it, so the dashboard reads the values back out
of the sentence, one pattern per sentence the matcher writes (`lotse.matcher.features`), and
says it again with labels and numbers in its own language. A sentence no pattern knows (from an
older matcher) is shown as it is, marked as English. `tests/unit/test_dashboard_explain.py`
builds every sentence with the matcher's own functions, so a reworded sentence fails there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any, Final

from babel import Locale

from lotse.intake.dashboard.vocabulary import ZONE, Vocabulary
from lotse.intake.validation import N_
from lotse.shared import matches, matches_db, reference

Render = Callable[[Vocabulary, "re.Match[str]"], str]

# The matcher's phrases inside the household sentence of a job suggestion.
HOUSEHOLD_ITEMS: Final = {
    "childcare support": N_("support with childcare"),
    "no childcare support": N_("no support with childcare"),
    "help for the partner's job search": N_("help with the partner's job search"),
    "no help for the partner's job search": N_("no help with the partner's job search"),
}


@cache
def _language_codes() -> dict[str, str]:
    """English language name → code: the matcher names languages in English."""
    return {str(name): str(code) for code, name in Locale("en").languages.items()}


def _language(v: Vocabulary, name: str) -> str:
    return v.language(_language_codes().get(name, name))


def _codes(v: Vocabulary, group: str, text: str) -> str:
    return v.labels(group, [code.strip() for code in text.split(",")])


def _percent(v: Vocabulary, text: str) -> str:
    return v.percent(int(text) / 100)


def _household(v: Vocabulary, m: re.Match[str]) -> str:
    items = [v._(HOUSEHOLD_ITEMS[item]) if item in HOUSEHOLD_ITEMS else item for item in m[1].split(", ")]
    return v._("Household: %(items)s.") % {"items": ", ".join(items)}


def _helps(v: Vocabulary, m: re.Match[str]) -> str:
    values = {"covered": v.num(int(m[2])), "total": v.num(int(m[3]))}
    if m[1] == "none":
        return v._("Helps with none of the %(total)s needs.") % values
    return v._("Helps with %(needs)s (%(covered)s of %(total)s needs).") % {**values,
                                                                           "needs": _codes(v, "need", m[1])}


def _german(v: Vocabulary, m: re.Match[str]) -> str:
    values = {"have": m[1], "need": m[2]}
    if m[1] == "none":
        if m[3]:
            return v._("No German yet, %(need)s required, with a German course during work.") % values
        return v._("No German yet, %(need)s required.") % values
    if m[3]:
        return v._("German %(have)s, %(need)s required, with a German course during work.") % values
    return v._("German %(have)s, %(need)s required.") % values


@dataclass(frozen=True, slots=True)
class Shown:
    """When a sentence is shown: `today` on Thuringia's calendar, and the days an open suggestion
    has waited since the matcher wrote it (0 for a decided one: its sentence tells how it was).
    `starts_on`: the course's start as its row says now (sides.COLUMNS' course_starts_on), None
    when the match has no course row (gone, or not a course); `late_entry_weeks`: the row's too
    (sides.COLUMNS' course_late_entry_weeks), None without late entry."""

    today: date
    days_since: int = 0
    starts_on: date | None = None
    late_entry_weeks: int | None = None


def shown(match: Mapping[str, Any] | None, today: date | None = None) -> Shown:
    """Shown for a suggestion's explanation: counted on from its `created_at` while it is open."""
    today = today or reference.today()
    starts_on = (match or {}).get("course_starts_on")
    late = (match or {}).get("course_late_entry_weeks")
    created = (match or {}).get("created_at")
    if created is None or (match or {}).get("status", matches.SUGGESTED) != matches.SUGGESTED:
        return Shown(today, starts_on=starts_on, late_entry_weeks=late)
    return Shown(today, max(0, (today - created.astimezone(ZONE).date()).days), starts_on, late)


def _start(v: Vocabulary, m: re.Match[str], when: Shown) -> str:
    said = _start_day(v, m, when)
    if m["abroad"]:  # why a soon start scored low: the matcher's features.BEFORE_ARRIVAL
        return said + " " + v._("Still abroad: a course starting soon may come before arrival.")
    return said


def _start_day(v: Vocabulary, m: re.Match[str], when: Shown) -> str:
    # From the date, not the stored days: "starts in 21 days" was true on the day of the suggestion.
    # And from the course's row, not the sentence's date, which its provider may have moved since
    # (review 8c, finding 1); the sentence's date only when the row is gone.
    starts_on = when.starts_on or date.fromisoformat(m["date"])
    days, values = (starts_on - when.today).days, {"date": v.date(starts_on)}
    if days > 0:
        return v.ngettext("Starts in %(days)s day (%(date)s).", "Starts in %(days)s days (%(date)s).", days) % {
            **values, "days": v.num(days)}
    if days == 0:
        return v._("Starts today (%(date)s).") % values
    # Past its start day on Thuringia's calendar. Newcomers can still join until its late-entry
    # deadline (matches_db.course_started's rule, counted from the same `today`), which is said.
    until = matches_db.entry_until(starts_on, when.late_entry_weeks)
    if until >= when.today:
        return v.ngettext("Started %(days)s day ago (%(date)s); entry possible until %(until)s.",
                          "Started %(days)s days ago (%(date)s); entry possible until %(until)s.", -days) % {
            **values, "days": v.num(-days), "until": v.date(until)}
    return v.ngettext("Started %(days)s day ago (%(date)s).", "Started %(days)s days ago (%(date)s).", -days) % {
        **values, "days": v.num(-days)}


def _waiting(v: Vocabulary, m: re.Match[str], when: Shown) -> str:
    days = int(m[1]) + when.days_since
    return v.ngettext("Waiting for %(days)s day.", "Waiting for %(days)s days.", days) % {"days": v.num(days)}


def _fixed(message: str) -> Render:
    return lambda v, m: v._(message)


def _same(sentence: str) -> tuple[str, Render]:
    """A sentence without values, translated as it stands."""
    return re.escape(sentence), _fixed(sentence)


PATTERNS: Final[Mapping[str, tuple[tuple[re.Pattern[str], Render], ...]]] = {
    factor: tuple((re.compile(pattern), render) for pattern, render in rules) for factor, rules in {
        "language": (
            _same(N_("No language in common at B1 or better.")),
            (r"They can speak (.+), the newcomer's mother tongue, while German is still weak\.",
             lambda v, m: v._("They can speak %(language)s, the newcomer's mother tongue, while German is still weak.")
             % {"language": _language(v, m[1])}),
            # A third language; and what matchers before review 5 wrote for a mother tongue, still stored.
            (r"(.+) as a bridge language while German is still weak\.",
             lambda v, m: v._("%(language)s as a bridge language while German is still weak.")
             % {"language": _language(v, m[1])}),
            (r"Both speak (.+) well \((\S+) and (\S+)\)\.",
             lambda v, m: v._("Both speak %(language)s well (%(first)s and %(second)s).")
             % {"language": _language(v, m[1]), "first": v.level(m[2]), "second": v.level(m[3])}),
        ),
        "distance": (
            (r"Same district \((.+)\)\.", lambda v, m: v._("Same district (%(place)s).") % {"place": m[1]}),
            (r"(.+): (\d+) km, so meetings online\.",
             lambda v, m: v._("%(places)s: %(km)s km, so meetings online.") % {"places": m[1],
                                                                               "km": v.num(int(m[2]))}),
            # A job within the distance the newcomer would commute (features._position_distance).
            (r"(.+): (\d+) km apart, within the (\d+) km the newcomer would commute\.",
             lambda v, m: v._("%(places)s: %(km)s km apart, within the %(limit)s km the newcomer would commute.")
             % {"places": m[1], "km": v.num(int(m[2])), "limit": v.num(int(m[3]))}),
            (r"(.+): (\d+) km apart\.",
             lambda v, m: v._("%(places)s: %(km)s km apart.") % {"places": m[1], "km": v.num(int(m[2]))}),
            _same(N_("Online course.")),
        ),
        "needs": (
            (r"Helps with (.+) \((\d+) of (\d+) needs\)\.", _helps),
            _same(N_("The newcomer named no particular needs.")),
        ),
        "occupation": (
            (r"Same field \((.+)\): professional mentoring\.",
             lambda v, m: v._("Same field (%(field)s): professional mentoring.")
             % {"field": v.label("occupation", m[1])}),
            _same(N_("Different fields.")),
        ),
        "about": (
            (r"Their own words have (\d+)% in common\.",
             lambda v, m: v._("Their own words have %(percent)s in common.") % {"percent": _percent(v, m[1])}),
        ),
        "household": (
            _same(N_("Childcare during the course.")),
            _same(N_("No childcare, though a small child comes along.")),
            _same(N_("No childcare needed.")),
            (r"Household: (.+)\.", _household),
            _same(N_("No family needs to weigh.")),
        ),
        "schedule": (
            (r"(\S+) course, (\S+), as the newcomer asked\.",
             lambda v, m: v._("%(level)s course, %(schedule)s, as the newcomer asked.")
             % {"level": m[1], "schedule": v.label("schedule", m[2])}),
        ),
        "german": ((r"German (\S+) for (\S+) required(, with a German course during work)?\.", _german),),
        "offers": (
            (r"Offers no extra support\.", _fixed(N_("No extra support."))),
            (r"Offers (.+)\.",
             lambda v, m: v._("Offers: %(offers)s.") % {"offers": _codes(v, "offer", m[1])}),
        ),
        "learned": (
            (r"Coordinators' earlier decisions on similar pairs \((\d+) decisions\): (\d+)% likely to be approved\.",
             lambda v, m: v._("Coordinators' earlier decisions on similar pairs (%(n)s decisions): "
                              "%(percent)s likely to be approved.")
             % {"n": v.num(int(m[1])), "percent": _percent(v, m[2])}),
        ),
    }.items()
}


#: Sentences that count days: said again as of the day they are shown (review 8a, finding 2).
DATED: Final[Mapping[str, tuple[re.Pattern[str], Callable[[Vocabulary, re.Match[str], Shown], str]]]] = {
    "waiting": (re.compile(r"Waiting for (\d+) days\."), _waiting),
    # "Started … ago": the matcher's sentence for a course that only late entry keeps open.
    # And for a newcomer still abroad and a course in person, why a soon start did not count.
    "start": (re.compile(r"(?:Starts in -?\d+|Started \d+) days(?: ago)? \((?P<date>\d{4}-\d\d-\d\d)\)\."
                         r"(?P<abroad> Still abroad: a course starting soon may come before arrival\.)?"), _start),
}


def explain(v: Vocabulary, entry: Mapping[str, Any], match: Mapping[str, Any] | None = None,
            *, today: date | None = None) -> tuple[str, str | None]:
    """(sentence, language of the sentence if it is not the page's) for one explanation entry of
    `match`. A course's start (its row's `course_starts_on`, else the sentence's date) is counted
    from `today` (Thuringia's, unless given); the newcomer's waiting time, while the suggestion is
    open, on from its created_at."""
    detail = str(entry.get("detail") or "")
    dated = DATED.get(str(entry.get("factor")))
    found = dated[0].fullmatch(detail) if dated else None
    if dated and found:
        return dated[1](v, found, shown(match, today)), None
    for pattern, render in PATTERNS.get(str(entry.get("factor")), ()):
        found = pattern.fullmatch(detail)
        if found:
            return render(v, found), None
    return detail, (None if v.locale == "en" else "en")
