"""When a newcomer needs childcare: asked for it, or a child young enough to come along to a course.
The matcher's features (a course's childcare, an employer's support) and the notifier's
introduction (what the offer means for this family) read it here, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

SMALL_CHILD_AGE: Final = 7


def needs_childcare(needs: Iterable[str], children_ages: Iterable[int]) -> bool:
    return "childcare" in needs or any(age < SMALL_CHILD_AGE for age in children_ages)
