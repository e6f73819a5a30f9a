"""A global round's proposals: listed pair by pair on the round's page, approved only from there and
only those shown; the queue marks the suggestions a round made."""

from __future__ import annotations

import html
import re
import uuid

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.test_dashboard import _suggest, _verified, login


async def _newcomer(intake_client: IntakeClient, pool: asyncpg.Pool, name: str) -> uuid.UUID:
    return await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name=name))


async def _mentor(intake_client: IntakeClient, pool: asyncpg.Pool, name: str) -> uuid.UUID:
    return await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(name=name))


async def _round_with_two_proposals(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> tuple[uuid.UUID, list[uuid.UUID], uuid.UUID]:
    """A completed round proposing Olena ↔ Thomas and Taras ↔ Sabine; Fatma has a suggestion of the
    matcher's own (no round)."""
    round_id = uuid.uuid4()
    await pool.execute("INSERT INTO rounds (id, objective, status, completed_at, result) "
                       "VALUES ($1, 'most_matched', 'completed', now(), '{}')", round_id)
    proposed = [await _suggest(pool, await _newcomer(intake_client, pool, "Олена Шевчук"),
                               await _mentor(intake_client, pool, "Thomas Berger")),
                await _suggest(pool, await _newcomer(intake_client, pool, "Taras Bondarenko"),
                               await _mentor(intake_client, pool, "Sabine Krüger"))]
    await pool.execute("UPDATE matches SET round_id = $1 WHERE id = ANY($2::uuid[])", round_id, proposed)
    await pool.execute("UPDATE matches SET score = 0.65 WHERE id = $1", proposed[1])
    own = await _suggest(pool, await _newcomer(intake_client, pool, "Fatma Yıldız"),
                         await _mentor(intake_client, pool, "Jörg Müller"))
    return round_id, proposed, own


async def test_approving_a_round_lists_its_pairs_first_and_approves_only_those(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    csrf = await login(intake_client)
    round_id, proposed, own = await _round_with_two_proposals(intake_client, pool)

    queue = await (await intake_client.get("/dashboard")).text()
    # The queue links to the round's page with the count, and has no one-click approval.
    assert f'action="/dashboard/rounds/{round_id}/approve"' not in queue
    assert f'<a href="/dashboard/rounds/{round_id}">Die 2 offenen Vorschläge prüfen und freigeben</a>' in queue
    cards = {m: queue[queue.index(f'id="match-{m}"'):][:1500] for m in (*proposed, own)}
    assert all(f'href="/dashboard/rounds/{round_id}"' in cards[m] for m in proposed)
    assert "globalen Runde" not in cards[own].split("</article>")[0]

    page = await (await intake_client.get(f"/dashboard/rounds/{round_id}")).text()
    rows = re.findall(r"<tr id=\"match-([^\"]+)\"><th scope=\"row\"><a [^>]+><bdi>([^<]+)</bdi></a>"
                      r"(?: <span class=\"where\">[^<]+</span>)?"
                      r"</th>\s*<td[^>]*>([^<]+)</td><td[^>]*><bdi>([^<]+)</bdi></td>"
                      r"<td class=\"num\"[^>]*>([^<]+)</td>", page)
    assert [(html.unescape(n), uuid.UUID(m), k, t, s) for m, n, k, t, s in rows] == [
        ("Олена Шевчук (Olena Shevchuk)", proposed[0], "Mentor/in", "Thomas Berger", "0,72"),  # review 7, #3
        ("Taras Bondarenko", proposed[1], "Mentor/in", "Sabine Krüger", "0,65"),
    ]
    assert "2 Vorschläge freigeben und vorstellen" in page
    # The approve-all form carries the pairs listed.
    assert re.findall(r'<input type="hidden" name="match" value="([^"]+)">', page) == [str(m) for m in proposed]

    # An old tab's one-click post approves nothing and shows the pairs instead.
    blind = await intake_client.post(f"/dashboard/rounds/{round_id}/approve", data={"csrf": csrf},
                                     allow_redirects=False)
    assert blind.status == 303 and blind.headers["Location"].startswith(f"/dashboard/rounds/{round_id}?")
    assert await pool.fetchval("SELECT count(*) FROM matches WHERE status <> 'suggested'") == 0

    # Only what was shown: a pair the round added later, or another suggestion's id, stays open.
    late = await _suggest(pool, await _newcomer(intake_client, pool, "Nguyễn Thị Lan"),
                          await _mentor(intake_client, pool, "Anna Schmidt"))
    await pool.execute("UPDATE matches SET round_id = $1 WHERE id = $2", round_id, late)
    approved = await intake_client.post(f"/dashboard/rounds/{round_id}/approve", allow_redirects=False,
                                        data=[("csrf", csrf), *(("match", str(m)) for m in (*proposed, own))])
    assert approved.status == 303
    # The late pair is still open: back to the round's page, which says so and lists it.
    assert approved.headers["Location"] == f"/dashboard/rounds/{round_id}?msg=round_part:2:1:1"
    statuses = dict(await pool.fetch("SELECT id, status FROM matches"))
    assert [statuses[m] for m in proposed] == ["approved", "approved"]
    assert statuses[own] == "suggested" and statuses[late] == "suggested"
