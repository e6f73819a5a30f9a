"""Review 9a, finding 1 (addendum): a page on another site cannot make its visitors' browsers register
someone, ask for new links or act through a signed link. A browser says where a request comes from
(Sec-Fetch-Site, or Origin in older ones); curl and server clients say nothing and keep working."""

from __future__ import annotations

import json
import uuid

import asyncpg
import pytest

from lotse.intake.cross_site import REFUSED
from lotse.intake.typedefs import after_response_key
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import newcomer_payload, unique_email
from tests.integration.test_self_service import manage_link

CROSS = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}


async def _people(pool: asyncpg.Pool, email: str) -> int:
    count: int = await pool.fetchval("SELECT count(*) FROM participants WHERE email = $1", email)
    return count


async def test_a_registration_another_site_makes_a_browser_send_is_refused_in_the_contract_shape(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    payload = newcomer_payload()
    # What the review's page did: fetch(..., {mode: "no-cors", body: JSON.stringify(...)}), text/plain.
    refused = await intake_client.post("/api/v1/newcomers", data=json.dumps(payload),
                                       headers={**CROSS, "Content-Type": "text/plain;charset=UTF-8"})
    assert refused.status == 403
    body = await refused.json()
    assert body["error"]["message"] == REFUSED and set(body) == {"error"}
    # An older browser without Sec-Fetch-Site gives itself away by its Origin.
    for origin in ("https://evil.example", "http://127.0.0.1.evil.example"):
        answered = await intake_client.post("/api/v1/newcomers", json=payload, headers={"Origin": origin})
        assert answered.status == 403, origin
    assert await _people(pool, payload["email"]) == 0
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0


@pytest.mark.parametrize("headers", [
    {},  # curl, a server
    {"Sec-Fetch-Site": "same-origin", "Origin": "https://evil.example"},  # the browser's word decides
    {"Sec-Fetch-Site": "same-site"},
    {"Sec-Fetch-Site": "none"},
    {"Origin": "http://127.0.0.1:8080"},  # LOTSE_PUBLIC_URL's origin
    # Our own form in a browser without Sec-Fetch-Site: our pages' Referrer-Policy: no-referrer
    # makes it say null (review 9c, finding 11).
    {"Origin": "null"},
])
async def test_clients_without_a_foreign_origin_still_register(
    intake_client: IntakeClient, pool: asyncpg.Pool, headers: dict[str, str]
) -> None:
    payload = newcomer_payload()
    answered = await intake_client.post("/api/v1/newcomers", json=payload, headers=headers)
    assert answered.status == 201, await answered.text()
    assert await _people(pool, payload["email"]) == 1


async def test_an_origin_naming_the_host_the_request_went_to_is_ours(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    payload = newcomer_payload()
    own = f"http://{intake_client.host}:{intake_client.port}"
    answered = await intake_client.post("/api/v1/newcomers", json=payload, headers={"Origin": own})
    assert answered.status == 201


async def test_public_forms_and_signed_link_posts_answer_the_error_page(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    email = unique_email("form")
    created = await intake_client.post("/api/v1/newcomers", json=newcomer_payload(email=email))
    participant_id = uuid.UUID((await created.json())["id"])
    await pool.execute("UPDATE participants SET status = 'verified' WHERE id = $1", participant_id)
    await pool.execute("DELETE FROM outbox")
    manage = manage_link(participant_id)
    posts = [
        ("/new-link?lang=de", {"email": email}),
        ("/register/newcomer?lang=de", {"name": "X", "email": unique_email("x")}),
        (f"{manage}?lang=de", {"action": "email_change", "new_email": unique_email("victim")}),
        (f"{manage}/erase?lang=de", {"confirm": "yes"}),
        (f"/respond/{uuid.uuid4()}?lang=de", {"answer": "accept"}),
    ]
    for path, form in posts:
        answered = await intake_client.post(path, data=form, headers=CROSS, allow_redirects=False)
        page = await answered.text()
        assert answered.status == 403, path
        assert answered.content_type == "text/html" and '<html lang="de"' in page, path
    await intake_client.app[after_response_key].finish()  # /new-link writes after answering: none pending
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 0
    assert await pool.fetchval("SELECT count(*) FROM email_changes") == 0
    assert await pool.fetchval("SELECT status FROM participants WHERE id = $1", participant_id) == "verified"

    # Links opened from a webmail page are cross-site GETs: they open as always.
    assert (await intake_client.get(manage, headers=CROSS)).status == 200
    # The same form posted from our own page goes through.
    sent = await intake_client.post("/new-link", data={"email": email}, allow_redirects=False,
                                    headers={"Sec-Fetch-Site": "same-origin"})
    assert sent.status == 303
    await intake_client.app[after_response_key].finish()  # its lookup and write, after the answer
    assert await pool.fetchval("SELECT count(*) FROM outbox") == 1
