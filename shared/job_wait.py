"""Why a newcomer looking for a job has no position to be suggested, by the matcher's own rules
(lotse.shared.feasibility): "what ifs" put to position_feasible over the open positions. The
matcher writes the answer's code to the waitlist (the dashboard's "Waiting because") and the
manage page says it to the newcomer (intake/still_looking.py), so the two never disagree
(review 8h, finding 1: a position beyond the newcomer's commute limit read as "none in the field").

The newcomer's own commute limit is tried first (it is the rule they set themselves), then better
German with the limit kept, then both together.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from lotse.shared import feasibility, reference
from lotse.shared.profiles import Newcomer, Position

FITS: Final = "fits"  # one is feasible: not suggested yet, or the matcher has not run
COMMUTE: Final = "commute"  # only beyond the newcomer's commute limit
GERMAN: Final = "german"  # only with better German (the limit kept)
GERMAN_AND_COMMUTE: Final = "german_and_commute"  # only with both
NONE: Final = "none"  # none in the field, whatever they changed

# The waitlist's reason_code for each (no_opening_in_field as before for "none"; "fits" cannot be
# waited for, but a matcher that found nothing says what it said before).
WAIT_CODES: Final = {
    FITS: "no_opening_in_field", NONE: "no_opening_in_field", COMMUTE: "opening_beyond_commute",
    GERMAN: "opening_needs_german", GERMAN_AND_COMMUTE: "opening_needs_german_beyond_commute",
}


@dataclass(frozen=True, slots=True)
class JobWait:
    reason: str  # one of the constants above
    level: str | None = None  # the lowest German level that would open a position
    nearest: Position | None = None  # beyond the commute limit: the nearest one that would open
    km: float | None = None  # and its distance from the newcomer's district

    @property
    def code(self) -> str:
        return WAIT_CODES[self.reason]


def job_wait(newcomer: Newcomer, positions: Iterable[Position]) -> JobWait:
    """What stands between the newcomer and the positions (those the matcher may still suggest)."""
    positions = list(positions)
    if any(feasibility.position_feasible(newcomer, p) for p in positions):
        return JobWait(FITS)
    limited = newcomer.max_commute_km is not None
    anywhere = dataclasses.replace(newcomer, max_commute_km=None)
    if limited and (beyond := [p for p in positions if feasibility.position_feasible(anywhere, p)]):
        return _nearest(COMMUTE, newcomer, beyond)
    if level := _german_opening(newcomer, positions):
        return JobWait(GERMAN, level)
    if limited and (level := _german_opening(anywhere, positions)):
        better = _with_german(anywhere, level)
        return dataclasses.replace(
            _nearest(GERMAN_AND_COMMUTE, newcomer,
                     [p for p in positions if feasibility.position_feasible(better, p)]), level=level)
    return JobWait(NONE)


def _with_german(newcomer: Newcomer, level: str) -> Newcomer:
    return dataclasses.replace(newcomer, languages={**newcomer.languages, "de": level})


def _german_opening(newcomer: Newcomer, positions: list[Position]) -> str | None:
    """The lowest German that would open one: the employer's level, or one below it where the
    employer teaches German during work (lotse.shared.german)."""
    for level in reference.CEFR_LEVELS[reference.level_rank(newcomer.german or ""):]:
        if any(feasibility.position_feasible(_with_german(newcomer, level), p) for p in positions):
            return level
    return None


def _nearest(reason: str, newcomer: Newcomer, positions: list[Position]) -> JobWait:
    km, position = min(((reference.district_distance_km(newcomer.district, p.district), p) for p in positions),
                       key=lambda pair: (pair[0], str(pair[1].id)))
    return JobWait(reason, nearest=position, km=km)
