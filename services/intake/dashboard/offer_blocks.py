"""A provider's or employer's page: one block per course or position with its details and its
matches, those still under way first (review 8a, finding 10).

Within a block the matches go by state, in the order a coordinator follows them up (running,
then waiting for a decision, then ended), and by score within a state. Suggestions withdrawn or
rejected say nothing about the course any more, so they are counted and folded away.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from lotse.intake.dashboard import profile
from lotse.intake.dashboard.vocabulary import Vocabulary
from lotse.shared import matches

SHOWN_ORDER: Final = (matches.ACTIVE, matches.INTRODUCED, matches.APPROVED, matches.SUGGESTED, matches.COMPLETED,
                      matches.DECLINED, matches.CANCELLED)
FOLDED: Final = (matches.WITHDRAWN, matches.REJECTED)
# The offer's own fields, as the participant's profile labels and formats them (profile.rows).
COURSE_FIELDS: Final = ("level", "schedule", "format", "starts_on", "late_entry_weeks", "district", "childcare")
POSITION_FIELDS: Final = ("occupation_field", "min_german_level")


@dataclass(slots=True)
class Block:
    offer: Mapping[str, Any]
    details: list[tuple[str, str]]
    shown: list[Mapping[str, Any]] = field(default_factory=list)
    folded: list[Mapping[str, Any]] = field(default_factory=list)


def _rank(match: Mapping[str, Any]) -> tuple[int, float]:
    state = match["status"]
    position = SHOWN_ORDER.index(state) if state in SHOWN_ORDER else len(SHOWN_ORDER)
    return position, -float(match["score"] or 0)


def _details(v: Vocabulary, offer: Mapping[str, Any]) -> list[tuple[str, str]]:
    names = COURSE_FIELDS if offer["offer_kind"] == "course" else POSITION_FIELDS
    values = {name: offer[name] for name in names if offer[name] is not None}
    if "starts_on" in values:
        values["starts_on"] = values["starts_on"].isoformat()
    return profile.rows(v, values)


def blocks(v: Vocabulary, offers: Iterable[Mapping[str, Any]], rows: Iterable[Mapping[str, Any]]) -> list[Block]:
    """One block per offer (sides.OFFERS' rows), holding its matches (rows with counterpart_id)."""
    by_offer = {offer["id"]: Block(offer, _details(v, offer)) for offer in offers}
    for match in sorted(rows, key=_rank):
        block = by_offer.get(match["counterpart_id"])
        if block is not None:
            (block.folded if match["status"] in FOLDED else block.shown).append(match)
    return list(by_offer.values())
