"""Each side of a possible match as plain objects, read from their rows.

The matcher's rules, features and scores work on these; intake uses them too, to check at once
whether a changed course or position still fits its suggested newcomers (offer_fit.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

import asyncpg

from lotse.shared import meeting

Languages = dict[str, str]  # ISO 639-1 code -> level (A1..C2 | native)


def _languages(raw: Any) -> Languages:
    return {str(item["code"]): str(item["level"]) for item in raw or []}


@dataclass(frozen=True, slots=True)
class Newcomer:
    id: uuid.UUID
    district: str
    languages: Languages
    occupation_field: str
    needs: frozenset[str]
    wants_mentor: bool
    course_schedules: frozenset[str]
    partner: bool
    partner_seeks_work: bool
    children_ages: tuple[int, ...]
    about: str
    waiting_since: datetime
    country: str = ""  # of origin (ISO 3166-1 alpha-2): only for the rounds' fairness report
    online_ok: bool = True  # meeting a mentor online is fine (feasibility.mentor_feasible)
    seeks_work: bool = True  # looks for a job themselves; absent (older clients): yes, as before
    abroad: bool = False  # `arrival` is "abroad": not in Thuringia yet (features.start_feature)
    # How far they would commute for a job (km between district seats); None: anywhere, they would
    # also move (and every profile stored before the question: no limit, as before).
    max_commute_km: int | None = None

    @property
    def german(self) -> str | None:
        return self.languages.get("de")


@dataclass(frozen=True, slots=True)
class Mentor:
    id: uuid.UUID
    district: str
    languages: Languages
    helps_with: frozenset[str]
    occupation_field: str | None
    max_distance_km: float
    online_ok: bool
    capacity_left: int
    about: str


@dataclass(frozen=True, slots=True)
class Course:
    id: uuid.UUID
    provider_id: uuid.UUID
    title: str
    level: str
    schedule: str
    format: str
    district: str
    seats_left: int
    starts_on: date
    childcare: bool
    about: str


@dataclass(frozen=True, slots=True)
class Position:
    id: uuid.UUID
    employer_id: uuid.UUID
    title: str
    occupation_field: str
    openings_left: int
    min_german_level: str
    district: str
    offers: frozenset[str]
    about: str


Counterpart = Mentor | Course | Position

NEWCOMER_COLUMNS = "id, district, languages, profile, about, verified_at, created_at"


# The answers to "how far would you commute for a job?" (km); null: anywhere, they would also move.
COMMUTE_KM: Final = (25, 50, 100)


def commute_km(profile: Any) -> int | None:
    """The newcomer's `max_commute_km`: an int, or None for no limit (absent, null, or not an int)."""
    value = profile.get("max_commute_km")
    return value if type(value) is int else None


def newcomer_from_row(row: asyncpg.Record) -> Newcomer:
    """A `participants` row with the NEWCOMER_COLUMNS."""
    profile = row["profile"]
    household = profile.get("household") or {}
    return Newcomer(
        id=row["id"],
        district=row["district"],
        languages=_languages(row["languages"]),
        occupation_field=str(profile.get("occupation_field", "other")),
        needs=frozenset(profile.get("needs") or ()),
        wants_mentor=bool(profile.get("wants_mentor")),
        course_schedules=frozenset(profile.get("course_schedules") or ()),
        partner=bool(household.get("partner")),
        partner_seeks_work=bool(household.get("partner_seeks_work")),
        children_ages=tuple(int(a) for a in household.get("children_ages") or ()),
        about=row["about"] or "",
        waiting_since=row["verified_at"] or row["created_at"],
        country=str(profile.get("country_of_origin") or ""),
        seeks_work=bool(profile.get("seeks_work", True)),
        abroad=profile.get("arrival") == "abroad",
        max_commute_km=commute_km(profile),
        online_ok=meeting.newcomer_online_ok(profile),
    )


def mentor_from_row(r: asyncpg.Record, *, capacity_left: int) -> Mentor:
    """A mentor's `participants` row (id, district, languages, profile, about)."""
    return Mentor(
        id=r["id"], district=r["district"], languages=_languages(r["languages"]),
        helps_with=frozenset(r["profile"].get("helps_with") or ()),
        occupation_field=r["profile"].get("occupation_field"),
        max_distance_km=meeting.mentor_max_km(r["profile"]),
        online_ok=meeting.mentor_online_ok(r["profile"]), capacity_left=capacity_left, about=r["about"] or "",
    )


def course_from_row(r: asyncpg.Record, *, seats_left: int) -> Course:
    """A `courses` row (with the provider's `about`, if read) as the matcher sees it."""
    return Course(
        id=r["id"], provider_id=r["provider_id"], title=r["title"], level=r["level"], schedule=r["schedule"],
        format=r["format"], district=r["district"], seats_left=seats_left, starts_on=r["starts_on"],
        childcare=bool(r["childcare"]), about=r.get("about") or "",
    )


def position_from_row(r: asyncpg.Record, *, openings_left: int) -> Position:
    """A `positions` row with its employer's `district` and `profile` (and `about`, if read)."""
    return Position(
        id=r["id"], employer_id=r["employer_id"], title=r["title"], occupation_field=r["occupation_field"],
        openings_left=openings_left, min_german_level=r["min_german_level"], district=r["district"],
        offers=frozenset(r["profile"].get("offers") or ()), about=r.get("about") or "",
    )
