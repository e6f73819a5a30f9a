"""The dashboard language a coordinator chose is stored and used for their digest (findings7 #7)."""

from __future__ import annotations

import asyncpg

from lotse.intake.accounts import create_coordinator
from lotse.notifier import digest
from lotse.shared.mailsink import MailSink
from tests.conftest import COORDINATOR_EMAIL, IntakeClient
from tests.integration.notifier_fixtures import (
    FastRetries,
    add_match,
    add_participant,
    deliver_all,
    delivery,
    sink,
    smtp_settings,
    to,
)
from tests.integration.test_dashboard import csrf_of

__all__ = ["delivery", "sink", "smtp_settings"]  # fixtures used by name

AMIRA, PASSWORD = "amira@example.org", "a long enough password"
GERMAN_BROWSER = {"Accept-Language": "de-DE,de;q=0.9"}


async def log_in(client: IntakeClient) -> None:
    page = await client.get("/dashboard/login", headers=GERMAN_BROWSER)
    response = await client.post("/dashboard/login", headers=GERMAN_BROWSER, allow_redirects=False, data={
        "csrf": csrf_of(await page.text()), "email": AMIRA, "password": PASSWORD, "next": "/dashboard"})
    assert response.status == 303, await response.text()


async def stored(pool: asyncpg.Pool) -> str | None:
    locale: str | None = await pool.fetchval("SELECT locale FROM coordinators WHERE email = $1", AMIRA)
    return locale


async def test_a_coordinator_who_chose_english_gets_an_english_digest(
    intake_client: IntakeClient, pool: asyncpg.Pool, delivery: FastRetries, sink: MailSink
) -> None:
    async with pool.acquire() as conn:
        await create_coordinator(conn, AMIRA, PASSWORD)
    await log_in(intake_client)
    assert await stored(pool) == "de"  # the browser's language, until she chooses
    assert (await intake_client.get("/dashboard?lang=en", headers=GERMAN_BROWSER)).status == 200
    assert await stored(pool) == "en"
    await log_in(intake_client)  # a German browser does not undo her choice
    assert await stored(pool) == "en"

    newcomer = await add_participant(pool, "newcomer", name="Lan", locale="vi")
    mentor = await add_participant(pool, "mentor", name="Renate", locale="de")
    await add_match(pool, "mentor", newcomer, mentor.id, status="suggested")
    async with pool.acquire() as conn:
        assert await digest.request_digests(conn, 3600.0, now=1_800_000_010.0) == 2
    await deliver_all(delivery)
    [english] = to(sink, AMIRA)
    assert english.headers["Content-Language"] == "en"
    assert english.subject == "Lotse: 1 new suggestions to review"
    [german] = to(sink, COORDINATOR_EMAIL)  # never chose: German, as before
    assert german.headers["Content-Language"] == "de"
