"""The whole path through the running services: two registrations, a suggestion, an approval,
introductions in each person's language, and both answers through the links in the emails."""

from __future__ import annotations

import re
import uuid
from typing import Any

import aiohttp
import asyncpg

from lotse.intake.accounts import create_coordinator
from lotse.shared.mailsink import StoredMessage
from tests.conftest import eventually
from tests.e2e.conftest import System, wait_for_mail
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload

PASSWORD = "a long coordinator passphrase"


async def _register_and_verify(
    system: System, http: aiohttp.ClientSession, path: str, body: dict[str, Any]
) -> uuid.UUID:
    async with http.post(path, json=body) as response:
        assert response.status == 201, await response.text()
        participant_id = uuid.UUID((await response.json())["id"])
    [mail] = await wait_for_mail(system.mailsink, body["email"])
    link = re.search(re.escape(system.base_url) + r"(/verify/\S+)", mail.text)
    assert link, mail.text
    async with http.get(link.group(1)) as page:
        assert page.status == 200
    return participant_id


def _mails_of_type(system: System, to: str, marker: str) -> list[StoredMessage]:
    return [m for m in system.mailsink.messages() if to in m.rcpt_tos and marker in m.text]


async def test_suggestion_approval_introduction_and_answers(
    system: System, http: aiohttp.ClientSession, pool: asyncpg.Pool
) -> None:
    mentor_body = mentor_payload(capacity=2)
    newcomer_body = newcomer_payload()
    mentor = await _register_and_verify(system, http, "/api/v1/mentors", mentor_body)
    newcomer = await _register_and_verify(system, http, "/api/v1/newcomers", newcomer_body)

    async def suggested() -> asyncpg.Record | None:
        return await pool.fetchrow(
            "SELECT id, score, explanation FROM matches WHERE newcomer_id = $1 AND counterpart_id = $2 "
            "AND status = 'suggested'",
            newcomer,
            mentor,
        )

    suggestion = await eventually(suggested, timeout=30)
    assert 0 < suggestion["score"] <= 1 and suggestion["explanation"]

    email = f"coordinator.{uuid.uuid4().hex[:6]}@example.org"
    async with pool.acquire() as conn:
        await create_coordinator(conn, email, PASSWORD)
    async with http.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD}) as response:
        token = (await response.json())["token"]
    headers = {"Authorization": f"Bearer {token}"}
    async with http.post(f"/api/v1/matches/{suggestion['id']}/approve", json={"note": "e2e"}, headers=headers) as r:
        assert r.status == 200, await r.text()

    async def introduced() -> bool:
        status: str | None = await pool.fetchval("SELECT status FROM matches WHERE id = $1", suggestion["id"])
        return status == "introduced"

    await eventually(introduced, timeout=30)

    ours = {newcomer_body["email"], mentor_body["email"]}

    async def both_introduced() -> list[StoredMessage]:
        # The sink lives for the whole session: only this test's two people count.
        mails = [m for m in system.mailsink.messages() if "/respond/" in m.text and set(m.rcpt_tos) & ours]
        to = {r for m in mails for r in m.rcpt_tos}
        return mails if ours <= to else []

    introductions = await eventually(both_introduced, timeout=30)
    by_recipient = {m.rcpt_tos[0]: m for m in introductions}
    assert by_recipient[newcomer_body["email"]].headers["Content-Language"] == "vi"
    assert by_recipient[mentor_body["email"]].headers["Content-Language"] == "de"
    # Both consented to sharing contact details, which the consent ties to both saying yes: the
    # introduction does not pass the addresses on yet (review 8d, finding 2).
    assert mentor_body["email"] not in by_recipient[newcomer_body["email"]].text
    assert newcomer_body["email"] not in by_recipient[mentor_body["email"]].text

    for mail in introductions:
        link = re.search(re.escape(system.base_url) + r"(/respond/[^\s?]+)", mail.text)
        assert link, mail.text
        async with http.post(link.group(1), data={"answer": "accept"}) as response:
            assert response.status == 200

    async def active() -> bool:
        status: str | None = await pool.fetchval("SELECT status FROM matches WHERE id = $1", suggestion["id"])
        return status == "active"

    await eventually(active, timeout=15)

    other = {newcomer_body["email"]: mentor_body["email"], mentor_body["email"]: newcomer_body["email"]}

    async def both_told_the_address() -> set[str]:
        # The "both said yes" emails: each side now reads the other's address.
        told = {m.rcpt_tos[0] for m in system.mailsink.messages()
                if m.rcpt_tos[0] in other and other[m.rcpt_tos[0]] in m.text}
        return told if told == ours else set()

    await eventually(both_told_the_address, timeout=30)
    ids = [m.headers["X-Lotse-Notification"] for m in system.mailsink.messages()]
    assert len(ids) == len(set(ids)), "an email was sent twice"
