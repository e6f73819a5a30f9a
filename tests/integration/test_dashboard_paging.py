"""Dashboard lists page through everything, newest registrations first, and say where they are."""

from __future__ import annotations

import html
import re
import uuid

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.test_dashboard import login


async def _participants(pool: asyncpg.Pool, count: int, kind: str = "mentor") -> list[uuid.UUID]:
    """``count`` participants registered one hour apart, the last one the newest."""
    ids = [uuid.uuid4() for _ in range(count)]
    await pool.executemany(
        """INSERT INTO participants (id, kind, status, name, email, preferred_locale, district, created_at)
           VALUES ($1, $2, 'pending_verification', $3, $4, 'de', '16052', now() - make_interval(hours => $5))""",
        [(pid, kind, f"Person {i:03d}", f"person{i}.{pid.hex[:6]}@example.org", count - i)
         for i, pid in enumerate(ids)],
    )
    return ids


def _links(page: str) -> dict[str, str]:
    return {rel: html.unescape(href) for href, rel in re.findall(r'<a href="([^"]+)" rel="(prev|next)"', page)}


def _names(page: str) -> list[str]:
    return re.findall(r">(Person \d{3})</a>", page)


async def test_participants_newest_first_and_paged_with_the_filters_kept(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    await _participants(pool, 230)
    await _participants(pool, 3, kind="employer")

    first = await (await intake_client.get("/dashboard/participants", params={"kind": "mentor"})).text()
    assert _names(first)[:2] == ["Person 229", "Person 228"]  # the newest registrations first
    assert len(_names(first)) == 100 and "Angezeigt: 1–100 von 230" in first
    assert _links(first) == {"next": "/dashboard/participants?kind=mentor&page=2"}

    seen = _names(first)
    url: str | None = _links(first)["next"]
    while url:
        page = await (await intake_client.get(url)).text()
        seen += _names(page)
        url = _links(page).get("next")
    assert "Angezeigt: 201–230 von 230" in page
    assert _links(page) == {"prev": "/dashboard/participants?kind=mentor&page=2"}
    assert sorted(seen) == [f"Person {i:03d}" for i in range(230)]  # each once, none lost

    waiting = await (await intake_client.get("/dashboard/participants",
                                             params={"kind": "mentor", "order": "waiting"})).text()
    assert _names(waiting)[0] == "Person 000"
    assert _links(waiting)["next"] == "/dashboard/participants?kind=mentor&order=waiting&page=2"
    english = await (await intake_client.get("/dashboard/participants", params={"lang": "en", "page": "3"})).text()
    assert "Showing 201–233 of 233" in english and "Next page" not in english and "Previous page" in english


async def test_a_page_past_the_end_or_nonsense_shows_a_real_page(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    await _participants(pool, 120)
    past = await intake_client.get("/dashboard/participants", params={"page": "99"})
    assert past.status == 200 and "101–120 von 120" in await past.text()
    for nonsense in ("-1", "abc", "0", "9" * 40):
        page = await intake_client.get("/dashboard/participants", params={"page": nonsense})
        assert page.status == 200 and "1–100 von 120" in await page.text(), nonsense
    empty = await (await intake_client.get("/dashboard/participants", params={"q": "nobody at all"})).text()
    assert "Keine Teilnehmenden" in empty or "Angezeigt" not in empty


async def test_matches_and_the_audit_log_page_too(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    await login(intake_client)
    newcomers = await _participants(pool, 1, kind="newcomer")
    mentors = await _participants(pool, 130)
    await pool.executemany(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status, created_at)
           VALUES ($1, 'mentor', $2, $3, 0.5, 'declined', now() - make_interval(mins => $4))""",
        [(uuid.uuid4(), newcomers[0], mentor, i) for i, mentor in enumerate(mentors)],
    )
    matches = await (await intake_client.get("/dashboard/matches", params={"status": "declined"})).text()
    assert "1–100 von 130" in matches
    assert _links(matches) == {"next": "/dashboard/matches?status=declined&page=2"}
    rest = await (await intake_client.get(_links(matches)["next"])).text()
    assert "101–130 von 130" in rest and rest.count('href="/dashboard/matches/') == 30

    await pool.executemany(
        "INSERT INTO audit_log (action, subject_type, subject_id) VALUES ('participant.pause', 'participant', $1)",
        [(mentor,) for mentor in mentors],
    )
    audit = await (await intake_client.get("/dashboard/audit", params={"action": "participant.pause"})).text()
    assert "1–100 von 130" in audit
    assert _links(audit) == {"next": "/dashboard/audit?action=participant.pause&page=2"}
