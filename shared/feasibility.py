"""The contract's hard constraints. A pair that fails one is never suggested, whatever its score.

The matcher filters its candidates with these; intake (through offer_fit.py) withdraws a
suggestion that a change to its course or position made fail one.
"""

from __future__ import annotations

from typing import Final

from lotse.shared import german
from lotse.shared.languages import shared_languages
from lotse.shared.meeting import in_reach
from lotse.shared.profiles import Course, Mentor, Newcomer, Position
from lotse.shared.reference import district_distance_km, level_rank

B1: Final = level_rank("B1")
COURSE_MAX_KM: Final = 50.0
COURSE_LEVELS: Final = ("A1", "A2", "B1", "B2", "C1")


def next_german_level(newcomer: Newcomer) -> str | None:
    """The course level a newcomer needs next; None when beyond what courses offer."""
    rank = level_rank(newcomer.german or "")
    if rank == 0:
        return "A1"
    return COURSE_LEVELS[rank] if rank < len(COURSE_LEVELS) else None


def mentor_feasible(newcomer: Newcomer, mentor: Mentor) -> bool:
    if mentor.capacity_left <= 0 or not shared_languages(newcomer.languages, mentor.languages):
        return False
    # A newcomer still abroad is measured from the district they will live in: one who declines
    # online meets the mentor after arriving (docs/decisions.md).
    return in_reach(district_distance_km(newcomer.district, mentor.district), mentor.max_distance_km,
                    mentor.online_ok, newcomer.online_ok)


def course_feasible(newcomer: Newcomer, course: Course) -> bool:
    if course.seats_left <= 0 or course.schedule not in newcomer.course_schedules:
        return False
    if course.level != next_german_level(newcomer):
        return False
    return course.format == "online" or district_distance_km(newcomer.district, course.district) <= COURSE_MAX_KM


def german_gap(newcomer: Newcomer, position: Position) -> int:
    """Levels the newcomer's German is above (+) or below (-) what the position asks."""
    return german.german_gap(newcomer.german, position.min_german_level)


def opening_in_field(newcomer: Newcomer, position: Position) -> bool:
    """An opening left in the newcomer's field: what the other rules (commute, German) are put to,
    and all the waitlist's "why no job" needs for a position to matter (lotse.shared.job_wait)."""
    return position.openings_left > 0 and position.occupation_field == newcomer.occupation_field


def position_feasible(newcomer: Newcomer, position: Position) -> bool:
    if not opening_in_field(newcomer, position):
        return False
    if not within_commute(newcomer, position):
        return False
    return german.german_fits(newcomer.german, position.min_german_level, position.offers)


def within_commute(newcomer: Newcomer, position: Position) -> bool:
    """The position lies within the distance the newcomer said they would commute (None: anywhere,
    they would also move). Measured between district seats as every distance here, so a newcomer
    still abroad from the district they will live in (docs/decisions.md, "How far a newcomer would
    commute for a job")."""
    if newcomer.max_commute_km is None:
        return True
    return district_distance_km(newcomer.district, position.district) <= newcomer.max_commute_km


def wants_course(newcomer: Newcomer) -> bool:
    return bool(newcomer.course_schedules) and next_german_level(newcomer) is not None


def wanted_kinds(newcomer: Newcomer) -> list[str]:
    """The match kinds the matcher looks for on a newcomer's behalf (and the manage page speaks of)."""
    kinds = []
    if newcomer.wants_mentor:
        kinds.append("mentor")
    if wants_course(newcomer):
        kinds.append("language_course")
    if newcomer.seeks_work:  # one who came with a job is neither offered one nor waits for one
        kinds.append("employer")
    return kinds
