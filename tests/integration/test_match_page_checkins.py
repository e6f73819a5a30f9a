"""Review 8c, finding 8: the dashboard's match page puts each side's latest check-in answer side by
side in a "Nachfragen" block, so that a newcomer's "going well" against the course provider's "never
started" shows at a glance (own_matches.latest_checkins, as the manage page reads them)."""

from __future__ import annotations

import re
import uuid

import asyncpg

from lotse.intake import lifecycle
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import Person
from tests.integration.test_dashboard import login
from tests.integration.test_organisation_checkin import _job_and_course
from tests.integration.test_own_matches import _text


async def _check_in(pool: asyncpg.Pool, match_id: uuid.UUID, who: Person, answer: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        await lifecycle.check_in(conn, match_id, who.id, answer, None)


async def _block(client: IntakeClient, match_id: uuid.UUID) -> str | None:
    page = await (await client.get(f"/dashboard/matches/{match_id}", params={"lang": "de"})).text()
    found = re.search(r'<h2>Nachfragen</h2>\s*<p class="checkins">(.*?)</p>', page, re.S)
    return _text(found[1]) if found else None


async def test_both_sides_latest_check_ins_side_by_side(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    await login(intake_client)
    oksana, _employer, provider, _job, seat = await _job_and_course(pool)
    assert await _block(intake_client, seat) is None  # nobody answered yet: no empty block

    await _check_in(pool, seat, oksana, "unsure")
    await _check_in(pool, seat, oksana, "good")  # changed her answer: the latest counts
    await _check_in(pool, seat, provider, "not_started")
    block = await _block(intake_client, seat)
    assert block is not None
    assert re.fullmatch(r"Neu angekommen: läuft gut \([^)]+\) · Kursanbieter: hat nie angefangen \([^)]+\)", block)
