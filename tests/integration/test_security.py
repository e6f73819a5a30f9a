"""Security headers on every kind of response, and participant links that open one person's data only."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from lotse.intake.typedefs import signer_key
from lotse.shared import tokens
from tests.conftest import COORDINATOR_EMAIL, COORDINATOR_PASSWORD, IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.test_dashboard import login
from tests.integration.test_match_life import _introduced


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/"), ("GET", "/register/newcomer"), ("GET", "/dashboard/login"), ("GET", "/api/v1/openapi.json"),
    ("GET", "/no/such/page"), ("POST", "/api/v1/newcomers"), ("GET", "/static/lotse.css"), ("GET", "/healthz"),
])
async def test_every_response_carries_the_security_headers(intake_client: IntakeClient, method: str, path: str) -> None:
    response = await intake_client.request(method, path, data=b"{not json", allow_redirects=False)
    assert response.status < 500
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


async def _registered(intake_client: IntakeClient, body: dict[str, object]) -> uuid.UUID:
    response = await intake_client.post("/api/v1/" + ("mentors" if "capacity" in body else "newcomers"), json=body)
    assert response.status == 201
    return uuid.UUID((await response.json())["id"])


async def test_a_participant_link_opens_only_its_own_data_and_only_for_its_purpose(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    lan = await _registered(intake_client, newcomer_payload(name="Lan Nguyen"))
    thomas = await _registered(intake_client, mentor_payload(name="Thomas Berger"))
    signer = intake_client.app[signer_key]
    own = signer.sign(tokens.MANAGE, pid=str(lan))

    page = await intake_client.get(f"/manage/{own}")
    assert page.status == 200
    text = await page.text()
    assert "Lan Nguyen" in text and "Thomas Berger" not in text

    tampered = own[:-3] + ("AAA" if not own.endswith("AAA") else "BBB")
    verify_token = signer.sign(tokens.VERIFY, pid=str(thomas))
    respond_token = signer.sign(tokens.RESPOND, pid=str(thomas), mid=str(uuid.uuid4()))
    for token in (tampered, verify_token, respond_token, "x", "." * 300):
        for path in (f"/manage/{token}", f"/manage/{token}/erase"):
            refused = await intake_client.get(path)
            assert refused.status in (400, 404), (path, refused.status)
            assert "Thomas Berger" not in await refused.text()
        posted = await intake_client.post(f"/manage/{token}", data={"action": "pause"})
        assert posted.status in (400, 403, 404)
    assert await pool.fetchval("SELECT status FROM participants WHERE id = $1", thomas) == "pending_verification"


# Pages and documents with one person's data, and the ones that may be cached (review 9a F2).
PERSONAL = ["manage", "manage_erase", "respond", "checkin", "email_change", "verify", "registered",
            "new_link", "new_link_sent", "api_export", "dash_export"]


async def _personal_path(name: str, client: IntakeClient, pool: asyncpg.Pool) -> tuple[str, dict[str, str]]:
    """A path of ``name`` that answers 200 with someone's data, and the headers to send."""
    signer = client.app[signer_key]
    lan = await _registered(client, newcomer_payload(name="Lan Nguyen"))
    if name == "verify":
        return f"/verify/{signer.sign(tokens.VERIFY, pid=str(lan))}", {}
    await pool.execute("UPDATE participants SET status = 'verified', verified_at = now()")
    manage = f"/manage/{signer.sign(tokens.MANAGE, pid=str(lan))}"
    if name in ("respond", "checkin"):
        thomas = await _registered(client, mentor_payload(name="Thomas Berger"))
        await pool.execute("UPDATE participants SET status = 'verified', verified_at = now()")
        match_id = await _introduced(pool, lan, thomas)
        purpose = tokens.RESPOND if name == "respond" else tokens.CHECKIN
        return f"/{name}/{signer.sign(purpose, mid=str(match_id), pid=str(lan))}", {}
    if name == "email_change":
        asked = await client.post(manage, data={"action": "email_change", "new_email": "lan.new@example.org"},
                                  allow_redirects=False)
        assert asked.status == 303
        change = await pool.fetchval("SELECT id FROM email_changes WHERE participant_id = $1", lan)
        return f"/email-change/{signer.sign(tokens.EMAIL_CHANGE, pid=str(lan), cid=str(change))}", {}
    if name == "api_export":
        login_answer = await client.post("/api/v1/auth/login",
                                         json={"email": COORDINATOR_EMAIL, "password": COORDINATOR_PASSWORD})
        bearer = (await login_answer.json())["token"]
        return f"/api/v1/participants/{lan}/export", {"Authorization": f"Bearer {bearer}"}
    if name == "dash_export":
        await login(client)
        return f"/dashboard/participants/{lan}/export.json", {}
    return {"manage": manage, "manage_erase": f"{manage}/erase", "registered": "/register/newcomer/thanks",
            "new_link": "/new-link", "new_link_sent": "/new-link/sent"}[name], {}


@pytest.mark.parametrize("name", PERSONAL)
async def test_pages_with_personal_data_are_never_stored_by_a_cache(
    intake_client: IntakeClient, pool: asyncpg.Pool, name: str
) -> None:
    path, headers = await _personal_path(name, intake_client, pool)
    response = await intake_client.get(path, headers=headers, allow_redirects=False)
    assert response.status == 200, (path, await response.text())
    assert response.headers.get("Cache-Control") == "no-store"


async def test_the_static_files_and_the_api_description_may_be_cached(intake_client: IntakeClient) -> None:
    for path in ("/static/lotse.css", "/api/v1/openapi.json"):
        response = await intake_client.get(path)
        assert response.status == 200
        assert "no-store" not in response.headers.get("Cache-Control", ""), path
