"""Art. 15/20 export, driven by the schema: every table is either exported or declared free of
participants' data, so a new table cannot silently escape the export."""

from __future__ import annotations

import uuid

import asyncpg

from lotse.intake import privacy
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload


async def test_every_table_is_exported_or_declared_free_of_personal_data(pool: asyncpg.Pool) -> None:
    tables = {r["tablename"] for r in await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
              if not r["tablename"].startswith("test_")}  # scratch tables of other tests
    declared = set(privacy.EXPORTED_TABLES) | privacy.TRANSIENT_TABLES | privacy.NOT_ABOUT_PARTICIPANTS
    assert tables - declared == set(), "new tables: add them to the export or declare them in lotse.intake.privacy"
    assert declared - tables == set(), "declared tables that no longer exist"


async def test_the_export_holds_every_exported_table(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    newcomer = uuid.UUID((await (await intake_client.post("/api/v1/newcomers", json=newcomer_payload())).json())["id"])
    mentor = uuid.UUID((await (await intake_client.post("/api/v1/mentors", json=mentor_payload())).json())["id"])
    match_id = uuid.uuid4()
    await pool.execute("INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation, status) "
                       "VALUES ($1, 'mentor', $2, $3, 0.5, '[]', 'active')", match_id, newcomer, mentor)
    await pool.execute("INSERT INTO match_responses (match_id, participant_id, side, answer) "
                       "VALUES ($1, $2, 'newcomer', 'accept')", match_id, newcomer)
    await pool.execute("INSERT INTO checkins (match_id, participant_id, side, answer, comment) "
                       "VALUES ($1, $2, 'newcomer', 'good', 'Wir treffen uns jede Woche.')", match_id, newcomer)
    response = await intake_client.get(f"/api/v1/participants/{newcomer}/export", headers=coordinator_headers)
    assert response.status == 200
    exported = await response.json()
    assert set(privacy.EXPORTED_TABLES.values()) <= set(exported)
    assert exported["checkins"][0]["comment"] == "Wir treffen uns jede Woche."
    assert exported["responses"][0]["answer"] == "accept"
    assert exported["matches"][0]["id"] == str(match_id)
    assert exported["audit"] == []
    again = await (await intake_client.get(f"/api/v1/participants/{newcomer}/export",
                                           headers=coordinator_headers)).json()
    assert [a["action"] for a in again["audit"]] == ["participant.export"]  # the first export, on the record
