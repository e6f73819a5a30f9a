"""How a newcomer and a mentor would meet: the contract's mentor rule ("in person only within the
mentor's max_distance_km between district seats, unless both accept online"), read from the
profiles in one place, so the matcher (which pairs are feasible, the distance feature) and the
notifier (what an introduction says) cannot disagree about it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

MENTOR_MAX_KM: Final = 30.0  # a mentor's max_distance_km where the profile names none (contract)


def mentor_max_km(profile: Mapping[str, Any]) -> float:
    return float(profile.get("max_distance_km") or MENTOR_MAX_KM)


def mentor_online_ok(profile: Mapping[str, Any]) -> bool:
    return bool(profile.get("online_ok"))


def newcomer_online_ok(profile: Mapping[str, Any]) -> bool:
    # Rows stored before newcomers were asked have no key: they were matched as accepting online.
    return bool(profile.get("online_ok", True))


def meets_online(km: float, max_km: float, mentor_online: bool, newcomer_online: bool) -> bool:
    """Beyond the mentor's distance, where both accept online (``km`` between district seats)."""
    return km > max_km and mentor_online and newcomer_online


def in_reach(km: float, max_km: float, mentor_online: bool, newcomer_online: bool) -> bool:
    """In person within the mentor's distance, else online (:func:`meets_online`)."""
    return km <= max_km or meets_online(km, max_km, mentor_online, newcomer_online)
