"""Review 11a, F1 and F2: a NUL character PostgreSQL cannot store, in a dashboard form or filter the
route's validation did not look at, is a 400 and nothing is decided; it was a 500."""

from __future__ import annotations

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.test_dashboard import _suggest, login
from tests.integration.test_dashboard_rounds import _mentor, _newcomer


async def test_a_nul_in_a_decisions_note_is_a_400_and_nothing_is_decided(
        intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    csrf = await login(intake_client)
    match_id = await _suggest(pool, await _newcomer(intake_client, pool, "Olena Kovalenko"),
                              await _mentor(intake_client, pool, "Thomas Berger"))
    for decision, form in (("approve", {"note": "a\x00b"}), ("reject", {"reason": "other", "note": "a\x00b"})):
        response = await intake_client.post(f"/dashboard/matches/{match_id}/{decision}",
                                            data={"csrf": csrf, **form}, allow_redirects=False)
        assert response.status == 400, (decision, await response.text())
        assert "<html" in await response.text()  # the dashboard's page, not a trace
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", match_id) == "suggested"
    assert await (await intake_client.get("/dashboard")).text()  # and the queue still answers


async def test_a_nul_in_a_filter_is_a_400(intake_client: IntakeClient) -> None:
    await login(intake_client)
    for path in ("/dashboard/audit?action=%00", "/dashboard/audit?action=a%00b"):
        response = await intake_client.get(path)
        assert response.status == 400, (path, await response.text())
