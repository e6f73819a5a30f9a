"""Erasure through the running services: after a newcomer with an active match is erased, no
table holds their name, address or words; the mentor is told the match ended; the newcomer
gets the confirmation, and then the address is gone too."""

from __future__ import annotations

import uuid

import aiohttp
import asyncpg

from lotse.intake.accounts import create_coordinator
from tests.conftest import eventually
from tests.e2e.conftest import System
from tests.e2e.test_match_flow import _register_and_verify
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload

PASSWORD = "a long coordinator passphrase"


async def _every_row_as_text(pool: asyncpg.Pool) -> dict[str, str]:
    tables = await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    dump = {}
    for table in tables:
        name = table["tablename"]
        rows = await pool.fetch(f'SELECT t::text AS row FROM "{name}" t')  # names come from the catalog
        dump[name] = "\n".join(r["row"] for r in rows)
    return dump


async def test_nothing_personal_is_left_anywhere_after_erasure(
    system: System, http: aiohttp.ClientSession, pool: asyncpg.Pool
) -> None:
    marker = uuid.uuid4().hex[:8]
    newcomer_body = newcomer_payload(name=f"Lan Erasure{marker}", about=f"My own words {marker}.",
                                     email=f"lan.{marker}@example.org")
    mentor_body = mentor_payload(capacity=2)
    mentor = await _register_and_verify(system, http, "/api/v1/mentors", mentor_body)
    newcomer = await _register_and_verify(system, http, "/api/v1/newcomers", newcomer_body)

    async def suggested() -> uuid.UUID | None:
        found: uuid.UUID | None = await pool.fetchval(
            "SELECT id FROM matches WHERE newcomer_id = $1 AND counterpart_id = $2", newcomer, mentor)
        return found

    match_id = await eventually(suggested, timeout=30)
    email = f"coordinator.{uuid.uuid4().hex[:6]}@example.org"
    async with pool.acquire() as conn:
        await create_coordinator(conn, email, PASSWORD)
    async with http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}) as response:
        headers = {"Authorization": f"Bearer {(await response.json())['token']}"}
    note = f"Lan Erasure{marker} prefers evenings"
    async with http.post(f"/api/v1/matches/{match_id}/approve", json={"note": note}, headers=headers) as r:
        assert r.status == 200, await r.text()

    async def introduced() -> bool:
        status: str | None = await pool.fetchval("SELECT status FROM matches WHERE id = $1", match_id)
        return status == "introduced"

    await eventually(introduced, timeout=30)

    async def introduction_sent() -> bool:
        return bool(await pool.fetchval("SELECT 1 FROM notifications WHERE participant_id = $1 "
                                        "AND type = 'introduction' AND status = 'sent'", newcomer))

    await eventually(introduction_sent, timeout=30)
    # Her words in the answers that are free text: a decline reason and a check-in comment.
    await pool.execute("INSERT INTO match_responses (match_id, participant_id, side, answer, reason) "
                       "VALUES ($1, $2, 'newcomer', 'decline', $3)", match_id, newcomer, f"reason {marker}")
    await pool.execute("INSERT INTO checkins (match_id, participant_id, side, answer, comment) "
                       "VALUES ($1, $2, 'newcomer', 'good', $3)", match_id, newcomer, f"comment {marker}")

    async with http.delete(f"/api/v1/participants/{newcomer}", headers=headers) as response:
        assert response.status == 204

    async def confirmation_sent() -> bool:
        return bool(await pool.fetchval(
            "SELECT 1 FROM notifications WHERE participant_id = $1 AND type = 'erasure_confirmation' "
            "AND status = 'sent'", newcomer))

    await eventually(confirmation_sent, timeout=30)

    async def mentor_told() -> bool:
        return bool(await pool.fetchval(
            "SELECT 1 FROM notifications WHERE participant_id = $1 AND type = 'match_ended' AND status = 'sent'",
            mentor))

    await eventually(mentor_told, timeout=30)
    dump = await _every_row_as_text(pool)
    assert len(dump) > 15
    for secret in (marker, newcomer_body["email"], newcomer_body["name"]):
        holding = [table for table, text in dump.items() if secret.lower() in text.lower()]
        assert holding == [], f"{secret!r} is still in {holding}"
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", match_id) == "cancelled"
