"""The coordinators' dashboard over HTTP: sessions, CSRF, the review queue, conflicts, audit,
statistics and exports."""

from __future__ import annotations

import asyncio
import re
import uuid

import asyncpg
import pytest
from aiohttp import web

from lotse.intake.accounts import create_coordinator
from lotse.intake.auth import ADMIN, COORDINATOR
from tests.conftest import COORDINATOR_EMAIL, COORDINATOR_PASSWORD, IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "form without a CSRF token"
    return found.group(1)


async def login(client: IntakeClient, email: str = COORDINATOR_EMAIL, password: str = COORDINATOR_PASSWORD) -> str:
    page = await client.get("/dashboard/login")
    response = await client.post("/dashboard/login", data={"csrf": csrf_of(await page.text()), "email": email,
                                                           "password": password, "next": "/dashboard"},
                                 allow_redirects=False)
    assert response.status == 303, await response.text()
    queue = await client.get("/dashboard")
    assert queue.status == 200
    return csrf_of(await queue.text())


async def _verified(intake_client: IntakeClient, pool: asyncpg.Pool, path: str, body: dict[str, object]) -> uuid.UUID:
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


def _protected_routes(app: web.Application) -> list[tuple[str, str, str]]:
    """(method, a concrete path, policy) for every coordinator and admin route the app has."""
    found = []
    for route in app.router.routes():
        policy = getattr(route, "_lotse_policy", None)
        assert policy is not None or route.method == "HEAD", f"{route.method} {route.resource} declares no policy"
        if policy in (COORDINATOR, ADMIN) and route.method != "HEAD":
            assert route.resource is not None, f"{route.method} route without a resource"
            path = route.resource.canonical.replace("{decision}", "approve")
            path = re.sub(r"\{id\}", str(uuid.uuid4()), path)
            found.append((route.method, re.sub(r"\{[^}]+\}", "x", path), policy))
    return found


async def test_every_protected_route_needs_a_session_and_admin_routes_an_admin(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    routes = _protected_routes(intake_client.app)
    assert len(routes) > 20 and any(policy == ADMIN for _, _, policy in routes)
    for method, path, _ in routes:
        response = await intake_client.request(method, path, allow_redirects=False)
        if path.startswith("/api/"):
            assert response.status == 401, (method, path)
        else:
            assert response.status == 303 and response.headers["Location"].startswith("/dashboard/login"), path

    async with pool.acquire() as conn:
        await create_coordinator(conn, "plain@example.org", "a long enough password", role="coordinator")
    csrf = await login(intake_client, "plain@example.org", "a long enough password")
    token = (await (await intake_client.post("/api/v1/auth/login", json={
        "email": "plain@example.org", "password": "a long enough password"})).json())["token"]
    for method, path, policy in routes:
        if policy != ADMIN:
            continue
        if path.startswith("/api/"):
            response = await intake_client.request(method, path, headers={"Authorization": f"Bearer {token}"})
        else:
            response = await intake_client.request(method, path, data={"csrf": csrf}, allow_redirects=False)
        assert response.status == 403, (method, path)
    assert (await intake_client.get("/dashboard/stats")).status == 200


async def test_login_is_throttled_and_logout_ends_the_session_on_the_server(intake_client: IntakeClient) -> None:
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


async def test_a_post_without_its_csrf_token_is_refused(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    await login(intake_client)
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    match_id = await _suggest(pool, newcomer, mentor)
    for data in ({}, {"csrf": "forged"}):
        refused = await intake_client.post(f"/dashboard/matches/{match_id}/approve", data=data)
        assert refused.status == 403
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", match_id) == "suggested"


async def test_the_queue_explains_and_decisions_are_audited(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    csrf = await login(intake_client)
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(capacity=1))
    lan = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(about="<script>x</script>"))
    olena = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Olena"))
    first, second = await _suggest(pool, lan, mentor), await _suggest(pool, olena, mentor)

    html = await (await intake_client.get("/dashboard")).text()
    assert "Beide sprechen gut Englisch" in html and "Thomas Berger" in html and "0,72" in html
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
    trail = await pool.fetch("SELECT action, actor_id FROM audit_log WHERE action <> 'coordinator.login' ORDER BY id")
    assert [t["action"] for t in trail] == ["match.approve"]


async def test_participants_statistics_and_exports(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    csrf = await login(intake_client)
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Jürgen Öztürk"))
    listing = await intake_client.get("/dashboard/participants", params={"q": "Jürgen", "region": "Ostthüringen"})
    assert "Jürgen Öztürk" in await listing.text()
    jana = newcomer_payload(name="Jana Nowak", email="jana_n@bücher.de")
    await _verified(intake_client, pool, "/api/v1/newcomers", jana)
    for found, query in [(True, "jana_n@xn--bcher-kva.de"), (True, "@BÜCHER.de"), (True, "jana_n"),
                         (False, "jana%n"), (False, "jana_nowak")]:
        listing = await intake_client.get("/dashboard/participants", params={"q": query})
        # Any spelling of the domain finds her; `%` and `_` are characters, not wildcards.
        assert ("Jana Nowak" in await listing.text()) is found, query
    in_gera = await intake_client.get("/dashboard/participants", params={"district": "16052"})
    in_suhl = await intake_client.get("/dashboard/participants", params={"district": "16054"})
    assert "Jürgen Öztürk" in await in_gera.text() and "Jürgen Öztürk" not in await in_suhl.text()
    detail = await intake_client.get(f"/dashboard/participants/{newcomer}")
    assert detail.status == 200 and "erteilt" in await detail.text()  # consents with time and version
    paused = await intake_client.post(f"/dashboard/participants/{newcomer}", data={"csrf": csrf, "action": "pause"},
                                      allow_redirects=False)
    assert paused.status == 303
    assert await pool.fetchval("SELECT status FROM participants WHERE id = $1", newcomer) == "paused"
    detail_html = await (await intake_client.get(f"/dashboard/participants/{newcomer}")).text()
    link = re.search(r'href="(/dashboard/participants/[^"]+/export\.json)"', detail_html)
    assert link, "the participant page links to the export"
    exported = await intake_client.get(link.group(1))
    assert exported.status == 200 and (await exported.json())["participant"]["name"] == "Jürgen Öztürk"

    stats = await (await intake_client.get("/dashboard/stats")).text()
    assert stats.count("<svg") >= 4
    export = await intake_client.get("/dashboard/export/participants.csv")
    body = await export.read()
    assert body.startswith("\ufeff".encode()) and "Jürgen Öztürk".encode() in body
    assert export.headers["Content-Type"].startswith("text/csv")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/elsewhere"])
async def test_login_never_redirects_off_the_dashboard(intake_client: IntakeClient, target: str) -> None:
    page = await intake_client.get("/dashboard/login")
    response = await intake_client.post("/dashboard/login", data={
        "csrf": csrf_of(await page.text()), "email": COORDINATOR_EMAIL, "password": COORDINATOR_PASSWORD,
        "next": target}, allow_redirects=False)
    assert response.headers["Location"] == "/dashboard"


def _link_of(html: str) -> str:
    urls: list[str] = re.findall(r'value="https?://[^"/]+(/dashboard/password/[^"]+)"', html)
    assert urls, "no one-time link on the page"
    return urls[0]


async def invitation_link(client: IntakeClient, admin_csrf: str, email: str) -> str:
    """An admin (logged in, ``admin_csrf``) invites ``email``; the one-time link they pass on, opened
    next in a browser of the invitee's own (the admin's cookies gone)."""
    await client.post("/dashboard/team", data={"csrf": admin_csrf, "action": "invite", "email": email,
                                               "role": "coordinator"})
    link = _link_of(await (await client.get("/dashboard/team")).text())
    client.session.cookie_jar.clear()
    return link


async def test_admin_invites_resets_and_deactivates_a_colleague(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    admin_csrf = await login(intake_client)
    team = await intake_client.post("/dashboard/team", data={"csrf": admin_csrf, "action": "invite",
                                                             "email": "neu@welcome.example", "role": "coordinator"})
    assert team.status == 200
    link = _link_of(await team.text())
    again = await intake_client.post("/dashboard/team", data={"csrf": admin_csrf, "action": "invite",
                                                              "email": "NEU@welcome.example", "role": "coordinator"})
    assert again.status == 409 and "bereits" in await again.text()
    member = await pool.fetchval("SELECT id FROM coordinators WHERE email = 'neu@welcome.example'")

    intake_client.session.cookie_jar.clear()  # the colleague, in another browser
    page = await intake_client.get(link)
    assert page.status == 200 and "neu@welcome.example" in await page.text()
    token = csrf_of(await page.text())
    mismatch = await intake_client.post(link, data={"csrf": token, "password": "a" * 14, "repeat": "b" * 14})
    short = await intake_client.post(link, data={"csrf": token, "password": "short", "repeat": "short"})
    assert (mismatch.status, short.status) == (422, 422)
    saved = await intake_client.post(link, data={"csrf": token, "password": "my own passphrase",
                                                 "repeat": "my own passphrase"}, allow_redirects=False)
    assert saved.status == 303 and saved.headers["Location"].startswith("/dashboard/login")
    assert (await intake_client.get(link)).status == 410  # works once
    await login(intake_client, "neu@welcome.example", "my own passphrase")
    assert (await intake_client.get("/dashboard/team", allow_redirects=False)).status == 403
    member_cookie = intake_client.session.cookie_jar.filter_cookies(intake_client.make_url("/"))["lotse_session"]

    intake_client.session.cookie_jar.clear()
    admin_csrf = await login(intake_client)
    reset = await intake_client.post("/dashboard/team", data={"csrf": admin_csrf, "action": "reset",
                                                              "id": str(member)})
    assert reset.status == 200 and _link_of(await reset.text()) != link
    assert await pool.fetchval("SELECT count(*) FROM auth_sessions WHERE coordinator_id = $1", member) == 0
    deactivated = await intake_client.post("/dashboard/team", data={"csrf": admin_csrf, "action": "deactivate",
                                                                    "id": str(member)}, allow_redirects=False)
    assert deactivated.status == 303
    self_lockout = await intake_client.post("/dashboard/team", data={
        "csrf": admin_csrf, "action": "deactivate",
        "id": str(await pool.fetchval("SELECT id FROM coordinators WHERE email = $1", COORDINATOR_EMAIL))})
    assert self_lockout.status == 409

    intake_client.session.cookie_jar.clear()
    intake_client.session.cookie_jar.update_cookies({"lotse_session": member_cookie.value})
    assert (await intake_client.get("/dashboard", allow_redirects=False)).status == 303  # the old session is gone
    page = await intake_client.get("/dashboard/login")
    refused = await intake_client.post("/dashboard/login", data={
        "csrf": csrf_of(await page.text()), "email": "neu@welcome.example", "password": "my own passphrase"})
    assert refused.status == 401
    actions = [r["action"] for r in await pool.fetch(
        "SELECT action FROM audit_log WHERE subject_id = $1 ORDER BY at, id", member)]
    assert actions == ["coordinator.invited", "coordinator.password_set", "coordinator.login",  # the colleague's
                       "coordinator.password_reset", "coordinator.deactivated"]


async def test_two_approvals_racing_for_the_last_place_cannot_both_win(intake_client: IntakeClient, pool: asyncpg.Pool,
                                                                      coordinator_headers: dict[str, str]) -> None:
    for attempt in range(5):  # a race is a matter of timing: run it a few times
        mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(capacity=1))
        newcomers = [await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload()) for _ in range(2)]
        suggestions = [await _suggest(pool, n, mentor) for n in newcomers]
        answers = await asyncio.gather(*(intake_client.post(f"/api/v1/matches/{s}/approve", json={},
                                                            headers=coordinator_headers) for s in suggestions))
        statuses = sorted(a.status for a in answers)
        held = await pool.fetchval("SELECT count(*) FROM matches WHERE counterpart_id = $1 "
                                   "AND status IN ('approved', 'introduced', 'active')", mentor)
        assert held == 1, f"attempt {attempt}: {held} approvals hold one place"
        assert statuses == [200, 409]


async def test_a_completed_round_shows_its_gain_over_greedy_and_who_was_left_waiting(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    group = {"waiting": 2, "proposed": 1, "match_rate": 0.5, "mean_score": 0.61}
    unmatched = {"waiting": 1, "proposed": 0, "match_rate": 0.0, "mean_score": None}
    result = {"objective": "best_total_score", "kinds": {"mentor": {
        "waiting": 3, "proposed": 1, "total_score": 0.61, "greedy": {"proposed": 1, "total_score": 0.55},
        "gain_over_greedy": 0.06, "unmatched": {"room_went_to_a_better_pair": 2},
        "fairness": {"by_country_of_origin": {"UA": unmatched, "VN": group},
                     "by_planning_region": {"Ostthüringen": {**group, "waiting": 3, "match_rate": 0.3333}}}}}}
    await pool.execute("INSERT INTO rounds (id, objective, status, completed_at, result) "
                       "VALUES ($1, 'best_total_score', 'completed', now(), $2)", uuid.uuid4(), result)
    # German by default: kind label, decimal commas, country names, "33 %" with a no-break space.
    html = await (await intake_client.get("/dashboard")).text()
    report = html[html.index('class="round-report"'):]
    assert "Mentor/in: 1 von 3 Wartenden vorgeschlagen" in report
    assert "0,61" in report and "0,55" in report and "+0,06" in report
    assert re.search(r"<th scope=\"row\">Ukraine</th><td>1</td><td>0</td><td>0\xa0%</td><td>–</td>", report)
    assert re.search(r"<th scope=\"row\">Ostthüringen</th><td>3</td><td>1</td><td>33\xa0%</td><td>0,61</td>", report)
    html = await (await intake_client.get("/dashboard", params={"lang": "en"})).text()
    report = html[html.index('class="round-report"'):]
    assert "Mentor: 1 of 3 waiting proposed · total score 0.61 (best pair first: 0.55, +0.06)" in report
    assert re.search(r"<th scope=\"row\">Vietnam</th><td>2</td><td>1</td><td>50%</td><td>0.61</td>", report)
