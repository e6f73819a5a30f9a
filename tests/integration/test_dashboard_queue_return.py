"""After approving or rejecting in the review queue the coordinator is back at the same newcomer
(or at the next one when that newcomer has nothing left to decide), with the message there."""

from __future__ import annotations

import re
import uuid

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.test_dashboard import _suggest, _verified, login


async def _waiting(intake_client: IntakeClient, pool: asyncpg.Pool, name: str, days: int) -> uuid.UUID:
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name=name))
    await pool.execute("UPDATE participants SET verified_at = now() - make_interval(days => $2) WHERE id = $1",
                       newcomer, days)
    return newcomer


async def _mentor(intake_client: IntakeClient, pool: asyncpg.Pool) -> uuid.UUID:
    return await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())


async def test_a_decision_returns_to_the_same_newcomer_or_the_next_with_the_message_there(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    csrf = await login(intake_client)
    first = await _waiting(intake_client, pool, "Nguyễn Thị Lan", 9)  # the top of the queue
    olena = await _waiting(intake_client, pool, "Олена Шевчук", 5)
    last = await _waiting(intake_client, pool, "Taras Bondarenko", 2)
    await _suggest(pool, first, await _mentor(intake_client, pool))
    olenas = [await _suggest(pool, olena, await _mentor(intake_client, pool)) for _ in range(2)]
    lasts = await _suggest(pool, last, await _mentor(intake_client, pool))

    async def decide(match_id: uuid.UUID, decision: str, reason: str = "other") -> str:
        response = await intake_client.post(f"/dashboard/matches/{match_id}/{decision}", allow_redirects=False,
                                            data={"csrf": csrf, "reason": reason})
        assert response.status == 303
        return str(response.headers["Location"])

    # Olena still has a suggestion: back at her, with the message in her section.
    assert await decide(olenas[0], "reject") == \
        f"/dashboard?msg=rejected&at={olena}&decided={olenas[0]}#newcomer-{olena}"
    page = await (await intake_client.get(f"/dashboard?msg=rejected&at={olena}")).text()
    # The message first, with the section's id: the fragment focuses it (review 8b, finding 11).
    section = page[page.index('<section class="newcomer">'):]
    assert re.match(rf'<section class="newcomer">\s*<p class="notice" role="status" id="newcomer-{olena}" '
                    r'tabindex="-1">Abgelehnt\.', section)
    assert page.count(f'id="newcomer-{olena}"') == 1
    assert page.count('class="notice"') == 1
    # Without a reason nothing happens, and she is still in view.
    assert await decide(olenas[1], "reject", reason="") == f"/dashboard?msg=reason_missing&at={olena}#newcomer-{olena}"
    # Her last one decided: on to the next newcomer.
    assert await decide(olenas[1], "approve") == \
        f"/dashboard?msg=approved&at={last}&decided={olenas[1]}#newcomer-{last}"
    # A stale tab's second click on a decided suggestion: the same place, saying it was decided (review 10c, F4).
    assert await decide(olenas[1], "approve") == f"/dashboard?msg=already&at={last}&decided={olenas[1]}#newcomer-{last}"
    # The queue's last newcomer decided: back to the one before.
    assert await decide(lasts, "approve") == f"/dashboard?msg=approved&at={first}&decided={lasts}#newcomer-{first}"
    # A newcomer no longer in the queue: the message at the top, as before.
    page = await (await intake_client.get(f"/dashboard?msg=approved&at={olena}")).text()
    assert '<main id="main" tabindex="-1">\n<p class="notice" role="status" id="flash" tabindex="-1" autofocus>' \
           'Freigegeben.' in page
