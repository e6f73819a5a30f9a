"""The contract's German rule for a position: the newcomer's German is at least min_german_level,
or one level below when the employer offers a German course during work
(`language_course_during_work`). The matcher (which positions are feasible, the German feature)
and the notifier (what an introduction says about German) read it here, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from lotse.shared.reference import level_rank

COURSE_DURING_WORK: Final = "language_course_during_work"


def german_gap(level: str | None, required: str) -> int:
    """Levels the newcomer's German is above (+) or below (-) what the position asks; no German is 0."""
    return level_rank(level or "") - level_rank(required)


def closed_by_course(level: str | None, required: str, offers: Iterable[str]) -> bool:
    """One level short, and the employer's German course during work makes up for it."""
    return german_gap(level, required) == -1 and COURSE_DURING_WORK in offers


def german_fits(level: str | None, required: str, offers: Iterable[str]) -> bool:
    return german_gap(level, required) >= 0 or closed_by_course(level, required, offers)
