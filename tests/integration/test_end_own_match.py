"""Review 8a, finding 14: "End this match" on the manage page ends one match, for every kind of
participant, after a confirmation page (no script), with optional words for the welcome centre; the
same consequences as any ending (cancelled, match.ended for the notifier and the matcher, the place
free again), audited as the person's own step. Their registration and other matches stay."""

from __future__ import annotations

import html
import re
import uuid

import asyncpg
import pytest

from lotse.shared import matches_db
from tests.conftest import IntakeClient
from tests.integration.test_own_matches import _match, _text
from tests.integration.test_self_service import _registered, manage_link

# (participant kind's API segment, match kind, the table holding the counterpart for an organisation)
KINDS = [("mentors", "mentor", None), ("language-providers", "language_course", "courses"),
         ("employers", "employer", "positions")]
OWNER = {"courses": "provider_id", "positions": "employer_id"}


async def _counterpart(pool: asyncpg.Pool, owner: uuid.UUID, table: str | None) -> uuid.UUID:
    if table is None:
        return owner
    found: uuid.UUID = await pool.fetchval(f"SELECT id FROM {table} WHERE {OWNER[table]} = $1 LIMIT 1", owner)
    return found


async def _left(pool: asyncpg.Pool, kind: str, counterpart: uuid.UUID) -> int:
    async with pool.acquire() as conn:
        return await matches_db.remaining_capacity(conn, kind, counterpart)


def _end_form(page: str, match_id: uuid.UUID) -> bool:
    """Whether the match's entry on the manage page offers "End this match"."""
    article = page[page.index(f'id="match-{match_id}"'):]
    article = article[:article.index("</article>")]
    return 'value="match_end"' in article and f'name="match" value="{match_id}"' in article


async def _state(pool: asyncpg.Pool, match_id: uuid.UUID) -> asyncpg.Record:
    return await pool.fetchrow("SELECT status, end_reason, ended_by_side, reason, ended_at FROM matches WHERE id = $1",
                               match_id)


@pytest.mark.parametrize(("segment", "kind", "table"), KINDS)
@pytest.mark.parametrize("ender", ["newcomer", "counterpart"])
async def test_either_side_ends_one_match_after_confirming_and_the_other_side_is_told(
    intake_client: IntakeClient, pool: asyncpg.Pool, segment: str, kind: str, table: str | None, ender: str
) -> None:
    newcomer = await _registered(intake_client, pool, "newcomers", preferred_locale="en")
    owner = await _registered(intake_client, pool, segment, preferred_locale="en")
    counterpart = await _counterpart(pool, owner, table)
    ending = await _match(pool, kind, newcomer, counterpart, "active")
    other_newcomer = await _registered(intake_client, pool, "newcomers", preferred_locale="en")
    staying = await _match(pool, kind, other_newcomer, counterpart, "active")
    left = await _left(pool, kind, counterpart)
    reader = newcomer if ender == "newcomer" else owner
    link = manage_link(reader)

    page = await (await intake_client.get(link)).text()
    assert _end_form(page, ending) and "End this match" in _text(page)

    # One tap only asks: a page of its own, nothing changed yet.
    asked = await intake_client.post(link, data={"action": "match_end", "match": str(ending)})
    assert asked.status == 200
    words = _text(await asked.text())
    assert "End this match?" in words and "Keep this match" in words
    # A running mentor match asks how it ended (test_finish_own_mentor_match); the others have one button.
    buttons = ("We are done – it went well", "I cannot continue") if kind == "mentor" else ("Yes, end this match",)
    assert all(button in words for button in buttons)
    assert "Why? (optional, only the welcome centre reads it)" in words
    assert (await _state(pool, ending))["status"] == "active"

    done = await intake_client.post(link, data={"action": "match_end", "match": str(ending), "confirm": "yes",
                                                "reason": "  We found each other a different way.  "},
                                    allow_redirects=False)
    assert done.status == 303 and done.headers["Location"].endswith("?done=match_end")
    state = await _state(pool, ending)
    assert (state["status"], state["end_reason"], state["ended_by_side"]) == ("cancelled", "ended_by_participant",
                                                                               ender)
    assert state["reason"] == "We found each other a different way." and state["ended_at"] is not None
    assert (await _state(pool, staying))["status"] == "active"  # only this one
    assert await pool.fetchval("SELECT status FROM participants WHERE id = $1", reader) == "verified"
    # The place is free again, as after any ending.
    assert await _left(pool, kind, counterpart) == left + 1
    # The notifier tells both sides (match_ended), the matcher looks again: the event every ending writes.
    event = await pool.fetchrow("SELECT payload FROM outbox WHERE type = 'match.ended' AND payload->>'match_id' = $1",
                                str(ending))
    assert event is not None
    assert (event["payload"]["reason"], event["payload"]["side"]) == ("ended_by_participant", ender)
    entry = await pool.fetchrow("SELECT actor_id, actor_role, subject_type, before, after, detail FROM audit_log "
                                "WHERE action = 'match.ended_own' AND subject_id = $1", ending)
    assert (entry["actor_id"], entry["actor_role"], entry["subject_type"]) == (reader, "participant", "match")
    assert entry["detail"] is None  # their words are in the match, which an erasure forgets; the log is forever

    shown = _text(await (await intake_client.get(done.headers["Location"])).text())
    assert "The match has ended. We will let the other side know by e-mail." in shown
    assert not _end_form(await (await intake_client.get(link)).text(), ending)


async def test_an_introduction_is_ended_here_once_answered_and_declined_while_unanswered(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer = await _registered(intake_client, pool, "newcomers", preferred_locale="en")
    accepted = await _match(pool, "mentor", newcomer, await _registered(intake_client, pool, "mentors"), "introduced")
    waiting = await _match(pool, "mentor", newcomer, await _registered(intake_client, pool, "mentors"), "introduced")
    await pool.execute("INSERT INTO match_responses (match_id, participant_id, side, answer) "
                       "VALUES ($1, $2, 'newcomer', 'accept')", accepted, newcomer)
    link = manage_link(newcomer)
    page = await (await intake_client.get(link)).text()
    # An unanswered introduction has its "No, I decline", which ends it; a yes given has no way back but this.
    assert _end_form(page, accepted) and not _end_form(page, waiting)
    done = await intake_client.post(link, data={"action": "match_end", "match": str(accepted), "confirm": "yes"},
                                    allow_redirects=False)
    assert done.status == 303
    state = await _state(pool, accepted)
    assert (state["status"], state["end_reason"], state["reason"]) == ("cancelled", "ended_by_participant", None)


async def test_a_match_not_ones_own_or_ended_already_is_not_ended(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer = await _registered(intake_client, pool, "newcomers", preferred_locale="en")
    stranger = await _registered(intake_client, pool, "newcomers", preferred_locale="en")
    mentor = await _registered(intake_client, pool, "mentors")
    theirs = await _match(pool, "mentor", stranger, mentor, "active")
    ended = await _match(pool, "mentor", newcomer, mentor, "completed")
    link = manage_link(newcomer)
    for match_id in (theirs, ended, "not-a-uuid"):
        for confirm in ({}, {"confirm": "yes"}):
            refused = await intake_client.post(link, data={"action": "match_end", "match": str(match_id), **confirm})
            assert refused.status == 409
            assert "This match has ended. Nothing was changed." in html.unescape(await refused.text())
    assert (await _state(pool, theirs))["status"] == "active"
    assert (await _state(pool, ended))["status"] == "completed"
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE type = 'match.ended'") == 0
    assert not re.search(r"match\.ended_own", str(await pool.fetch("SELECT action FROM audit_log")))
