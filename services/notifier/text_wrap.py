"""The plain-text part wrapped as plain-text mail is (review 12, F8).

Templates write a paragraph as one line, and a translation, a name or a list of languages makes it
as long as it comes: 86 of 97 emails in the review had lines over 78 characters, up to 452. A text
client breaks those mid-word at the screen's edge, and a reply quotes them as one long line. So a
line longer than ``WIDTH`` columns is broken at spaces (or between two Chinese characters, which
need none), with a list item's continuation indented under its text, and a link stands on a line
of its own: a linkifier then takes neither the word before it nor a line break inside it, and a
link is never broken. Columns are counted as a terminal shows them: a Chinese character takes two.
Lines that fit, the "-- " above the footer among them, are left exactly as they are.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Final

WIDTH: Final = 72
# Han, kana, hangul and full-width forms: two columns each, and a line may break between any two.
_WIDE: Final = "\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f" \
               "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
_WIDE_CHAR: Final = re.compile(f"[{_WIDE}]")
# Combining marks, joiners and directional marks: no column of their own.
_ZERO_WIDTH: Final = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u064b-\u065f\u1ab0-\u1aff\u1dc0-\u1dff"
    "\u200b-\u200f\u202a-\u202e\u2060-\u206f\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f\ufeff]"
)
# Punctuation a Chinese line must not start with (closing) or end with (opening): kept with the
# character next to it.
_CLOSING: Final = "，。、：；！？）」』】〉》’”…"
_OPENING: Final = "（「『【〈《‘“"
# A name in right-to-left script comes isolated (bidi.isolated, before wrapping): never broken, as a
# line starting inside the isolate would take the name's direction (review 12, F2). Lines break at
# spaces and tabs only: a no-break space (as in "2026 г.") holds its words together.
_TOKEN: Final = re.compile(
    rf"(?P<space>[ \t]+)|(?P<isolate>\u2068[^\u2069\n]*\u2069[^ \t{_WIDE}\u2068]*)"
    rf"|(?P<wide>[{_OPENING}]*[{_WIDE}][{_CLOSING}]*)|(?P<word>[^ \t{_WIDE}\u2068]+[{_CLOSING}]*)"
)
_URL: Final = re.compile(r"(https?://\S+)")
# A list item's marker ("- ", "1. "): the lines it continues on start under its text.
_MARKER: Final = r"[ \t]*(?:(?:[-*•]|\d{1,2}[.)])[ \t]+)?"
_PREFIX: Final = re.compile(_MARKER)
_LINK_ALONE: Final = re.compile(rf"{_MARKER}https?://\S+[ \t]*")


# Lines already wrapped at WIDTH: most long lines are a template's sentences in one language, the
# same in every email of its type, so each is broken once per process, not once per email (it was
# 4-5 % of the notifier's CPU emptying a backlog). Cleared when full: names and links vary.
_DONE: dict[str, str] = {}
_DONE_MAX: Final = 4096


def wrapped(text: str) -> str:
    """``text`` with each line wider than ``WIDTH`` columns broken, and each link on a line of its own."""
    return "\n".join(line if len(line) * 2 <= WIDTH and "://" not in line else _line(line)
                     for line in text.split("\n"))


def _line(line: str) -> str:
    """One line that may need breaking: it is longer than half a line, or holds a link."""
    if "://" in line:  # a signed link is different in every email: nothing to keep
        return line if _LINK_ALONE.fullmatch(line) else _wrap(line)
    done = _DONE.get(line)
    if done is None:
        if len(_DONE) >= _DONE_MAX:
            _DONE.clear()
        done = _DONE[line] = _wrap(line) if _columns(line) > WIDTH else line
    return done


def _columns(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text) + len(_WIDE_CHAR.findall(text)) - len(_ZERO_WIDTH.findall(text))


def _wrap(line: str) -> str:
    prefix = _PREFIX.match(line).group()  # type: ignore[union-attr]  # matches the empty string too
    room = WIDTH - len(prefix)
    lines: list[str] = []
    for number, piece in enumerate(_URL.split(line[len(prefix):])):
        if number % 2:  # a link, never broken
            lines.append(piece)
        elif piece.strip():
            lines.extend(_fill(piece.strip(), room))
    indent = " " * len(prefix)
    return "\n".join((indent if number else prefix) + text for number, text in enumerate(lines))


def _fill(text: str, room: int) -> list[str]:
    if "\u2068" in text or _WIDE_CHAR.search(text):
        return _fill_tokens(text, room)
    return [chunk.rstrip() for chunk in _chunks(room).findall(text)]


@cache
def _chunks(room: int) -> re.Pattern[str]:
    """As many words as fit in ``room`` characters, or one word longer than that (found in C: this
    runs on most lines of every email)."""
    return re.compile(rf"([^ ].{{0,{room - 1}}}|[^ ]+)(?: +|$)")


def _fill_tokens(text: str, room: int) -> list[str]:
    """Words, isolated names and Chinese characters, line by line; a line may break between two
    Chinese characters."""
    lines: list[str] = []
    current, used, gap = "", 0, False
    for match in _TOKEN.finditer(text):
        token = match.group()
        if match.lastgroup == "space":
            gap = bool(current)
            continue
        size = _columns(token)
        if current and used + gap + size > room:
            lines.append(current)
            current, used, gap = "", 0, False
        current += " " * gap + token
        used += gap + size
        gap = False
    return [*lines, current] if current else lines
