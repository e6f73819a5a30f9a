"""Security headers on every kind of response, and participant links that open one person's data only."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from lotse.intake.typedefs import signer_key
from lotse.shared import tokens
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload


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
