"""Feature values in 0..1 for a feasible pair, each with a sentence a coordinator can read.

The same features feed the rule-based prior (fixed weights) and the learned model, so the
explanation of a score always speaks about the things the model saw.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from lotse.shared import feasibility
from lotse.shared.childcare import needs_childcare as _needs_childcare
from lotse.shared.languages import shared_languages
from lotse.shared.meeting import meets_online
from lotse.shared.profiles import Course, Mentor, Newcomer, Position
from lotse.shared.reference import district_distance_km, districts, level_rank

NATIVE: Final = level_rank("native")
FAIRNESS_FULL_DAYS: Final = 60.0
# A job's distance is scored against this where the newcomer named no commute limit (they would move).
POSITION_SCALE_KM: Final = 150.0
# Half a level step: a shared language the newcomer speaks natively is worth more than a third one
# at the same level, never more than one a level better (docs/decisions.md).
MOTHER_TONGUE: Final = 0.1

# Names of languages in details (ISO 639-1); other codes are shown as they are.
LANGUAGE_NAMES: Final = {
    "de": "German", "en": "English", "ru": "Russian", "uk": "Ukrainian", "vi": "Vietnamese", "zh": "Chinese",
    "mn": "Mongolian", "sr": "Serbian", "az": "Azerbaijani", "pl": "Polish", "fr": "French", "ar": "Arabic",
    "tr": "Turkish", "es": "Spanish", "it": "Italian", "fa": "Persian",
}


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    value: float  # 0..1
    detail: str


def language_value(rank: int, own: bool) -> float:
    """The language feature before the weak-German bonus and the clip: B1 0.2 up to native 1.0, a step
    of 0.2 per level, and half a step more when it is the newcomer's mother tongue (``own``)."""
    return (rank - feasibility.B1 + 1) / (NATIVE - feasibility.B1 + 1) + (MOTHER_TONGUE if own else 0.0)


def _clip(x: float) -> float:
    return max(0.0, min(1.0, x))


def _place(code: str) -> str:
    district = districts().get(code)
    return district.name if district else code


def _language_feature(newcomer: Newcomer, other: dict[str, str]) -> Feature:
    shared = shared_languages(newcomer.languages, other)
    if not shared:
        return Feature("language", 0.0, "No language in common at B1 or better.")
    # The best shared level; at the same level the newcomer's mother tongue before a third language.
    code, rank = max(shared, key=lambda pair: (pair[1], newcomer.languages[pair[0]] == "native"))
    own = newcomer.languages[code] == "native"
    name = LANGUAGE_NAMES.get(code, code)
    value = language_value(rank, own)
    weak_german = level_rank(newcomer.german or "") < feasibility.B1
    if code != "de" and weak_german:
        # A language besides German matters most while the newcomer's German is still weak.
        if own:
            return Feature("language", _clip(value + 0.2),
                           f"They can speak {name}, the newcomer's mother tongue, while German is still weak.")
        return Feature("language", _clip(value + 0.2), f"{name} as a bridge language while German is still weak.")
    return Feature("language", _clip(value),
                   f"Both speak {name} well ({newcomer.languages[code]} and {other[code]}).")


def _distance_feature(newcomer: Newcomer, district: str, limit_km: float, online: bool) -> Feature:
    """``online``: the counterpart offers meeting online (a mentor only)."""
    km = district_distance_km(newcomer.district, district)
    places = f"{_place(newcomer.district)} – {_place(district)}"
    if km <= 0.5:
        return Feature("distance", 1.0, f"Same district ({_place(district)}).")
    if meets_online(km, limit_km, online, newcomer.online_ok):
        return Feature("distance", 0.3, f"{places}: {km:.0f} km, so meetings online.")
    return Feature("distance", _clip(1.0 - km / limit_km), f"{places}: {km:.0f} km apart.")


def _position_distance(newcomer: Newcomer, position: Position) -> Feature:
    """Scored against the distance the newcomer would commute, where they named one: 40 km is a
    long way for one who said 50, hardly any for one who would move (feasibility.within_commute)."""
    limit = newcomer.max_commute_km
    feature = _distance_feature(newcomer, position.district, float(limit or POSITION_SCALE_KM), online=False)
    km = district_distance_km(newcomer.district, position.district)
    if limit is None or km <= 0.5:  # no limit, or the same district: said as before
        return feature
    places = f"{_place(newcomer.district)} – {_place(position.district)}"
    return Feature(feature.name, feature.value,
                   f"{places}: {km:.0f} km apart, within the {limit} km the newcomer would commute.")


def waiting_feature(newcomer: Newcomer, now: datetime) -> Feature:
    days = max(0.0, (now - newcomer.waiting_since).total_seconds() / 86400)
    return Feature("waiting", _clip(days / FAIRNESS_FULL_DAYS), f"Waiting for {days:.0f} days.")


def needs_childcare(newcomer: Newcomer) -> bool:
    return _needs_childcare(newcomer.needs, newcomer.children_ages)  # the rule: lotse.shared.childcare


def mentor_features(newcomer: Newcomer, mentor: Mentor, text_similarity: float, now: datetime) -> list[Feature]:
    covered = sorted(newcomer.needs & mentor.helps_with)
    if newcomer.needs:
        needs = Feature(
            "needs", len(covered) / len(newcomer.needs),
            f"Helps with {', '.join(covered) or 'none'} ({len(covered)} of {len(newcomer.needs)} needs).",
        )
    else:
        needs = Feature("needs", 0.5, "The newcomer named no particular needs.")
    same_field = mentor.occupation_field == newcomer.occupation_field
    occupation = Feature(
        "occupation", 1.0 if same_field else 0.0,
        f"Same field ({newcomer.occupation_field}): professional mentoring." if same_field else "Different fields.",
    )
    return [
        _language_feature(newcomer, mentor.languages),
        _distance_feature(newcomer, mentor.district, mentor.max_distance_km, mentor.online_ok),
        needs,
        occupation,
        Feature("about", _clip(text_similarity), f"Their own words have {text_similarity:.0%} in common."),
        waiting_feature(newcomer, now),
    ]


#: A late entry's start score falls to nothing over these days: four weeks in, most of a module is missed.
LATE_ENTRY_DAYS: Final = 28
#: How far ahead a start still counts: a sooner start is better, up to four months ahead.
START_HORIZON_DAYS: Final = 120
#: Added to the start's sentence when a newcomer still abroad cannot be counted on to attend soon.
BEFORE_ARRIVAL: Final = "Still abroad: a course starting soon may come before arrival."


def start_feature(starts_on: date, today: date, *, before_arrival: bool = False) -> Feature:
    """A sooner start is better, up to four months ahead. A course only late entry keeps open
    (matches_db.course_started) has begun: joining it a day late is nearly as good as on time,
    four weeks late hardly, so its score falls with the days missed; it never outranks an equally
    near start for being under way.

    ``before_arrival``: the newcomer is still abroad and the course is held in person (or hybrid).
    The profile holds no arrival date, and a course starting now, or already running, is the one
    they are least likely to reach in time, so the scale is turned round: nothing for a begun course
    or one starting today, more the later it starts (review 8f, finding 2). Not a hard constraint:
    the contract's are fixed, and such a newcomer still gets a course suggested."""
    days = (starts_on - today).days
    when = (f"Starts in {days} days ({starts_on.isoformat()})." if days >= 0
            else f"Started {-days} days ago ({starts_on.isoformat()}).")
    if before_arrival:
        return Feature("start", _clip(days / START_HORIZON_DAYS), f"{when} {BEFORE_ARRIVAL}")
    if days >= 0:
        return Feature("start", _clip(1.0 - days / START_HORIZON_DAYS), when)
    return Feature("start", _clip(1.0 + days / LATE_ENTRY_DAYS), when)


def course_features(newcomer: Newcomer, course: Course, today: date, now: datetime) -> list[Feature]:
    if needs_childcare(newcomer):
        household = Feature(
            "household", 1.0 if course.childcare else 0.0,
            "Childcare during the course." if course.childcare else "No childcare, though a small child comes along.",
        )
    else:
        household = Feature("household", 0.5, "No childcare needed.")
    # One attends an online course from abroad as well: its start is scored as for everyone.
    start = start_feature(course.starts_on, today, before_arrival=newcomer.abroad and course.format != "online")
    distance = (
        Feature("distance", 1.0, "Online course.")
        if course.format == "online"
        else _distance_feature(newcomer, course.district, feasibility.COURSE_MAX_KM, online=False)
    )
    schedule = Feature("schedule", 1.0, f"{course.level} course, {course.schedule}, as the newcomer asked.")
    return [schedule, distance, household, start, waiting_feature(newcomer, now)]


def position_features(newcomer: Newcomer, position: Position, text_similarity: float, now: datetime) -> list[Feature]:
    gap = feasibility.german_gap(newcomer, position)
    german = Feature(
        "german", 1.0 if gap >= 1 else 0.8 if gap == 0 else 0.4,
        f"German {newcomer.german or 'none'} for {position.min_german_level} required"
        + (", with a German course during work." if gap < 0 else "."),
    )
    family: list[str] = []
    fit = 0.5
    if needs_childcare(newcomer):
        fit += 0.25 if "childcare_support" in position.offers else -0.25
        family.append("childcare support" if "childcare_support" in position.offers else "no childcare support")
    if newcomer.partner_seeks_work:
        fit += 0.25 if "partner_job_support" in position.offers else -0.25
        family.append("help for the partner's job search" if "partner_job_support" in position.offers
                      else "no help for the partner's job search")
    household = Feature("household", _clip(fit), ("Household: " + ", ".join(family) + ".") if family
                        else "No family needs to weigh.")
    helpful = sorted(position.offers & {"mentor_program", "housing_help", "relocation_support"})
    offers = Feature("offers", len(helpful) / 3, f"Offers {', '.join(helpful) or 'no extra support'}.")
    return [
        german,
        _position_distance(newcomer, position),
        household,
        offers,
        Feature("about", _clip(text_similarity), f"Their own words have {text_similarity:.0%} in common."),
        waiting_feature(newcomer, now),
    ]
