"""The first flow through the running services: register, email, verify, matcher sees it."""

from __future__ import annotations

import re
import uuid

import aiohttp
import asyncpg

from tests.conftest import eventually
from tests.e2e.conftest import System, wait_for_mail


def nurse_from_hanoi(email: str) -> dict[str, object]:
    return {
        "name": "Nguyễn Thị Lan",
        "email": email,
        "preferred_locale": "vi",
        "district": "16052",
        "languages": [{"code": "vi", "level": "native"}, {"code": "en", "level": "B2"},
                      {"code": "de", "level": "A2"}],
        "consent": {"data_processing": True, "share_contact": True},
        "country_of_origin": "VN",
        "occupation_field": "nursing",
        "arrival": "abroad",
        "needs": ["language_course", "childcare", "housing"],
        "wants_mentor": True,
        "course_schedules": ["evening"],
        "household": {"partner": True, "partner_seeks_work": True, "children_ages": [4]},
        "about": "Nurse, starting at the hospital in Gera in three months.",
    }


async def test_register_email_verify_and_matcher_consumes(
    system: System, http: aiohttp.ClientSession, pool: asyncpg.Pool
) -> None:
    email = f"lan.{uuid.uuid4().hex[:8]}@example.org"
    async with http.post("/api/v1/newcomers", json=nurse_from_hanoi(email)) as response:
        assert response.status == 201, await response.text()
        created = await response.json()
    assert created["status"] == "pending_verification"
    participant_id = uuid.UUID(created["id"])

    [mail] = await wait_for_mail(system.mailsink, email)
    assert mail.headers["Content-Language"] == "vi"
    assert mail.headers["X-Lotse-Notification"]
    assert mail.message_id
    match = re.search(re.escape(system.base_url) + r"/verify/(\S+)", mail.text)
    assert match, mail.text
    token = match.group(1)

    async with http.post("/api/v1/verify", json={"token": token}) as response:
        assert response.status == 200, await response.text()
        assert (await response.json())["status"] == "verified"
    async with http.post("/api/v1/verify", json={"token": token}) as response:
        assert response.status == 200  # a second use is harmless
        assert (await response.json())["status"] == "verified"

    async def matcher_saw_it() -> bool:
        return bool(
            await pool.fetchval(
                """SELECT count(*) FROM processed_messages p JOIN outbox o ON o.id = p.message_id
                   WHERE p.consumer = 'matcher' AND p.type = 'participant.verified'
                     AND o.payload->>'participant_id' = $1""",
                str(participant_id),
            )
        )

    await eventually(matcher_saw_it)
