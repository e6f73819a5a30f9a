"""Two coordinators decide one suggestion at once, or one coordinator clicks twice (two tabs, a
double click): one decision is taken, and the other click's message says what happened and who did
it, in the dashboard's language (review 10c, F4: it said "decided meanwhile, or the counterpart has no
places left", and after a double click the browser showed "could not be done" for an approval that
went through). The two posts race for real (asyncio.gather, two sessions, two connections)."""

from __future__ import annotations

import asyncio
import html
import re
import uuid
from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest

from lotse.intake.accounts import create_coordinator
from lotse.shared import tokens
from tests.conftest import COORDINATOR_EMAIL, TEST_SECRET_KEY, IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.test_dashboard import _suggest, _verified, csrf_of, login

COLLEAGUE, PASSWORD = "anna@welcome.example", "annas long password"


@pytest.fixture
async def colleague(intake_client: IntakeClient, pool: asyncpg.Pool
                    ) -> AsyncIterator[tuple[aiohttp.ClientSession, str]]:
    """A second coordinator, logged in in a browser of her own."""
    async with pool.acquire() as conn:
        await create_coordinator(conn, COLLEAGUE, PASSWORD)
    async with aiohttp.ClientSession(base_url=str(intake_client.make_url("/")),
                                     cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
        page = await (await browser.get("/dashboard/login")).text()
        logged_in = await browser.post("/dashboard/login", allow_redirects=False, data={
            "csrf": csrf_of(page), "email": COLLEAGUE, "password": PASSWORD, "next": "/dashboard"})
        assert logged_in.status == 303
        yield browser, csrf_of(await (await browser.get("/dashboard")).text())


async def _suggestion(intake_client: IntakeClient, pool: asyncpg.Pool) -> uuid.UUID:
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(capacity=3))
    return await _suggest(pool, await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload()), mentor)


def _said(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


async def test_the_colleague_who_comes_second_reads_who_approved_or_rejected_it(
    intake_client: IntakeClient, pool: asyncpg.Pool, colleague: tuple[aiohttp.ClientSession, str]
) -> None:
    csrf = await login(intake_client)
    browser, colleague_csrf = colleague
    for attempt in range(6):  # a race is a matter of timing: run it a few times
        match_id = await _suggestion(intake_client, pool)
        mine = "approve" if attempt % 2 else "reject"
        answers = await asyncio.gather(
            intake_client.post(f"/dashboard/matches/{match_id}/{mine}", allow_redirects=False,
                               data={"csrf": csrf, "reason": "distance"}),
            browser.post(f"/dashboard/matches/{match_id}/approve", allow_redirects=False,
                         data={"csrf": colleague_csrf}))
        where = [a.headers["Location"] for a in answers]
        assert sum("msg=already" in w for w in where) == 1, (attempt, where)
        assert f"decided={match_id}" in where[0] and f"decided={match_id}" in where[1]
        status, decided_by = await pool.fetchrow(
            "SELECT m.status, c.email FROM matches m JOIN coordinators c ON c.id = m.decided_by WHERE m.id = $1",
            match_id)
        assert await pool.fetchval("SELECT count(*) FROM audit_log WHERE subject_id = $1", match_id) == 1
        second = browser if "msg=already" in where[1] else intake_client
        page = _said(await (await second.get(where[1] if second is browser else where[0])).text())
        done = "freigegeben" if status == "approved" else "abgelehnt"
        assert re.search(rf"{re.escape(decided_by)} hat .+ \(Mentor/in\) inzwischen {done} \(.+\)\. "
                         r"Es wurde nichts geändert\.", page), (attempt, page[:2000])


async def test_a_double_click_on_approve_says_it_is_approved(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    csrf = await login(intake_client)
    for attempt in range(4):
        match_id = await _suggestion(intake_client, pool)
        answers = await asyncio.gather(*(intake_client.post(f"/dashboard/matches/{match_id}/approve",
                                                            allow_redirects=False, data={"csrf": csrf})
                                         for _ in range(2)))
        where = sorted(a.headers["Location"] for a in answers)
        assert ["msg=already" in w for w in where] == [True, False], (attempt, where)
        page = _said(await (await intake_client.get(where[0])).text())
        assert re.search(r"Sie hatten .+ \(Mentor/in\) bereits freigegeben \(.+\)\. Es wurde nichts geändert\.",
                         page), attempt
        assert "Das ging nicht" not in page
    # In the language the coordinator chose (kept for the coordinator from then on).
    assert "You had already approved" in _said(await (await intake_client.get(where[0] + "&lang=en")).text())
    assert await pool.fetchval("SELECT count(*) FROM coordinators WHERE email = $1", COORDINATOR_EMAIL) == 1


async def test_a_pause_meanwhile_is_named_as_such(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    csrf = await login(intake_client)
    match_id = await _suggestion(intake_client, pool)
    newcomer = await pool.fetchval("SELECT newcomer_id FROM matches WHERE id = $1", match_id)
    page = f"/manage/{tokens.TokenSigner(TEST_SECRET_KEY).sign(tokens.MANAGE, pid=str(newcomer))}"
    paused = await intake_client.post(page, data={"action": "pause", "paused_until": ""}, allow_redirects=False)
    assert paused.status == 303  # the matcher, which would withdraw the suggestion, does not run here
    approved = await intake_client.post(f"/dashboard/matches/{match_id}/approve", allow_redirects=False,
                                        data={"csrf": csrf})
    where = approved.headers["Location"]
    assert "msg=unavailable" in where
    said = _said(await (await intake_client.get(where)).text())
    assert re.search(r"Nicht freigegeben: .+ – eine Seite hat die Vermittlung pausiert", said), said[:2000]


async def test_a_full_mentors_late_suggestion_is_withdrawn_and_named(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """The suggestion was still open, only the mentor's one place is taken: it is withdrawn (it
    could never be approved; review 10b, F8), and the message names the pair."""
    csrf = await login(intake_client)
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(capacity=1))
    first = await _suggest(pool, await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload()), mentor)
    assert "msg=approved" in (await intake_client.post(f"/dashboard/matches/{first}/approve", allow_redirects=False,
                                                       data={"csrf": csrf})).headers["Location"]
    # Made from a read before that approval (the matcher's late insert): open, for a full mentor.
    late = await _suggest(pool, await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload()), mentor)
    where = (await intake_client.post(f"/dashboard/matches/{late}/approve", allow_redirects=False,
                                      data={"csrf": csrf})).headers["Location"]
    assert "msg=full" in where and f"decided={late}" in where, where
    assert await pool.fetchval("SELECT status FROM matches WHERE id = $1", late) == "withdrawn"
