"""What the matcher knows about each side of a possible match, read fresh from the database.

Events carry ids only; these loaders are the one place that turns rows into the plain
objects the pure matching logic (rules, features, scoring) works on.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import asyncpg

from lotse.shared import matches, meeting

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
    online_ok: bool = True  # meeting a mentor online is fine (rules.mentor_feasible)

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


@dataclass(slots=True)
class Pools:
    """Everything a newcomer could be matched with, and what must never be suggested again."""

    mentors: list[Mentor] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    mentor_index: Any = field(default=None, repr=False, compare=False)  # built on first use (mentor_index.py)


def newcomer_from_row(row: asyncpg.Record) -> Newcomer:
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
        online_ok=meeting.newcomer_online_ok(profile),
    )


NEWCOMER_COLUMNS = "id, district, languages, profile, about, verified_at, created_at"
_HELD = "ARRAY['" + "','".join(matches.HOLDS_CAPACITY) + "']"


async def load_newcomer(conn: asyncpg.Connection, newcomer_id: uuid.UUID) -> Newcomer | None:
    row = await conn.fetchrow(
        f"SELECT {NEWCOMER_COLUMNS} FROM participants WHERE id = $1 AND kind = 'newcomer' AND status = 'verified'",
        newcomer_id,
    )
    return newcomer_from_row(row) if row else None


async def waiting_newcomers(conn: asyncpg.Connection) -> list[Newcomer]:
    rows = await conn.fetch(
        f"""SELECT {NEWCOMER_COLUMNS} FROM participants
            WHERE kind = 'newcomer' AND status = 'verified' ORDER BY verified_at NULLS LAST, id"""
    )
    return [newcomer_from_row(r) for r in rows]


async def newcomers_with_room(conn: asyncpg.Connection, kinds: tuple[str, ...], max_open: int) -> list[Newcomer]:
    """Verified newcomers who could take another suggestion of one of ``kinds``: fewer than
    ``max_open`` open ones and no live match of that kind. Everyone else is skipped before any
    scoring — with hundreds of newcomers, looking at all of them made every new mentor cost seconds."""
    rows = await conn.fetch(
        f"""SELECT {NEWCOMER_COLUMNS} FROM participants p
            WHERE p.kind = 'newcomer' AND p.status = 'verified' AND EXISTS (
                SELECT 1 FROM unnest($1::text[]) AS k(kind)
                WHERE (SELECT count(*) FROM matches m
                       WHERE m.newcomer_id = p.id AND m.kind = k.kind AND m.status = 'suggested') < $2
                  AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.newcomer_id = p.id AND m.kind = k.kind
                                  AND m.status = ANY({_HELD})))
            ORDER BY p.verified_at NULLS LAST, p.id""",
        list(kinds), max_open,
    )
    return [newcomer_from_row(r) for r in rows]


async def load_pools(conn: asyncpg.Connection) -> Pools:
    """Verified counterparts that still have room (capacity, seats, openings); closed courses and
    positions are no counterparts."""
    mentors = await conn.fetch(
        f"""SELECT p.id, p.district, p.languages, p.profile, p.about,
                   (p.profile->>'capacity')::int - (SELECT count(*) FROM matches m
                        WHERE m.counterpart_id = p.id AND m.status = ANY({_HELD})) AS left_
            FROM participants p WHERE p.kind = 'mentor' AND p.status = 'verified'"""
    )
    courses = await conn.fetch(
        f"""SELECT c.*, coalesce(p.about, '') AS about,
                   c.seats - (SELECT count(*) FROM matches m
                        WHERE m.counterpart_id = c.id AND m.status = ANY({_HELD})) AS left_
            FROM courses c JOIN participants p ON p.id = c.provider_id
            WHERE p.status = 'verified' AND c.starts_on >= current_date AND c.closed_at IS NULL"""
    )
    positions = await conn.fetch(
        f"""SELECT s.*, p.district, p.profile, coalesce(p.about, '') AS about,
                   s.openings - (SELECT count(*) FROM matches m
                        WHERE m.counterpart_id = s.id AND m.status = ANY({_HELD})) AS left_
            FROM positions s JOIN participants p ON p.id = s.employer_id
            WHERE p.status = 'verified' AND s.closed_at IS NULL"""
    )
    return Pools(
        mentors=[
            Mentor(
                id=r["id"], district=r["district"], languages=_languages(r["languages"]),
                helps_with=frozenset(r["profile"].get("helps_with") or ()),
                occupation_field=r["profile"].get("occupation_field"),
                max_distance_km=meeting.mentor_max_km(r["profile"]),
                online_ok=meeting.mentor_online_ok(r["profile"]), capacity_left=int(r["left_"]), about=r["about"] or "",
            )
            for r in mentors
        ],
        courses=[
            course_from_row(r, seats_left=int(r["left_"])) for r in courses
        ],
        positions=[
            position_from_row(r, openings_left=int(r["left_"])) for r in positions
        ],
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


async def excluded_pairs(conn: asyncpg.Connection, newcomer_id: uuid.UUID) -> set[uuid.UUID]:
    """Counterparts not to suggest: already linked, or turned down, declined or ended before.

    Only a suggestion withdrawn for lack of room may come back. Asking for the same mentor
    again goes through the newcomer's own request, not the matcher.
    """
    rows = await conn.fetch(
        """SELECT counterpart_id FROM matches WHERE newcomer_id = $1 AND status <> 'withdrawn'""",
        newcomer_id,
    )
    return {r["counterpart_id"] for r in rows}
