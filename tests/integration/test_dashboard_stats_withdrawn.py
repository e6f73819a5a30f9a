"""Review 9d, D5: withdrawn suggestions are deleted 90 days after their withdrawal (retention), so
the statistics' withdrawn figure counts only those days: the dashboard's bar says so, and so does
the OpenAPI description of GET /api/v1/stats' matches."""

from __future__ import annotations

import asyncpg

from lotse.intake import retention
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import add_match, add_participant
from tests.integration.test_dashboard import login
from tests.integration.test_dashboard_stats_offers import _bars


async def test_the_withdrawn_bar_says_it_counts_the_last_90_days(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    newcomer = await add_participant(pool, "newcomer", name="Karim Haddad", locale="fr")
    mentor = await add_participant(pool, "mentor", name="Greta Sommer", locale="de")
    for status in ("withdrawn", "introduced"):
        await add_match(pool, "mentor", newcomer, mentor.id, status=status)

    german = _bars(await (await intake_client.get("/dashboard/stats", params={"lang": "de"})).text(),
                   "Matches nach Stand")
    assert "Vorschlag zurückgezogen (letzte 90 Tage)" in german
    assert "Vorschlag zurückgezogen" not in german and "vorgestellt" in german  # the other bars as before
    english = _bars(await (await intake_client.get("/dashboard/stats", params={"lang": "en"})).text(),
                    "Matches by state")
    assert "suggestion withdrawn (last 90 days)" in english and retention.WITHDRAWN_DAYS == 90


async def test_the_stats_schema_says_what_the_withdrawn_count_covers(intake_client: IntakeClient) -> None:
    document = await (await intake_client.get("/api/v1/openapi.json")).json()
    stats = document["paths"]["/api/v1/stats"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    described = stats["properties"]["matches"]["description"]
    assert "withdrawn counts only the suggestions withdrawn in the last 90 days" in described
