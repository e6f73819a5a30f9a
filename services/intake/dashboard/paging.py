"""Offset paging for the dashboard's lists: "showing 101–200 of 742" and plain previous/next links
that keep the chosen filters (no JavaScript)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final
from urllib.parse import urlencode

from aiohttp import web

PAGE_SIZE: Final = 100
_NOT_KEPT: Final = ("page", "msg", "lang", "at", "decided")  # a one-time message, a language switch or
# the queue's newcomer or pair just decided is not a filter


@dataclass(frozen=True)
class Pager:
    number: int
    total: int
    size: int
    base: str  # the list's URL with its filters, ready for "page=" to be appended

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def first(self) -> int:
        return self.offset + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.offset + self.size, self.total)

    @property
    def previous_url(self) -> str | None:
        return f"{self.base}page={self.number - 1}" if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return f"{self.base}page={self.number + 1}" if self.last < self.total else None


def pager(request: web.Request, total: int, size: int = PAGE_SIZE) -> Pager:
    """The page asked for by `?page=`; a page past the end shows the last one, nonsense the first."""
    raw = request.query.get("page", "")
    number = int(raw) if raw.isdigit() and len(raw) < 9 else 1
    number = max(1, min(number, (total + size - 1) // size or 1))
    kept = urlencode([(k, v) for k, v in request.query.items() if k not in _NOT_KEPT and v])
    return Pager(number, total, size, f"{request.path}?{kept}&" if kept else f"{request.path}?")
