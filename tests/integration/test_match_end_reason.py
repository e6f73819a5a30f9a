"""Why a match ended is stored as a code with the side whose step it was (matches.end_reason,
ended_by_side), and read as such: the "ended" and "declined" emails in the recipient's language,
the dashboard's history, erasure; migration 0019 fills both in for matches that ended before.
A coordinator's own words are never taken for one of intake's sentences."""

from __future__ import annotations

import html as htmllib
import re
import uuid
from collections.abc import Awaitable, Callable

import asyncpg
import pytest

from lotse.intake import lifecycle, privacy
from lotse.intake.accounts import Coordinator
from lotse.shared import matches_db
from lotse.shared.mailsink import MailSink
from lotse.shared.migrate import available_migrations
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import (
    FastRetries,
    Person,
    add_match,
    add_participant,
    deliver_all,
    notify,
    to,
)
from tests.integration.test_dashboard import login

# Each sentence an email about an ended or declined match can give as the reason, in Ukrainian.
UK: dict[str, str] = {
    "you_declined": "Ви відмовилися від знайомства",
    "other_declined": "Інша сторона відмовилася від знайомства",
    "you_ended": "Ви попросили завершити цю пару",
    "other_ended": "Інша сторона завершила пару",
    "newcomer_gone": "Новоприбула особа більше не зареєстрована",
    "mentor_gone": "Людина, запропонована вам для менторства, більше не зареєстрована",
    "centre_ended": "Центр прийому завершив цю пару",
}
# Words a coordinator typed when ending a match: they read like intake's own sentence, but say nothing
# about who ended it (a phone call, say); the match was ended by the welcome centre.
LOOKALIKE = "re-match requested by newcomer"

Step = Callable[[asyncpg.Connection, uuid.UUID, Person, Person], Awaitable[object]]


async def _coordinator(conn: asyncpg.Connection) -> Coordinator:
    coordinator_id, email = uuid.uuid4(), f"coordinator-{uuid.uuid4().hex[:8]}@example.org"
    await conn.execute("INSERT INTO coordinators (id, email, password_hash) VALUES ($1, $2, 'x')",
                       coordinator_id, email)
    return Coordinator(coordinator_id, email, "coordinator")


async def _decline_by_newcomer(conn: asyncpg.Connection, match_id: uuid.UUID, newcomer: Person, mentor: Person) -> str:
    return await lifecycle.respond(conn, match_id, newcomer.id, "decline", None)


async def _decline_by_mentor(conn: asyncpg.Connection, match_id: uuid.UUID, newcomer: Person, mentor: Person) -> str:
    return await lifecycle.respond(conn, match_id, mentor.id, "decline", None)


async def _rematch_by_newcomer(conn: asyncpg.Connection, match_id: uuid.UUID, newcomer: Person, mentor: Person) -> None:
    await lifecycle.request_rematch(conn, match_id, newcomer.id)


async def _rematch_by_mentor(conn: asyncpg.Connection, match_id: uuid.UUID, newcomer: Person, mentor: Person) -> None:
    await lifecycle.request_rematch(conn, match_id, mentor.id)


async def _erase_newcomer(conn: asyncpg.Connection, match_id: uuid.UUID, newcomer: Person, mentor: Person) -> None:
    await privacy.erase(conn, newcomer.id)


async def _erase_mentor(conn: asyncpg.Connection, match_id: uuid.UUID, newcomer: Person, mentor: Person) -> None:
    await privacy.erase(conn, mentor.id)


async def _coordinator_ends(conn: asyncpg.Connection, match_id: uuid.UUID, newcomer: Person, mentor: Person) -> None:
    await lifecycle.end_match(conn, await _coordinator(conn), match_id, "cancelled", LOOKALIKE)


async def _pair(pool: asyncpg.Pool, locale: str) -> tuple[Person, Person]:
    newcomer = await add_participant(pool, "newcomer", name="Оксана Коваль", locale=locale)
    mentor = await add_participant(pool, "mentor", name="Thomas Berger", locale=locale)
    return newcomer, mentor


async def _step(pool: asyncpg.Pool, step: Step, match_id: uuid.UUID, newcomer: Person, mentor: Person) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await step(conn, match_id, newcomer, mentor)


def _reasons_told(sink: MailSink, person: Person) -> list[str]:
    return sorted(key for mail in to(sink, person.email) for key, sentence in UK.items() if sentence in mail.text)


@pytest.mark.parametrize(("step", "status", "to_newcomer", "to_mentor"), [
    (_decline_by_newcomer, "introduced", ["you_declined"], ["other_declined"]),
    (_decline_by_mentor, "introduced", ["other_declined"], []),  # the mentor saw it on the page
    (_rematch_by_newcomer, "active", ["you_ended"], ["other_ended"]),
    (_rematch_by_mentor, "active", ["other_ended"], ["you_ended"]),
    (_erase_newcomer, "active", [], ["newcomer_gone"]),  # she only gets the erasure's confirmation
    (_erase_mentor, "active", ["mentor_gone"], []),
    (_coordinator_ends, "active", ["centre_ended"], ["centre_ended"]),
])
async def test_the_email_says_in_ukrainian_why_the_match_ended_and_whose_step_it_was(
    pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink, step: Step, status: str,
    to_newcomer: list[str], to_mentor: list[str],
) -> None:
    newcomer, mentor = await _pair(pool, "uk")
    match_id = await add_match(pool, "mentor", newcomer, mentor.id, status=status)
    await _step(pool, step, match_id, newcomer, mentor)
    await notify(pool)
    await deliver_all(delivery)
    assert _reasons_told(sink, newcomer) == to_newcomer
    assert _reasons_told(sink, mentor) == to_mentor


def _reason_shown(page: str) -> list[str]:
    """The history's "Reason" lines (German), as a reader sees them."""
    return [htmllib.unescape(found) for found in re.findall(r"<li>Grund: (.*?)</li>", page)]


async def _reject_with_note(conn: asyncpg.Connection, match_id: uuid.UUID, newcomer: Person, mentor: Person) -> None:
    await matches_db.reject(conn, match_id, (await _coordinator(conn)).id, "other", "zieht nach Leipzig")


async def _course_closed(conn: asyncpg.Connection, match_id: uuid.UUID, newcomer: Person, mentor: Person) -> None:
    await matches_db.withdraw_suggested(conn, "course_closed", "id = $1", match_id)


@pytest.mark.parametrize(("step", "status", "label"), [
    (_decline_by_newcomer, "introduced", "Von der neu angekommenen Person abgelehnt"),
    (_decline_by_mentor, "introduced", "Von der Gegenseite abgelehnt"),
    (_rematch_by_newcomer, "active", "Die neu angekommene Person möchte jemand anderen"),
    (_rematch_by_mentor, "active", "Die Gegenseite möchte jemand anderen"),
    (_coordinator_ends, "active", LOOKALIKE),  # as typed, not as intake's sentence
    (_reject_with_note, "suggested", "Anderer Grund: zieht nach Leipzig"),
    (_course_closed, "suggested", "Der Anbieter hat den Kurs geschlossen"),
])
async def test_the_dashboard_history_labels_why_the_match_ended(
    intake_client: IntakeClient, pool: asyncpg.Pool, step: Step, status: str, label: str
) -> None:
    await login(intake_client)
    newcomer, mentor = await _pair(pool, "de")
    match_id = await add_match(pool, "mentor", newcomer, mentor.id, status=status)
    await _step(pool, step, match_id, newcomer, mentor)
    page = await (await intake_client.get(f"/dashboard/matches/{match_id}", params={"lang": "de"})).text()
    assert _reason_shown(page) == [label]


async def test_erasure_keeps_intakes_sentences_and_drops_a_coordinators_words(pool: asyncpg.Pool) -> None:
    newcomer, mentor = await _pair(pool, "de")
    declined = await add_match(pool, "mentor", newcomer, mentor.id)
    ended = await add_match(pool, "mentor", newcomer, mentor.id, status="active")
    async with pool.acquire() as conn, conn.transaction():
        await lifecycle.respond(conn, declined, mentor.id, "decline", None)
        # One lowercase word: it looked like a code to the pattern erasure matched the text with.
        await lifecycle.end_match(conn, await _coordinator(conn), ended, "cancelled", "umgezogen")
        await privacy.erase(conn, newcomer.id)
    rows = {r["id"]: r for r in await pool.fetch("SELECT id, reason, end_reason, ended_by_side FROM matches")}
    assert (rows[declined]["reason"], rows[declined]["end_reason"], rows[declined]["ended_by_side"]) == (
        "declined by counterpart", "declined", "counterpart")
    assert (rows[ended]["reason"], rows[ended]["end_reason"]) == (None, "coordinator")


async def test_the_migration_fills_in_matches_that_ended_before(pool: asyncpg.Pool, migrated: str) -> None:
    newcomer, mentor = await _pair(pool, "de")
    before = {
        ("declined", "declined by counterpart"): ("declined", "counterpart"),
        ("cancelled", "re-match requested by newcomer"): ("rematch_requested", "newcomer"),
        ("cancelled", "participant erased"): ("participant_erased", None),
        ("withdrawn", "participant erased"): ("participant_erased", None),
        ("withdrawn", "stale"): ("stale", None),
        ("rejected", "other: zieht nach Leipzig"): ("other", None),
        ("rejected", "distance"): ("distance", None),
        ("cancelled", LOOKALIKE + " am Telefon"): ("coordinator", None),
        ("completed", "umgezogen"): ("coordinator", None),
        ("active", None): (None, None),
    }
    ids = {}
    for status, reason in before:
        ids[(status, reason)] = await add_match(pool, "mentor", newcomer, mentor.id, status=status, reason=reason)
    # Written since (a code already there): left as it is.
    kept = await add_match(pool, "mentor", newcomer, mentor.id, status="cancelled", reason="declined by newcomer",
                           end_reason="coordinator")
    [sql] = [text for version, text in available_migrations() if version == "0019_match_end_reason"]
    conn = await asyncpg.connect(migrated)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()
    rows = {r["id"]: (r["end_reason"], r["ended_by_side"])
            for r in await pool.fetch("SELECT id, end_reason, ended_by_side FROM matches")}
    assert {key: rows[match_id] for key, match_id in ids.items()} == before
    assert rows[kept] == ("coordinator", None)
