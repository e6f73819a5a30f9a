"""Reference data shipped with the package: Thuringia's districts and time zone, and the vocabularies."""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from functools import cache
from importlib import resources
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CEFR_LEVELS: tuple[str, ...] = ("A1", "A2", "B1", "B2", "C1", "C2", "native")
#: Thuringia's time zone: the coordinators' clock, and the calendar on which a match began. One IANA
#: name, so PostgreSQL (AT TIME ZONE) and Python (zoneinfo) read the same zone.
TIME_ZONE: Final = "Europe/Berlin"


def time_zone() -> tzinfo:
    """TIME_ZONE for Python; UTC where no zone data is installed (the database hands out UTC)."""
    try:
        return ZoneInfo(TIME_ZONE)
    except ZoneInfoNotFoundError:
        return UTC


def today() -> date:
    """Thuringia's date now: the day on which the welcome centre, the participants and TODAY_SQL
    are (a server's own date is UTC's, a day behind in the hour or two after midnight)."""
    return datetime.now(time_zone()).date()


#: today() in SQL, whatever the session's TimeZone (current_date is the session's date).
TODAY_SQL: Final = f"(now() AT TIME ZONE '{TIME_ZONE}')::date"


#: Districts whose German name takes an article, so a sentence says "im Kyffhäuserkreis", "im
#: Weimarer Land", "im Eichsfeld"; the others are named after a town ("in Erfurt", "in Gotha", "in
#: Saalfeld-Rudolstadt"). tests/unit/test_district_phrase.py says each of the 22.
DISTRICTS_WITH_ARTICLE: Final = frozenset({"16061", "16063", "16064", "16065", "16070", "16071", "16074", "16075",
                                           "16077"})


def german_in_district(code: str) -> str:
    """Where someone lives or something is, in German: "im Kyffhäuserkreis", "in Erfurt"."""
    district = districts().get(code)
    name = district.name if district else code
    return f"{'im' if code in DISTRICTS_WITH_ARTICLE else 'in'} {name}"


@dataclass(frozen=True, slots=True)
class District:
    code: str
    name: str
    seat: str
    planning_region: str
    lat: float
    lon: float


def _read(name: str) -> str:
    return resources.files("lotse.shared").joinpath("data", name).read_text(encoding="utf-8")


@cache
def districts() -> dict[str, District]:
    rows = csv.DictReader(io.StringIO(_read("thuringia_districts.csv")))
    return {
        r["code"]: District(
            r["code"], r["name"], r["seat"], r["planning_region"], float(r["lat"]), float(r["lon"])
        )
        for r in rows
    }


@cache
def taxonomy() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_read("taxonomy.json"))
    return data


def need_codes() -> tuple[str, ...]:
    return tuple(taxonomy()["needs"])


def locales() -> dict[str, str]:
    return dict(taxonomy()["locales"])


def level_rank(level: str) -> int:
    """A1 -> 1 ... C2 -> 6, native -> 7; unknown or missing -> 0."""
    try:
        return CEFR_LEVELS.index(level) + 1
    except ValueError:
        return 0


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def district_distance_km(a: str, b: str) -> float:
    """Distance between the seats of two districts (0 for the same district)."""
    if a == b:
        return 0.0
    da, db = districts()[a], districts()[b]
    return haversine_km(da.lat, da.lon, db.lat, db.lon)
