"""The query of a coordinators' list endpoint, read as one: every invalid parameter in one 422.

An empty value counts as absent (review 8i, finding 2): the contract writes these URLs as
templates with blanks (``/api/v1/matches?status=&kind=&newcomer_id=&limit=&cursor=``), so a
client that fills in only some of them means "no filter" for the rest, as ``cursor=`` always did.
A parameter repeated with the same value is that value; with different values, a problem.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

from aiohttp import web

from lotse.intake.errors import ApiError
from lotse.shared import matches_db


class ListQuery:
    """Read the parameters, then ``check()``: it raises one 422 naming every problem found."""

    def __init__(self, request: web.Request) -> None:
        self._query = request.query
        self.problems: dict[str, str] = {}

    def text(self, name: str) -> str | None:
        """The parameter's value; given twice with different values it is a problem, not the first
        silently (review 10a, F5: ``?kind=newcomer&kind=mentor`` listed newcomers only)."""
        given = {value for value in self._query.getall(name, ()) if value}
        if len(given) > 1:
            self.problems[name] = "Given more than once with different values; give one."
            return None
        return next(iter(given), None)

    def choice(self, name: str, allowed: Iterable[str], synonyms: Mapping[str, str] | None = None) -> str | None:
        """One of `allowed`; a synonym stands for its canonical value, the message names only those."""
        value = self.text(name)
        if value is None:
            return None
        value = (synonyms or {}).get(value, value)
        if value not in allowed:
            self.problems[name] = f"Must be one of: {', '.join(sorted(allowed))}."
            return None
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            self.problems[name] = f"Must be a whole number between {low} and {high}."
            return default
        return value

    def uuid(self, name: str) -> uuid.UUID | None:
        raw = self.text(name)
        try:
            return uuid.UUID(raw) if raw is not None else None
        except ValueError:
            self.problems[name] = "Must be a UUID."
            return None

    def page_cursor(self, name: str = "cursor") -> str | None:
        """A next_cursor this API handed out (both lists page by matches_db's cursor)."""
        raw = self.text(name)
        if raw is not None:
            try:
                matches_db.decode_cursor(raw)
            except ValueError:
                self.problems[name] = "Not a cursor from this API."
                return None
        return raw

    def check(self) -> None:
        if self.problems:
            raise ApiError(422, "Invalid query.", fields=self.problems)
