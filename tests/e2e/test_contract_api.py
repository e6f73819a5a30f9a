"""The contract's HTTP API, events and email headers, seen only from outside the running services:
HTTP answers, the messages on `lotse.events` (a queue of the test's own bound to every routing
key) and the SMTP sink. Nothing here reads the product's tables to decide an outcome."""

from __future__ import annotations

import functools
import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aio_pika
import aiohttp
import asyncpg
import pytest
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

from lotse.intake.accounts import create_coordinator
from tests.conftest import eventually
from tests.e2e.conftest import System, wait_for_mail
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload

PASSWORD = "a long coordinator passphrase"
MATCH_KEYS = {"id", "kind", "newcomer_id", "counterpart_id", "score", "explanation", "status", "created_at",
              "decided_at", "decided_by"}
ENVELOPE_KEYS = {"id", "type", "occurred_at", "version", "data"}


def assert_error(body: Any, code: str | None = None) -> dict[str, Any]:
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, error
    assert isinstance(error["code"], str) and isinstance(error["message"], str) and isinstance(error["fields"], dict)
    if code is not None:
        assert error["code"] == code, error
    return dict(error)


@pytest.fixture
async def coordinator(http: aiohttp.ClientSession, pool: asyncpg.Pool) -> dict[str, str]:
    email = f"coordinator.{uuid.uuid4().hex[:6]}@example.org"
    async with pool.acquire() as conn:
        await create_coordinator(conn, email, PASSWORD)
    async with http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}) as response:
        assert response.status == 200
        return {"Authorization": f"Bearer {(await response.json())['token']}"}


@pytest.fixture
async def spy(amqp: AbstractRobustConnection) -> AsyncIterator[list[AbstractIncomingMessage]]:
    """Every message published to lotse.events while the test runs, as a client would see it."""
    channel = await amqp.channel()
    queue = await channel.declare_queue(exclusive=True, auto_delete=True)
    await queue.bind("lotse.events", "#")
    seen: list[AbstractIncomingMessage] = []

    async def keep(message: AbstractIncomingMessage) -> None:
        seen.append(message)
        await message.ack()

    await queue.consume(keep)
    yield seen
    await channel.close()


async def test_errors_keep_the_contract_shape_on_every_api_path(
    system: System, http: aiohttp.ClientSession, pool: asyncpg.Pool, coordinator: dict[str, str]
) -> None:
    async with http.get("/api/v1/newcomers") as response:  # a route that exists, the wrong method
        assert response.status == 405 and "POST" in response.headers["Allow"]
        assert_error(await response.json())
    async with http.get("/api/v1/no-such-thing") as response:
        assert response.status == 404
        assert_error(await response.json(), "not_found")

    for path in ("/api/v1/newcomers", "/api/v1/mentors", "/api/v1/employers", "/api/v1/language-providers",
                 "/api/v1/verify", "/api/v1/auth/login"):
        async with http.post(path, data=b'{"name": ', headers={"Content-Type": "application/json"}) as response:
            assert response.status == 400, path
            assert_error(await response.json())
    for path in (f"/api/v1/matches/{uuid.uuid4()}/approve", f"/api/v1/matches/{uuid.uuid4()}/reject",
                 "/api/v1/matching/rounds"):
        async with http.post(path, data=b"{", headers={"Content-Type": "application/json", **coordinator}) as r:
            assert r.status == 400, path
            assert_error(await r.json())

    async with http.post("/api/v1/newcomers", data=b'{"about": "' + b"x" * 300_000 + b'"}',
                         headers={"Content-Type": "application/json"}) as response:
        assert response.status == 413
        assert_error(await response.json())

    bad_level = newcomer_payload(languages=[{"code": "vi", "level": "native"}, {"code": "de", "level": "Z9"}])
    async with http.post("/api/v1/newcomers", json=bad_level) as response:
        assert response.status == 422
        error = assert_error(await response.json())
        assert list(error["fields"]) == ["languages[1].level"], error
    async with http.post("/api/v1/newcomers", json=newcomer_payload(consent={"data_processing": False})) as r:
        assert r.status == 422 and "consent.data_processing" in assert_error(await r.json())["fields"]

    async with http.get("/api/v1/participants") as response:
        assert response.status == 401
        assert_error(await response.json())
    async with http.get("/api/v1/participants?kind=alien", headers=coordinator) as response:
        assert response.status == 422 and "kind" in assert_error(await response.json())["fields"]
    nobody = uuid.uuid4()
    for method, path in [("GET", f"/api/v1/participants/{nobody}"), ("GET", "/api/v1/participants/not-a-uuid"),
                         ("GET", f"/api/v1/participants/{nobody}/export"), ("DELETE", f"/api/v1/participants/{nobody}"),
                         ("GET", f"/api/v1/matches/{nobody}"), ("POST", f"/api/v1/matches/{nobody}/approve"),
                         ("GET", f"/api/v1/matching/rounds/{nobody}")]:
        async with http.request(method, path, headers=coordinator) as response:
            assert response.status == 404, (method, path)
            assert_error(await response.json(), "not_found")


async def _register(system: System, http: aiohttp.ClientSession, path: str, body: dict[str, Any]) -> str:
    async with http.post(path, json=body) as response:
        assert response.status == 201, await response.text()
        created = await response.json()
    assert set(created) == {"id", "status"} and created["status"] == "pending_verification"
    uuid.UUID(created["id"])
    return str(created["id"])


async def test_a_match_from_registration_to_introduction_as_clients_see_it(
    system: System, http: aiohttp.ClientSession, pool: asyncpg.Pool, coordinator: dict[str, str],
    spy: list[AbstractIncomingMessage],
) -> None:
    mentor_body, newcomer_body = mentor_payload(capacity=1), newcomer_payload(preferred_locale="uk")
    mentor = await _register(system, http, "/api/v1/mentors", mentor_body)
    newcomer = await _register(system, http, "/api/v1/newcomers", newcomer_body)
    for body in (mentor_body, newcomer_body):
        [mail] = await wait_for_mail(system.mailsink, body["email"])
        link = re.search(re.escape(system.base_url) + r"(/verify/\S+)", mail.text)
        assert link, mail.text
        for _ in range(2):  # a second use is harmless
            async with http.get(link.group(1)) as page:
                assert page.status == 200 and page.content_type == "text/html"

    async with http.get("/api/v1/participants?kind=newcomer&status=verified", headers=coordinator) as response:
        assert response.status == 200
        assert newcomer in [p["id"] for p in (await response.json())["items"]]

    async def suggested() -> dict[str, Any] | None:
        async with http.get(f"/api/v1/matches?newcomer_id={newcomer}&kind=mentor&status=suggested",
                            headers=coordinator) as response:
            page = await response.json()
        assert set(page) >= {"items", "next_cursor"}
        return next((m for m in page["items"] if m["counterpart_id"] == mentor), None)

    match = await eventually(suggested, timeout=30)
    assert set(match) >= MATCH_KEYS
    assert match["kind"] == "mentor" and match["newcomer_id"] == newcomer and 0 <= match["score"] <= 1
    assert match["decided_at"] is None and match["decided_by"] is None
    assert match["explanation"] and all(set(e) >= {"factor", "contribution", "detail"} for e in match["explanation"])

    async with http.post(f"/api/v1/matches/{match['id']}/approve", json={}, headers=coordinator) as response:
        assert response.status == 200, await response.text()
        approved = await response.json()
    assert set(approved) >= MATCH_KEYS and approved["status"] == "approved" and approved["decided_by"]
    for decision, body in (("approve", {}), ("reject", {"reason": "other"})):
        async with http.post(f"/api/v1/matches/{match['id']}/{decision}", json=body, headers=coordinator) as r:
            assert r.status == 409, decision
            assert_error(await r.json(), "conflict")

    async def introduced() -> bool:
        async with http.get(f"/api/v1/matches/{match['id']}", headers=coordinator) as response:
            return bool((await response.json())["status"] == "introduced")

    await eventually(introduced, timeout=30)
    introductions = {}
    for body in (newcomer_body, mentor_body):
        mails = await eventually(functools.partial(_introductions, system, body["email"]), timeout=30)
        introductions[body["preferred_locale"]] = mails[0]
    assert introductions["uk"].headers["Content-Language"] == "uk"
    assert introductions["de"].headers["Content-Language"] == "de"
    notification_ids = {str(m.headers["X-Lotse-Notification"]) for m in introductions.values()}
    message_ids = {m.message_id for m in introductions.values()}
    assert len(notification_ids) == 2 and len(message_ids) == 2 and None not in message_ids

    async with http.post("/api/v1/matching/rounds", headers=coordinator) as response:
        assert response.status in (200, 201, 202)
        round_id = (await response.json())["id"]

    async def round_done() -> bool:
        async with http.get(f"/api/v1/matching/rounds/{round_id}", headers=coordinator) as response:
            assert response.status == 200
            return bool((await response.json())["status"] == "completed")

    await eventually(round_done, timeout=30)
    async with http.get("/api/v1/stats", headers=coordinator) as response:
        assert response.status == 200 and isinstance(await response.json(), dict)
    async with http.get(f"/api/v1/participants/{newcomer}/export", headers=coordinator) as response:
        assert response.status == 200 and newcomer_body["email"] in json.dumps(await response.json())
    async with http.delete(f"/api/v1/participants/{newcomer}", headers=coordinator) as response:
        assert response.status in (200, 202, 204)

    wanted = {"participant.registered", "participant.verified", "match.suggested", "match.approved",
              "match.introduced", "matching.round_completed", "participant.erased"}

    async def all_published() -> bool:
        return wanted <= {m.routing_key for m in spy}

    await eventually(all_published, timeout=30)
    personal = [newcomer_body["email"], newcomer_body["name"], newcomer_body["about"], mentor_body["email"],
                mentor_body["name"], mentor_body["about"]]
    for message in spy:
        envelope = json.loads(message.body)
        assert set(envelope) == ENVELOPE_KEYS, envelope
        assert message.routing_key == envelope["type"] and envelope["version"] == 1
        assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
        uuid.UUID(envelope["id"])
        text = message.body.decode()
        assert not [p for p in personal if p in text], envelope
    verified = [json.loads(m.body)["data"] for m in spy if m.routing_key == "participant.verified"]
    assert sorted(d["participant_id"] for d in verified) == sorted([mentor, newcomer])  # once each


async def _introductions(system: System, to: str) -> list[Any]:
    return [m for m in system.mailsink.messages() if to in m.rcpt_tos and "/respond/" in m.text]
