"""Review 5, finding 14: the dashboard's words read as sentences and tell people apart."""

from __future__ import annotations

import re
import uuid

import asyncpg

from lotse.shared import matches
from lotse.shared.reference import districts
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import Person, add_match, add_participant
from tests.integration.test_dashboard import login


async def _logged_in_with_a_pair(intake_client: IntakeClient, pool: asyncpg.Pool) -> tuple[Person, Person]:
    """A coordinator logged in, and a newcomer and a mentor to match."""
    await login(intake_client)
    newcomer = await add_participant(pool, "newcomer", name="Оксана Коваль", locale="uk")
    return newcomer, await add_participant(pool, "mentor", name="Thomas Berger", locale="de")


async def test_the_queue_counts_flagged_matches_in_the_singular_too(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer, mentor = await _logged_in_with_a_pair(intake_client, pool)
    await add_match(pool, "mentor", newcomer, mentor.id, status="active", flag_code=matches.FLAG_CONNECT)
    page = await (await intake_client.get("/dashboard", params={"lang": "de"})).text()
    assert "1 markiertes Match braucht Aufmerksamkeit" in page
    await add_match(pool, "mentor", newcomer, mentor.id, status="active", flag_code=matches.FLAG_CONNECT)
    page = await (await intake_client.get("/dashboard", params={"lang": "en"})).text()
    assert "2 flagged matches need a look" in page


async def test_the_status_filter_follows_the_life_of_a_match(intake_client: IntakeClient) -> None:
    await login(intake_client)
    page = await (await intake_client.get("/dashboard/matches", params={"lang": "de"})).text()
    select = page[page.index('<select id="status"'):]
    listed = re.findall(r'<option value="([a-z_]+)"', select[:select.index("</select>")])
    assert listed == list(matches.IN_ORDER) == ["suggested", "approved", "introduced", "active", "completed",
                                                "rejected", "withdrawn", "declined", "cancelled"]
    assert set(matches.IN_ORDER) == matches.STATES


async def test_the_match_page_says_how_it_was_scored_in_plain_words(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer, mentor = await _logged_in_with_a_pair(intake_client, pool)
    by_rules = await add_match(pool, "mentor", newcomer, mentor.id)
    learned = await add_match(pool, "mentor", newcomer, mentor.id)
    await pool.execute("UPDATE matches SET model_version = 'prior' WHERE id = $1", by_rules)
    await pool.execute("UPDATE matches SET model_version = 'mentor-v3' WHERE id = $1", learned)
    page = await (await intake_client.get(f"/dashboard/matches/{by_rules}", params={"lang": "de"})).text()
    assert "Modell" not in page and "prior" not in page
    assert "bewertet nur nach den festen Regeln (noch nichts aus den Entscheidungen des Teams gelernt)" in page
    page = await (await intake_client.get(f"/dashboard/matches/{learned}", params={"lang": "en"})).text()
    assert "scored by the rules and by what was learned from the team's earlier decisions (mentor-v3)" in page


async def test_two_newcomers_of_the_same_name_are_told_apart_by_their_district(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    gera = await add_participant(pool, "newcomer", name="Nguyễn Thị Lan", locale="vi")
    erfurt = await add_participant(pool, "newcomer", name="Nguyễn Thị Lan", locale="vi")
    await pool.execute("UPDATE participants SET district = '16051' WHERE id = $1", erfurt.id)
    mentor = await add_participant(pool, "mentor", name="Thomas Berger", locale="de")
    round_id = uuid.uuid4()
    await pool.execute("INSERT INTO rounds (id, objective, status, completed_at, result) "
                       "VALUES ($1, 'most_matched', 'completed', now(), '{}')", round_id)
    for person in (gera, erfurt):
        match_id = await add_match(pool, "mentor", person, mentor.id, status="suggested")
        await pool.execute("UPDATE matches SET round_id = $1 WHERE id = $2", round_id, match_id)
    names = {person.id: districts()[code].name for person, code in ((gera, "16052"), (erfurt, "16051"))}

    listed = await (await intake_client.get("/dashboard/matches")).text()
    proposed = await (await intake_client.get(f"/dashboard/rounds/{round_id}")).text()
    for page in (listed, proposed):
        for person_id, district in names.items():
            assert re.search(rf'href="/dashboard/participants/{person_id}">(?:<bdi>)?Nguyễn Thị Lan(?:</bdi>)?</a> '
                             rf'<span class="where">\({re.escape(district)}\)</span>', page)
