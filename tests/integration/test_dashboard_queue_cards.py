"""A suggestion's card in the review queue is small (review 8a, finding 8): one form with Approve
and Reject, the reason inside a <details> that opens without JavaScript."""

from __future__ import annotations

import re
import uuid

import asyncpg
import pytest

from tests.conftest import IntakeClient
from tests.integration.test_dashboard import login
from tests.integration.test_dashboard_queue_filters import _person, _suggest


@pytest.fixture
async def suggestions(pool: asyncpg.Pool) -> list[uuid.UUID]:
    newcomer = await _person(pool, "newcomer", "Nguyễn Thị Lan")
    mentors = [await _person(pool, "mentor", f"Mentor {i}", profile={"capacity": 2}) for i in range(3)]
    return [await _suggest(pool, "mentor", newcomer, mentor) for mentor in mentors]


def _cards(page: str) -> dict[str, str]:
    return dict(re.findall(r'<article class="suggestion" id="match-([0-9a-f-]+)">(.*?)</article>', page, re.S))


async def test_a_card_has_one_form_with_both_decisions(
    intake_client: IntakeClient, suggestions: list[uuid.UUID], pool: asyncpg.Pool
) -> None:
    csrf = await login(intake_client)
    page = await (await intake_client.get("/dashboard")).text()
    cards = _cards(page)
    assert sorted(cards) == sorted(str(s) for s in suggestions)
    for match_id, card in cards.items():
        counts = {tag: card.count(tag) for tag in ("<form", 'name="csrf"', "<select", "<textarea", "<details",
                                                   "<button", "<label")}
        assert counts == {"<form": 1, 'name="csrf"': 1, "<select": 1, "<textarea": 1, "<details": 1,
                          "<button": 2, "<label": 2}, counts
        assert f'<form method="post" action="/dashboard/matches/{match_id}/approve" class="decide">' in card
        # Approve does not need the reason the browser would otherwise insist on.
        assert re.search(r'<button type="submit" formnovalidate aria-label="Freigeben: [^"]+">Freigeben</button>',
                         card)
        assert re.search(rf'<details><summary aria-label="Ablehnen: [^"]+">Ablehnen …</summary>.*<select name="reason" '
                         rf'required>.*<button type="submit" class="danger" formaction="/dashboard/matches/'
                         rf'{match_id}/reject"', card, re.S)
    # What a browser without JavaScript sends from that one form: the note with either button.
    approve, reject = suggestions[0], suggestions[1]
    response = await intake_client.post(f"/dashboard/matches/{reject}/reject", allow_redirects=False,
                                        data={"csrf": csrf, "note": "", "reason": "distance"})
    assert response.status == 303
    response = await intake_client.post(f"/dashboard/matches/{approve}/approve", allow_redirects=False,
                                        data={"csrf": csrf, "note": "Rief an", "reason": ""})
    assert response.status == 303
    rows = {r["id"]: r for r in await pool.fetch("SELECT id, status, note FROM matches WHERE id = ANY($1)",
                                                 suggestions)}
    assert rows[approve]["status"] == "approved" and rows[approve]["note"] == "Rief an"
    assert rows[reject]["status"] == "rejected"
