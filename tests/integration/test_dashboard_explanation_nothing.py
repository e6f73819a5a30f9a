"""An explanation shows the factors that added something; those that added nothing (0,000) are
named together on one line, in the review queue and on the match page (review 8a, finding 16)."""

from __future__ import annotations

import re
import uuid

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.test_dashboard import _verified, login

EXPLANATION = [
    {"factor": "language", "contribution": 0.4, "detail": "Both speak English well (B2 and B2)."},
    {"factor": "about", "contribution": 0.0, "detail": "Their own words have 0% in common."},
    {"factor": "waiting", "contribution": 0.0, "detail": "Waiting for 0 days."},
]


async def test_factors_that_added_nothing_share_one_line(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    await login(intake_client)
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Nguyễn Thị Lan"))
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    match_id = uuid.uuid4()
    await pool.execute("""INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation)
                          VALUES ($1, 'mentor', $2, $3, 0.4, $4::jsonb)""", match_id, newcomer, mentor, EXPLANATION)
    queue = await (await intake_client.get("/dashboard")).text()
    card = re.search(rf'<article class="suggestion" id="match-{match_id}">(.*?)</article>', queue, re.S)
    assert card is not None
    match = await (await intake_client.get(f"/dashboard/matches/{match_id}")).text()
    for page in (card[1], match):
        assert re.findall(r'<tr><th scope="row">([^<]+)</th>', page) == ["Sprache"]  # the one that contributed
        assert "Nicht beigetragen: Eigene Worte, Wartezeit" in page
        assert "0,000" not in page and "stimmen zu 0" not in page
    english = await (await intake_client.get(f"/dashboard/matches/{match_id}", params={"lang": "en"})).text()
    assert "Did not contribute: Own words, Waiting time" in english
