"""A repeated registration is written by the same single statement as a new one.

Its answer must take as long as a new registration's (review 9a: the time of an answer must not
tell that an address is registered). It used to be a failed insert and then a transaction of five
more statements, 3–4 ms slower on loopback. When the address's first registration commits while
the repeated one runs, the statement writes nothing and is asked again: one rule for a repeat.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

import asyncpg
import pytest

from lotse.intake import participants_db, registration_versions, registrations
from lotse.intake.validation import validate_registration
from lotse.shared import events
from tests.conftest import IntakeClient, eventually
from tests.integration.intake_fixtures import newcomer_payload, register, unique_email


@pytest.fixture
def statements(monkeypatch: pytest.MonkeyPatch) -> list[tuple[uuid.UUID, bool] | None]:
    """What each registration statement answered (None: it wrote nothing and was asked again)."""
    answers: list[tuple[uuid.UUID, bool] | None] = []
    insert = participants_db.insert_registration

    async def recorded(*args: Any) -> tuple[uuid.UUID, bool] | None:
        answers.append(await insert(*args))
        return answers[-1]

    monkeypatch.setattr(participants_db, "insert_registration", recorded)
    return answers


async def _requested(pool: asyncpg.Pool, participant_id: uuid.UUID) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT payload FROM outbox WHERE type = $1 AND payload->>'participant_id' = $2 ORDER BY occurred_at, id",
        events.NOTIFICATION_REQUESTED, str(participant_id),
    )
    return [dict(r["payload"]) for r in rows]


async def _versions(pool: asyncpg.Pool, participant_id: uuid.UUID) -> list[asyncpg.Record]:
    return list(await pool.fetch(
        "SELECT id, registration, created_at FROM registration_versions WHERE participant_id = $1 ORDER BY created_at",
        participant_id,
    ))


async def test_a_repeat_while_pending_keeps_a_version_in_one_statement(
    intake_client: IntakeClient, pool: asyncpg.Pool, statements: list[tuple[uuid.UUID, bool] | None],
) -> None:
    email = unique_email("repeat")
    first = await register(intake_client, newcomer_payload(email=email, name="First Comer"))
    assert await register(intake_client, newcomer_payload(email=email, name="Second Comer")) == first
    assert statements == [(first, True), (first, False)]

    [version] = await _versions(pool, first)
    assert version["registration"]["name"] == "Second Comer"
    assert await _requested(pool, first) == [
        {"participant_id": str(first), "notification": "verification", "version_id": str(version["id"])}
    ]
    stored = await pool.fetchrow("SELECT name, status FROM participants WHERE id = $1", first)
    assert (stored["name"], stored["status"]) == ("First Comer", "pending_verification")
    assert await pool.fetchval("SELECT count(*) FROM participants WHERE lower(email) = lower($1)", email) == 1

    # The same data again renews that version (the newest for /new-link) instead of adding one.
    assert await register(intake_client, newcomer_payload(email=email, name="Second Comer")) == first
    [renewed] = await _versions(pool, first)
    assert renewed["id"] == version["id"] and renewed["created_at"] > version["created_at"]
    assert [r.get("version_id") for r in await _requested(pool, first)] == [str(version["id"])] * 2
    assert statements[2:] == [(first, False)]


async def test_a_repeat_once_verified_asks_for_already_registered_in_one_statement(
    intake_client: IntakeClient, pool: asyncpg.Pool, statements: list[tuple[uuid.UUID, bool] | None],
) -> None:
    email = unique_email("repeat")
    first = await register(intake_client, newcomer_payload(email=email, name="Verified Person"))
    await pool.execute("UPDATE participants SET status = 'verified', verified_at = now() WHERE id = $1", first)

    assert await register(intake_client, newcomer_payload(email=email.upper(), name="Someone Else")) == first
    assert statements == [(first, True), (first, False)]
    assert await _requested(pool, first) == [{"participant_id": str(first), "notification": "already_registered"}]
    assert await _versions(pool, first) == []
    assert await pool.fetchval("SELECT name FROM participants WHERE id = $1", first) == "Verified Person"


async def test_a_first_registration_committing_meanwhile_has_the_repeat_asked_again(
    pool: asyncpg.Pool, statements: list[tuple[uuid.UUID, bool] | None],
) -> None:
    email = unique_email("race")
    owner = validate_registration("newcomer", newcomer_payload(email=email, name="Owner"), today=date.today())
    other = validate_registration("newcomer", newcomer_payload(email=email, name="Other"), today=date.today())
    first_id = uuid.uuid4()
    async with pool.acquire() as conn:
        committing = conn.transaction()
        await committing.start()
        written = await participants_db.insert_registration(
            conn, first_id, "newcomer", owner,
            events.new_event(events.PARTICIPANT_REGISTERED, participant_id=first_id, kind="newcomer"),
            registration_versions.to_json(owner),
        )
        assert written == (first_id, True)
        # The repeat's insert waits on the uncommitted row; once that commits, its snapshot does
        # not show it, so the statement writes nothing, and asked again it finds the row.
        repeat = asyncio.create_task(registrations.register(pool, "newcomer", other))

        async def repeat_waits() -> bool:
            return bool(await pool.fetchval(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"))

        await eventually(repeat_waits)
        await committing.commit()
    assert await repeat == registrations.Registered(first_id, created=False)
    assert statements == [(first_id, True), None, (first_id, False)]
    [version] = await _versions(pool, first_id)
    assert version["registration"]["name"] == "Other"
    assert await _requested(pool, first_id) == [
        {"participant_id": str(first_id), "notification": "verification", "version_id": str(version["id"])}
    ]
