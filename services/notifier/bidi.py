"""Right-to-left words inside our left-to-right emails, each kept in its own directional island.

Every page locale is written left to right, but the people an email names need not be: a newcomer
called محمد الأحمد, a course titled in Persian. A line of the text part that starts with such a
name ("- محمد الأحمد's German: A1.") is laid out right to left by every client that takes a
paragraph's direction from its first strong letter (Unicode's rule P2: Android's text views,
notification previews, quoted replies), and a number after the name ("محمد الأحمد, 39 km") joins
the right-to-left run. Wrapping each run of right-to-left script in FIRST STRONG ISOLATE … POP
DIRECTIONAL ISOLATE (U+2068, U+2069) leaves the line's direction to the words around it and keeps
the run's neighbours out of it. Input with its own directional controls is refused at intake, so
the only isolates in an email are these.
"""

from __future__ import annotations

import re
from typing import Final

FSI: Final = "\u2068"
PDI: Final = "\u2069"
# Hebrew, Arabic, Syriac, Thaana, NKo, Samaritan, Mandaic and their presentation forms: the scripts
# whose letters are strong right-to-left (bidi classes R and AL).
_RTL_LETTERS: Final = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefe"
# A run goes on over what stands between two words of it on one line (spaces, joiners, apostrophes,
# hyphens, digits), so a full name or title is one island, not one per word; an island never spans
# lines, since a paragraph's end closes every isolate anyway.
_RUN: Final = re.compile(
    f"[{_RTL_LETTERS}]+(?:[ \t\u00a0\u200c\u200d'’\\-.0-9\u0660-\u0669\u06f0-\u06f9]*[{_RTL_LETTERS}]+)*"
)
_ANY: Final = re.compile(f"[{_RTL_LETTERS}]")


def isolated(text: str) -> str:
    """``text`` with each run of right-to-left script between FSI and PDI; unchanged without one."""
    if _ANY.search(text) is None:  # nearly every email: one scan, no copy
        return text
    return _RUN.sub(lambda run: f"{FSI}{run.group()}{PDI}", text)
