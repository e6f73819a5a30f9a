"""The coordinators' dashboard over HTTP: sessions, CSRF, the review queue, conflicts, audit,
statistics and exports."""

from __future__ import annotations

import re
import uuid

import asyncpg
import pytest

from lotse.intake.accounts import create_coordinator
from tests.conftest import COORDINATOR_EMAIL, COORDINATOR_PASSWORD
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "form without a CSRF token"
    return found.group(1)


async def login(client, email: str = COORDINATOR_EMAIL, password: str = COORDINATOR_PASSWORD) -> str:  # type: ignore[no-untyped-def]
    page = await client.get("/dashboard/login")
    response = await client.post("/dashboard/login", data={"csrf": csrf_of(await page.text()), "email": email,
                                                           "password": password, "next": "/dashboard"},
                                 allow_redirects=False)
    assert response.status == 303, await response.text()
    queue = await client.get("/dashboard")
    assert queue.status == 200
    return csrf_of(await queue.text())


async def _verified(intake_client, pool: asyncpg.Pool, path: str, body: dict[str, object]) -> uuid.UUID:  # type: ignore[no-untyped-def]
    created = await (await intake_client.post(path, json=body)).json()
    participant_id = uuid.UUID(created["id"])
    await pool.execute("UPDATE participants SET status = 'verified', verified_at = now() - interval '3 days' "
                       "WHERE id = $1", participant_id)
    return participant_id


async def _suggest(pool: asyncpg.Pool, newcomer: uuid.UUID, mentor: uuid.UUID) -> uuid.UUID:
    match_id = uuid.uuid4()
    await pool.execute(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation)
           VALUES ($1, 'mentor', $2, $3, 0.72,
                   '[{"factor": "language", "contribution": 0.42, "detail": "Both speak English well (B2 and B2)."},
                     {"factor": "needs", "contribution": 0.3, "detail": "Helps with childcare (1 of 2 needs)."}]')""",
        match_id, newcomer, mentor,
    )
    return match_id


async def test_every_dashboard_route_needs_a_session_and_admin_pages_an_admin(intake_client, pool) -> None:
    for path in ("/dashboard", "/dashboard/matches", "/dashboard/participants", "/dashboard/stats",
                 "/dashboard/audit", "/dashboard/export/matches.csv", f"/dashboard/participants/{uuid.uuid4()}"):
        response = await intake_client.get(path, allow_redirects=False)
        assert response.status == 303 and response.headers["Location"].startswith("/dashboard/login"), path
    posted = await intake_client.post(f"/dashboard/matches/{uuid.uuid4()}/approve", data={}, allow_redirects=False)
    assert posted.status == 303

    async with pool.acquire() as conn:
        await create_coordinator(conn, "plain@example.org", "a long enough password", role="coordinator")
    await login(intake_client, "plain@example.org", "a long enough password")
    assert (await intake_client.get("/dashboard/audit")).status == 403
    assert (await intake_client.get("/dashboard/stats")).status == 200


async def test_login_is_throttled_and_logout_ends_the_session_on_the_server(intake_client) -> None:
    page = await intake_client.get("/dashboard/login")
    token = csrf_of(await page.text())
    wrong = await intake_client.post("/dashboard/login", data={"csrf": token, "email": COORDINATOR_EMAIL,
                                                               "password": "wrong"})
    assert wrong.status == 401 and "falsch" in await wrong.text()
    csrf = await login(intake_client)
    cookie = intake_client.session.cookie_jar.filter_cookies(intake_client.make_url("/"))["lotse_session"].value
    await intake_client.post("/dashboard/logout", data={"csrf": csrf}, allow_redirects=False)
    intake_client.session.cookie_jar.update_cookies({"lotse_session": cookie})  # an attacker replaying it
    assert (await intake_client.get("/dashboard", allow_redirects=False)).status == 303


async def test_a_post_without_its_csrf_token_is_refused(intake_client, pool) -> None:
    await login(intake_client)
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    match_id = await _suggest(pool, newcomer, mentor)
    for data in ({}, {"csrf": "forged"}):
        refused = await intake_client.post(f"/dashboard/matches/{match_id}/approve", data=data)
        assert refused.status == 403
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", match_id) == "suggested"


async def test_the_queue_explains_and_decisions_are_audited(intake_client, pool) -> None:
    csrf = await login(intake_client)
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(capacity=1))
    lan = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(about="<script>x</script>"))
    olena = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Olena"))
    first, second = await _suggest(pool, lan, mentor), await _suggest(pool, olena, mentor)

    html = await (await intake_client.get("/dashboard")).text()
    assert "Both speak English well" in html and "Thomas Berger" in html and "0.72" in html
    assert "<script>x</script>" not in html and "&lt;script&gt;" in html

    approved = await intake_client.post(f"/dashboard/matches/{first}/approve", data={"csrf": csrf, "note": "ok"},
                                        allow_redirects=False)
    assert approved.status == 303
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", first) == "approved"
    # The only place is taken: approving the other suggestion is a readable conflict, not a crash.
    conflict = await intake_client.post(f"/dashboard/matches/{second}/approve", data={"csrf": csrf})
    assert conflict.status == 200 and "nichts geändert" in await conflict.text()

    no_reason = await intake_client.post(f"/dashboard/matches/{second}/reject", data={"csrf": csrf})
    assert "Grund" in await no_reason.text()
    trail = await pool.fetch("SELECT action, actor_id FROM audit_log ORDER BY id")
    assert [t["action"] for t in trail] == ["match.approve"]


async def test_participants_statistics_and_exports(intake_client, pool) -> None:
    csrf = await login(intake_client)
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Jürgen Öztürk"))
    listing = await intake_client.get("/dashboard/participants", params={"q": "Jürgen", "region": "Ostthüringen"})
    assert "Jürgen Öztürk" in await listing.text()
    detail = await intake_client.get(f"/dashboard/participants/{newcomer}")
    assert detail.status == 200 and "erteilt" in await detail.text()  # consents with time and version
    paused = await intake_client.post(f"/dashboard/participants/{newcomer}", data={"csrf": csrf, "action": "pause"},
                                      allow_redirects=False)
    assert paused.status == 303
    assert await pool.fetchval("SELECT status FROM participants WHERE id = $1", newcomer) == "paused"

    stats = await (await intake_client.get("/dashboard/stats")).text()
    assert stats.count("<svg") >= 4
    export = await intake_client.get("/dashboard/export/participants.csv")
    body = await export.read()
    assert body.startswith("\ufeff".encode()) and "Jürgen Öztürk".encode() in body
    assert export.headers["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/elsewhere"])
async def test_login_never_redirects_off_the_dashboard(intake_client, target: str) -> None:
    page = await intake_client.get("/dashboard/login")
    response = await intake_client.post("/dashboard/login", data={
        "csrf": csrf_of(await page.text()), "email": COORDINATOR_EMAIL, "password": COORDINATOR_PASSWORD,
        "next": target}, allow_redirects=False)
    assert response.headers["Location"] == "/dashboard"
