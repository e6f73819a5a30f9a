"""The contract's shared-language rule: a language counts between two people when both speak it at
B1 or better. The matcher's rule (a mentor pair is feasible, the language feature) and the
notifier's introduction (which languages they share) read it here, so they cannot disagree.
The matcher's vectorised mentor index applies the same threshold, SPOKEN_WELL, to whole blocks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from lotse.shared.reference import level_rank

SPOKEN_WELL: Final = level_rank("B1")


def shared_languages(
    a: Mapping[str, str], b: Mapping[str, str], *, minimum: int = SPOKEN_WELL
) -> list[tuple[str, int]]:
    """Languages (code -> level) both speak at `minimum` or better, with the lower of the two
    levels, best first, then by code."""
    both = [(code, min(level_rank(a[code]), level_rank(b[code]))) for code in a.keys() & b.keys()]
    return sorted((pair for pair in both if pair[1] >= minimum), key=lambda pair: (-pair[1], pair[0]))
