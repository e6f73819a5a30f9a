"""The "still going?" email (match_context.checkin_again) reads its match once per email: the
status it is sent for comes from the row the email's words are built from, not a query of its own
before them; one that ended meanwhile is still skipped (LookupError)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import asyncpg
import pytest

from lotse.notifier import match_context
from lotse.notifier.compose import Composer
from lotse.shared.config import Settings
from tests.integration.notifier_fixtures import add_match, add_participant


class _Counting:
    """A connection that remembers the queries run on it (fetch, fetchrow, fetchval)."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn, self.queries = conn, list[str]()

    async def fetch(self, query: str, *args: Any) -> Any:
        self.queries.append(query)
        return await self._conn.fetch(query, *args)

    async def fetchrow(self, query: str, *args: Any) -> Any:
        self.queries.append(query)
        return await self._conn.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        self.queries.append(query)
        return await self._conn.fetchval(query, *args)


async def _compose(pool: asyncpg.Pool, settings: Settings, status: str
                   ) -> tuple[dict[str, Any], list[str], uuid.UUID]:
    newcomer = await add_participant(pool, "newcomer", name="Li Wei", locale="en")
    mentor = await add_participant(pool, "mentor", name="Renate Vogel", locale="de")
    match_id = await add_match(pool, "mentor", newcomer, mentor.id, status=status)
    row = {"type": "checkin_again", "participant_id": newcomer.id, "match_id": match_id}
    async with pool.acquire() as conn:
        people = await Composer.people(conn, [row])
        counting = _Counting(conn)
        context = await match_context.checkin_again(Composer(settings), counting,
                                                    row, people[newcomer.id], people)
    return context, counting.queries, match_id


async def test_still_going_reads_the_match_once(pool: asyncpg.Pool, settings: Settings) -> None:
    context, queries, match_id = await _compose(pool, settings, "active")
    assert context["other_title"] == "Renate Vogel" and context["end_url"].endswith(f"?end={match_id}")
    assert [q for q in queries if re.search(r"\bFROM matches\b", q)] == [queries[0]]  # the parts' read only


async def test_still_going_is_not_sent_about_an_ended_match(pool: asyncpg.Pool, settings: Settings) -> None:
    with pytest.raises(LookupError):
        await _compose(pool, settings, "ended")
