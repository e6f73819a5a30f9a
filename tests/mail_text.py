"""An email's text part read as its sentences: the notifier breaks its lines at 72 columns
(lotse.notifier.text_wrap), so a sentence a test looks for may stand on two lines."""

from __future__ import annotations

import re
from typing import Final

# A line break between two Chinese characters (or their punctuation) stands for no space at all.
_BETWEEN_CHINESE: Final = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\r?\n[ ]*(?=[\u3000-\u9fff\uff00-\uffef])")


_LINE_BREAKS: Final = re.compile(r"[ \t]*(?:\r?\n[ \t]*)+")


def unwrapped(text: str) -> str:
    """``text`` with every run of line breaks (and the spaces around them) as one space, and none
    where a line broke between two Chinese characters; no-break spaces stay as they are."""
    return _LINE_BREAKS.sub(" ", _BETWEEN_CHINESE.sub("", text)).strip()
