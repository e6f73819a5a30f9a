"""What a verified newcomer's manage page says about each wish (a mentor, a German course, a job)
that has neither an open suggestion nor a running match: what is being looked for and, where the
matcher's own rules (lotse.shared.feasibility) can tell it from the offers there are now, why
nothing is there yet and what the person could change (review 8f, finding 7).

The offers are read as the matcher's pools read them (lotse.shared.offer_pools: verified owners,
room left, open, a course not begun) and the counterparts the matcher would not suggest again are
left out (its excluded_pairs). A reason is a "what if" put to the same feasibility functions: the
newcomer with every course time ticked, with meeting online allowed, or for a job with no commute
limit or better German (lotse.shared.job_wait, whose answer the matcher writes to the waitlist). Nothing here
writes; the matcher's waitlist stays the coordinators' record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

import asyncpg

from lotse.intake.validation import N_
from lotse.shared import feasibility, job_wait, matches, offer_pools, reference
from lotse.shared.languages import shared_languages
from lotse.shared.profiles import Course, Mentor, Newcomer, Position, newcomer_from_row

MENTOR_LOOKING: Final = N_("A mentor: we are still looking.")
MENTOR_NO_LANGUAGE: Final = N_(
    "A mentor: at the moment no mentor with a free place speaks one of your languages (both of you at level "
    "B1 or better). If you speak other languages too, add them below: that widens the search.")
MENTOR_ONLINE: Final = N_(
    "A mentor: the mentors who speak your languages live too far away to meet in person. If meeting online "
    "is fine for you, tick it below: that widens the search.")
MENTOR_NONE: Final = N_(
    "A mentor: at the moment no mentor who speaks your languages has a free place within reach. We keep looking.")
COURSE_LOOKING: Final = N_("A German course at level %(level)s: we are still looking.")
# The km are the matcher's fixed course radius, said from where: not the newcomer's commute answer
# (review 8h, finding 7).
COURSE_TIMES: Final = N_(
    "A German course at level %(level)s: at the moment there is none online or within %(km)s km of where you "
    "live (%(district)s) at the times you ticked. Ticking more course times below widens the search.")
COURSE_NONE: Final = N_(
    "A German course at level %(level)s: at the moment there is none with free places online or within "
    "%(km)s km of where you live (%(district)s). We keep looking.")
JOB_LOOKING: Final = N_("A job: we are still looking.")
JOB_GERMAN: Final = N_(
    "A job: the open positions in your field ask for German at level %(level)s or better. Improving your "
    "German, for example in a German course, opens them.")
JOB_COMMUTE: Final = N_(
    "A job: the nearest open position in your field is farther than the %(km)s km you would commute "
    "(%(place)s, %(distance)s km). If you could travel farther or move, change your answer below.")
JOB_GERMAN_COMMUTE: Final = N_(
    "A job: the nearest open position in your field asks for German at level %(level)s or better and is farther "
    "than the %(km)s km you would commute (%(place)s, %(distance)s km). It needs both: better German, for "
    "example after a German course, and travelling farther or moving (change your answer below).")
JOB_NONE: Final = N_("A job: at the moment there is no open position in your field that fits you. We keep looking.")

@dataclass(frozen=True, slots=True)
class Wish:
    kind: str  # the match kind: mentor, language_course, employer
    message: str  # one of the msgids above
    params: dict[str, object] = field(default_factory=dict)
    # The manage form's field the message asks to change ("below"), linked from the line so nobody
    # has to find it by hand (review 8j, finding 1); None when there is nothing to change.
    field: str | None = None


async def of_newcomer(conn: asyncpg.Connection, row: Any) -> list[Wish]:
    """Each wish of a verified newcomer's that has nothing open or running, with its line."""
    if row["kind"] != "newcomer" or row["status"] != "verified":
        return []  # paused or unconfirmed: nobody looks, and the status line says so
    newcomer = newcomer_from_row(row)
    busy = {r["kind"] for r in await conn.fetch(
        "SELECT DISTINCT kind FROM matches WHERE newcomer_id = $1 AND status = ANY($2::text[])",
        newcomer.id, [*matches.OPEN, *matches.HOLDS_CAPACITY])}
    kinds = [kind for kind in feasibility.wanted_kinds(newcomer) if kind not in busy]
    if not kinds:
        return []
    excluded = await offer_pools.excluded_pairs(conn, newcomer.id)  # the matcher would not suggest them again
    wishes = []
    for kind in kinds:
        if kind == "mentor":
            wishes.append(mentor_wish(newcomer, [m for m in await offer_pools.mentors(conn) if m.id not in excluded]))
        elif kind == "language_course":
            wishes.append(course_wish(newcomer, [c for c in await offer_pools.courses(conn)
                                                 if c.seats_left > 0 and c.id not in excluded]))
        else:
            wishes.append(job_wish(newcomer, [p for p in await offer_pools.positions(conn)
                                              if p.openings_left > 0 and p.id not in excluded]))
    return wishes


def mentor_wish(newcomer: Newcomer, mentors: Iterable[Mentor]) -> Wish:
    mentors = [m for m in mentors if m.capacity_left > 0]
    if any(feasibility.mentor_feasible(newcomer, m) for m in mentors):
        return Wish("mentor", MENTOR_LOOKING)
    if not any(shared_languages(newcomer.languages, m.languages) for m in mentors):
        return Wish("mentor", MENTOR_NO_LANGUAGE, field="languages")
    online = dataclasses.replace(newcomer, online_ok=True)
    if not newcomer.online_ok and any(feasibility.mentor_feasible(online, m) for m in mentors):
        return Wish("mentor", MENTOR_ONLINE, field="online_ok")
    return Wish("mentor", MENTOR_NONE)


def course_wish(newcomer: Newcomer, courses: Iterable[Course]) -> Wish:
    courses = list(courses)
    said: dict[str, object] = {"level": feasibility.next_german_level(newcomer),
                               "km": f"{feasibility.COURSE_MAX_KM:.0f}", "district": _district(newcomer.district)}
    if any(feasibility.course_feasible(newcomer, c) for c in courses):
        return Wish("language_course", COURSE_LOOKING, said)
    every_time = dataclasses.replace(newcomer, course_schedules=frozenset(reference.taxonomy()["schedules"]))
    if any(feasibility.course_feasible(every_time, c) for c in courses):
        return Wish("language_course", COURSE_TIMES, said, field="course_schedules")
    return Wish("language_course", COURSE_NONE, said)


def job_wish(newcomer: Newcomer, positions: Iterable[Position]) -> Wish:
    """The matcher's own answer (lotse.shared.job_wait, which it writes to the waitlist), in words."""
    wait = job_wait.job_wait(newcomer, positions)
    said: dict[str, object] = {}
    if wait.nearest is not None and wait.km is not None:
        said = {"km": newcomer.max_commute_km, "place": _district(wait.nearest.district),
                "distance": f"{wait.km:.0f}"}
    if wait.level:
        said["level"] = wait.level
    message = {job_wait.FITS: JOB_LOOKING, job_wait.COMMUTE: JOB_COMMUTE, job_wait.GERMAN: JOB_GERMAN,
               job_wait.GERMAN_AND_COMMUTE: JOB_GERMAN_COMMUTE}.get(wait.reason, JOB_NONE)
    commute = message in (JOB_COMMUTE, JOB_GERMAN_COMMUTE)  # "change your answer below"
    return Wish("employer", message, said, field="max_commute_km" if commute else None)


def _district(code: str) -> str:
    """A district's name as the pages' district lists show it (German, in every language)."""
    district = reference.districts().get(code)
    return district.name if district else code
