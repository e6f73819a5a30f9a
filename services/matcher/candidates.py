"""Feasible, scored candidates of each kind for one newcomer (pure: no I/O)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from lotse.matcher import features, scoring
from lotse.matcher.mentor_index import MentorIndex
from lotse.matcher.pools import Pools
from lotse.matcher.scoring import LinearModel, Scored
from lotse.matcher.text import about_similarity
from lotse.shared import feasibility, reference
from lotse.shared.profiles import Counterpart, Mentor, Newcomer

KINDS: Final = ("mentor", "language_course", "employer")

# Why a newcomer waits without a suggestion of a kind (reason code -> words for coordinators).
WAIT_REASONS: Final = {
    "mentor": ("no_mentor_in_reach", "No mentor with a shared language (B1+) and room within reach."),
    "language_course": ("no_fitting_course", "No course with seats at the next German level and a wanted schedule."),
    "employer": ("no_opening_in_field", "No opening in the newcomer's field at their German level."),
}
# A job's more precise reasons (lotse.shared.job_wait's codes).
JOB_WAIT_WORDS: Final = {
    "opening_beyond_commute": "Openings in the newcomer's field only beyond the distance they would commute.",
    "opening_needs_german": "Openings in the newcomer's field only with better German.",
    "opening_needs_german_beyond_commute":
        "Openings in the newcomer's field only with better German and beyond the distance they would commute.",
}


@dataclass(frozen=True, slots=True)
class Candidate:
    kind: str
    counterpart: Counterpart
    scored: Scored

    @property
    def counterpart_id(self):  # type: ignore[no-untyped-def]
        return self.counterpart.id


# The per-pair path rounds each of up to seven contributions to four places; array scores are
# float32. Twice their largest possible difference, with room to spare:
ROUNDING_MARGIN: Final = 0.002


def mentor_index(pools: Pools) -> MentorIndex:
    if pools.mentor_index is None or pools.mentor_index.mentors is not pools.mentors:
        pools.mentor_index = MentorIndex.build(pools.mentors)
    return pools.mentor_index  # type: ignore[no-any-return]


def mentor_candidate(newcomer: Newcomer, mentor: Mentor, similarity: float, model: LinearModel | None,
                     now: datetime) -> Candidate:
    """The pair scored with its explanation (the per-pair path)."""
    return Candidate("mentor", mentor, scoring.score("mentor", features.mentor_features(newcomer, mentor, similarity,
                                                                                        now), model))


def candidates(
    kind: str,
    newcomer: Newcomer,
    pools: Pools,
    excluded: set[Any],
    models: dict[str, LinearModel],
    now: datetime,
    limit: int | None = None,
) -> list[Candidate]:
    """Feasible counterparts not excluded, best first: all of them, or the best ``limit``."""
    model = models.get(kind)
    if kind == "mentor":
        index = mentor_index(pools)
        if limit is not None:
            # Arrays pick the short list: the best ``limit`` and whoever is close enough behind that the
            # per-pair path's rounding could reorder them. That path's scores and explanations decide.
            best = index.best([newcomer], [excluded], model, now, limit=2 * limit + 5)[0]
            close = best[limit - 1][1] - ROUNDING_MARGIN if len(best) > limit else -1.0
            shortlist = [(index.mentors[column], similarity) for column, score, similarity in best if score >= close]
        else:
            similarity = index.similarity([newcomer.about])[0]
            shortlist = [(m, float(s)) for m, s in zip(index.mentors, similarity, strict=True)
                         if m.id not in excluded and feasibility.mentor_feasible(newcomer, m)]
        found = [mentor_candidate(newcomer, m, t, model, now) for m, t in shortlist]
    elif kind == "language_course":
        # Thuringia's day of `now`, the calendar the pools' course_started reads (TODAY_SQL), not the
        # day of whatever zone `now` carries (a server's UTC is a day behind after local midnight).
        today = now.astimezone(reference.time_zone()).date()
        found = [
            Candidate(kind, c, scoring.score(kind, features.course_features(newcomer, c, today, now), model))
            for c in pools.courses
            if c.id not in excluded and feasibility.course_feasible(newcomer, c)
        ]
    else:
        positions = [p for p in pools.positions if p.id not in excluded and feasibility.position_feasible(newcomer, p)]
        texts = about_similarity(newcomer.about, [p.about for p in positions])
        found = [
            Candidate(kind, p, scoring.score(kind, features.position_features(newcomer, p, t, now), model))
            for p, t in zip(positions, texts, strict=True)
        ]
    ranked = sorted(found, key=lambda c: (-c.scored.score, str(c.counterpart.id)))
    return ranked if limit is None else ranked[:limit]
