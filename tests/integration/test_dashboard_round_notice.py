"""After a global round is started, the review queue says in view (not only inside the closed
"Global matching round" box) that it is still at work, and once it is done links its proposals
(review 8a, finding 13)."""

from __future__ import annotations

import html
import re
import uuid

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.test_dashboard import login
from tests.integration.test_dashboard_queue_filters import _person, _suggest


async def test_the_rounds_outcome_is_in_view(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    csrf = await login(intake_client)
    started = await intake_client.post("/dashboard/rounds", data={"csrf": csrf, "objective": "most_matched"},
                                       allow_redirects=False)
    assert started.status == 303
    round_id = await pool.fetchval("SELECT id FROM rounds ORDER BY requested_at DESC LIMIT 1")
    page = await (await intake_client.get(started.headers["Location"])).text()
    main = page[page.index("<main"):page.index('<details class="rounds">')]
    assert "Runde gestartet." in main and "läuft noch: Laden Sie diese Seite in ein paar Sekunden neu" in main

    # The matcher completes it with two proposals.
    mentor = await _person(pool, "mentor", "Thomas Berger", profile={"capacity": 5})
    for name in ("Олена Шевчук", "Taras Bondarenko"):
        match_id = await _suggest(pool, "mentor", await _person(pool, "newcomer", name), mentor)
        await pool.execute("UPDATE matches SET round_id = $2 WHERE id = $1", match_id, round_id)
    await pool.execute("UPDATE rounds SET status = 'completed', completed_at = now(), result = '{}' WHERE id = $1",
                       round_id)
    page = await (await intake_client.get("/dashboard")).text()
    main = page[page.index("<main"):page.index('<details class="rounds">')]
    link = re.search(r'<p class="notice round-done">Die globale Vermittlungsrunde vom .*? ist fertig\. '
                     r'<a href="([^"]+)">([^<]+)</a>', main)
    assert link is not None, main
    assert (html.unescape(link[1]), link[2]) == (f"/dashboard/rounds/{round_id}",
                                                 "Die 2 offenen Vorschläge prüfen und freigeben")
    # All of them decided: nothing left to point at.
    await pool.execute("UPDATE matches SET status = 'rejected' WHERE round_id = $1", round_id)
    page = await (await intake_client.get("/dashboard", params={"lang": "en"})).text()
    assert "round-done" not in page
    # A newer round still at work is said in English too.
    await pool.execute("INSERT INTO rounds (id, objective) VALUES ($1, 'best_total_score')", uuid.uuid4())
    page = await (await intake_client.get("/dashboard")).text()
    assert "is still at work: reload this page in a few seconds for its proposals." in page


async def test_starting_a_round_keeps_the_queues_filters(intake_client: IntakeClient) -> None:
    """The round is started from a filtered queue: its way back is to that queue, as a decision's is."""
    csrf = await login(intake_client)
    page = await (await intake_client.get("/dashboard", params={"kind": "mentor", "region": "Ostthüringen"})).text()
    action = "/dashboard/rounds?kind=mentor&amp;region=Ostth%C3%BCringen"
    assert f'<form method="post" action="{action}">' in page
    started = await intake_client.post(html.unescape(action), data={"csrf": csrf}, allow_redirects=False)
    assert started.headers["Location"] == "/dashboard?msg=round_started&kind=mentor&region=Ostth%C3%BCringen"
    # Without filters, the bare queue.
    started = await intake_client.post("/dashboard/rounds", data={"csrf": csrf}, allow_redirects=False)
    assert started.headers["Location"] == "/dashboard?msg=round_started"
