"""Review 8d, finding 13: a mentor's own change of their places (1 → 2) on the manage page is in the
audit log as their own action with before and after, as pause and resume are; an edit that leaves
the places as they were writes no entry. The audit page leaves "Before → after" empty for an entry
that has neither (an export, a password set), instead of a lone arrow."""

from __future__ import annotations

import re

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.test_dashboard import login
from tests.integration.test_self_service import _registered, edit_form, manage_link


def _cells(page: str, label: str) -> list[list[str]]:
    """The audit page's rows whose action is `label`: each cell's text."""
    found = []
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        cells = [" ".join(re.sub(r"<[^>]+>", "", c).split()) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if len(cells) > 2 and cells[2] == label:
            found.append(cells)
    return found


async def test_a_mentors_own_change_of_places_is_audited_with_before_and_after(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    mentor = await _registered(intake_client, pool, "mentors", capacity=1)
    link = manage_link(mentor)
    form = edit_form(await (await intake_client.get(link)).text())
    assert (await intake_client.post(link, data={**form, "about": "Jetzt mit mehr Zeit."},
                                     allow_redirects=False)).status == 303  # places unchanged: no entry
    assert (await intake_client.post(link, data={**form, "capacity": "2"}, allow_redirects=False)).status == 303
    assert await pool.fetchval("SELECT profile->>'capacity' FROM participants WHERE id = $1", mentor) == "2"
    entries = await pool.fetch("SELECT actor_id, actor_role, action, subject_id, before, after FROM audit_log")
    assert [(e["actor_id"], e["actor_role"], e["action"], e["subject_id"], e["before"], e["after"])
            for e in entries] == [(mentor, "participant", "participant.capacity_own", mentor,
                                   {"capacity": 1}, {"capacity": 2})]

    await login(intake_client)
    page = await (await intake_client.get("/dashboard/audit", params={"subject": str(mentor), "lang": "de"})).text()
    [row] = _cells(page, "hat die Zahl der eigenen Plätze geändert")
    assert row[1] == "– (die Person selbst, auf ihrer Verwaltungsseite)"
    assert row[4] == "1 → 2"
    english = await (await intake_client.get("/dashboard/audit", params={"subject": str(mentor), "lang": "en"})).text()
    assert _cells(english, "changed their own number of places")[0][4] == "1 → 2"
    person = await (await intake_client.get(f"/dashboard/participants/{mentor}", params={"lang": "de"})).text()
    assert re.search(r"hat die Zahl der eigenen Plätze geändert · 1 → 2</li>", person)


async def test_an_entry_without_before_or_after_shows_no_arrow(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    await login(intake_client)
    mentor = await _registered(intake_client, pool, "mentors")
    assert (await intake_client.get(f"/dashboard/participants/{mentor}/export.json")).status == 200
    page = await (await intake_client.get("/dashboard/audit", params={"lang": "de"})).text()
    [export] = _cells(page, "hat alle Daten exportiert")
    assert export[4] == ""
    # One with only an after (a CSV export's rows) shows it, with no arrow either.
    assert (await intake_client.get("/dashboard/export/participants.csv")).status == 200
    page = await (await intake_client.get("/dashboard/audit", params={"lang": "de"})).text()
    [csv_export] = _cells(page, "hat die Teilnehmenden als CSV heruntergeladen")
    assert csv_export[4] == "1 Zeilen"
