"""Review 9b, F4 and the flags: the matches list finds a match by every typed word in either side's
names (folded, as the participants list and the review queue find them), its organisation or the
course's or position's title (?q=), and shows the flagged matches of one reason (?flag=)."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg

from lotse.shared import name_search
from tests.conftest import IntakeClient
from tests.integration.test_dashboard import login
from tests.integration.test_dashboard_year_size import _listed as in_order

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _person(pool: asyncpg.Pool, kind: str, name: str, organisation: str | None = None) -> uuid.UUID:
    """A verified participant with the folded copy of their names that intake writes (name_search)."""
    pid = uuid.uuid4()
    await pool.execute(
        """INSERT INTO participants (id, kind, status, name, email, preferred_locale, district, profile, name_search)
           VALUES ($1, $2, 'verified', $3, $4, 'de', '16053', $5::jsonb, $6)""",
        pid, kind, name, f"p.{pid.hex[:10]}@example.org",
        json.dumps({"organisation": organisation} if organisation else {}),
        name_search.search_text(name, organisation))
    return pid


async def _match(pool: asyncpg.Pool, kind: str, newcomer: uuid.UUID, counterpart: uuid.UUID, minute: int,
                 status: str = "rejected", flag: str | None = None) -> uuid.UUID:
    mid = uuid.uuid4()
    await pool.execute(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status, created_at, flagged_at, flag_code)
           VALUES ($1, $2, $3, $4, 0.5, $5, $6, $7, $8)""",
        mid, kind, newcomer, counterpart, status, T0 + timedelta(minutes=minute),
        T0 + timedelta(days=1, minutes=minute) if flag else None, flag)
    return mid


def _listed(page: str) -> set[str]:
    return set(in_order(page))


async def _people_and_matches(pool: asyncpg.Pool) -> dict[str, str]:
    """Five matches by name, their ids as the list's links and the CSV write them."""
    lan = await _person(pool, "newcomer", "Nguyễn Thị Lan")
    olena = await _person(pool, "newcomer", "Olena Kovalenko")
    mentor = await _person(pool, "mentor", "Jürgen Schmidt")
    provider = await _person(pool, "language_provider", "Petra Weber", "VHS Gera")
    employer = await _person(pool, "employer", "Karl Braun", "Stadtwerke Erfurt")
    course, position = uuid.uuid4(), uuid.uuid4()
    await pool.execute(
        """INSERT INTO courses (id, provider_id, title, level, schedule, format, district, seats, starts_on)
           VALUES ($1, $2, 'Deutsch B1 Abendkurs', 'B1', 'evening', 'in_person', '16052', 12, $3)""",
        course, provider, date(2026, 4, 1))
    await pool.execute(
        """INSERT INTO positions (id, employer_id, title, occupation_field, openings, min_german_level)
           VALUES ($1, $2, 'Elektroniker/in', 'nursing', 2, 'B1')""", position, employer)
    made = {
        "lan_mentor": await _match(pool, "mentor", lan, mentor, 1, "active", "checkin_not_in_touch"),
        "lan_course": await _match(pool, "language_course", lan, course, 2, "introduced", "unanswered"),
        "olena_course": await _match(pool, "language_course", olena, course, 3),
        "olena_position": await _match(pool, "employer", olena, position, 4, "active", "unanswered"),
        # A flag on an ended match asks nothing: not among the flagged, as with "only flagged".
        "olena_mentor": await _match(pool, "mentor", olena, mentor, 5, "completed", "checkin_not_in_touch"),
    }
    return {name: str(mid) for name, mid in made.items()}


async def _found(client: IntakeClient, query: str) -> set[str]:
    response = await client.get(f"/dashboard/matches?{query}")
    assert response.status == 200
    return _listed(await response.text())


async def test_the_matches_list_finds_a_match_by_either_sides_names_organisation_or_title(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    m = await _people_and_matches(pool)

    # The newcomer's name folded: "Nguyen" and "nguyễn" both find Nguyễn Thị Lan.
    assert await _found(intake_client, "q=Nguyen") == {m["lan_mentor"], m["lan_course"]}
    assert await _found(intake_client, "q=ngUy%E1%BB%85n+thi") == {m["lan_mentor"], m["lan_course"]}
    # The provider's organisation, both words on its side; an employer's; a course's title.
    assert await _found(intake_client, "q=VHS+Gera") == {m["lan_course"], m["olena_course"]}
    assert await _found(intake_client, "q=Stadtwerke") == {m["olena_position"]}
    assert await _found(intake_client, "q=Abendkurs") == {m["lan_course"], m["olena_course"]}
    # Two words on different sides: the match of Frau Nguyễn with the VHS Gera, Olena's mentor Jürgen.
    assert await _found(intake_client, "q=Gera+Nguyen") == {m["lan_course"]}
    assert await _found(intake_client, "q=Kovalenko+Juergen") == {m["olena_mentor"]}
    assert await _found(intake_client, "q=Nguyen+Kovalenko") == set()  # two newcomers: no match has both

    page = await (await intake_client.get("/dashboard/matches?q=Gera+Nguyen")).text()
    assert "1–1 von 1" in page
    assert '<label for="q">Name, Organisation oder Titel suchen</label>' in page
    assert 'name="q" value="Gera Nguyen"' in page
    # The export link carries the search (review 9c, F6): test_the_export_link_downloads_what_the_list_shows.
    assert 'href="/dashboard/export/matches.csv?q=Gera+Nguyen&amp;without=withdrawn"' in page


async def test_paging_keeps_the_search(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    await login(intake_client)
    await _people_and_matches(pool)
    olena = await pool.fetchval("SELECT id FROM participants WHERE name = 'Olena Kovalenko'")
    mentors = [await _person(pool, "mentor", f"Mentor {i:03d}") for i in range(105)]
    for i, mentor in enumerate(mentors):
        await _match(pool, "mentor", olena, mentor, 100 + i)
    await _match(pool, "mentor", await _person(pool, "newcomer", "Andere Person"), mentors[0], 300)

    first = await (await intake_client.get("/dashboard/matches?q=kovalenko")).text()
    assert "1–100 von 108" in first and len(_listed(first)) == 100
    [next_url] = re.findall(r'<a href="([^"]+)" rel="next">', first)
    assert html.unescape(next_url) == "/dashboard/matches?q=kovalenko&page=2"
    second = await (await intake_client.get(html.unescape(next_url))).text()
    assert "101–108 von 108" in second and len(_listed(second)) == 8
    assert not _listed(first) & _listed(second)


async def test_the_flagged_matches_of_one_reason_and_an_unknown_reason(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    m = await _people_and_matches(pool)

    assert await _found(intake_client, "flag=unanswered") == {m["lan_course"], m["olena_position"]}
    assert await _found(intake_client, "flag=checkin_not_in_touch") == {m["lan_mentor"]}
    assert await _found(intake_client, "flag=checkin_bad_newcomer") == set()
    assert await _found(intake_client, "flag=unanswered&q=Stadtwerke") == {m["olena_position"]}
    page = await (await intake_client.get("/dashboard/matches?flag=checkin_not_in_touch")).text()
    assert '<label for="flag">Grund der Markierung</label>' in page
    assert ('<option value="checkin_not_in_touch" selected>Nachfrage: Die beiden hatten noch keinen Kontakt, '
            in page)
    assert '<option value="unanswered">' in page

    # An unknown reason filters by nothing, as an unknown status does.
    everything = await _found(intake_client, "")
    assert len(everything) == 5
    assert await _found(intake_client, "flag=nonsense") == everything == await _found(intake_client, "status=x")


async def _exported(client: IntakeClient, page: str) -> list[dict[str, str]]:
    """The rows of the CSV the list page's "Export CSV" link downloads."""
    [link] = re.findall(r'<a href="(/dashboard/export/matches\.csv[^"]*)">', page)
    response = await client.get(html.unescape(link))
    assert response.status == 200
    return list(csv.DictReader(io.StringIO((await response.read()).decode("utf-8-sig")), delimiter=";"))


async def test_the_export_link_downloads_what_the_list_shows(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    """Review 9c, F6: a list showing "No matches." (a search, a flag's reason) downloaded every match with
    names; the link kept status and kind only. Now it carries every filter, and matches.csv applies them
    with the list's own code; the CSV says why a match is flagged (flag_code, last column)."""
    await login(intake_client)
    m = await _people_and_matches(pool)
    withdrawn = await _match(pool, "language_course", await _person(pool, "newcomer", "Nguyen Van Minh"),
                             await pool.fetchval("SELECT id FROM courses"), 6, "withdrawn")

    for query in ("q=Abendkurs&flag=unanswered&kind=mentor", "q=Abendkurs&flag=unanswered&kind=mentor&withdrawn=1",
                  "q=Stadtwerke&flagged=1&status=rejected", "flag=checkin_bad_newcomer", "q=Kovalenko+Nguyen"):
        page = await (await intake_client.get(f"/dashboard/matches?{query}")).text()
        assert "Keine Matches." in page and _listed(page) == set()
        assert await _exported(intake_client, page) == [], query

    cases = {
        "q=Abendkurs": {m["lan_course"], m["olena_course"]},
        "q=Abendkurs&withdrawn=1": {m["lan_course"], m["olena_course"], str(withdrawn)},
        "q=nguyen&kind=language_course&withdrawn=1": {m["lan_course"], str(withdrawn)},
        "flag=unanswered": {m["lan_course"], m["olena_position"]},
        "flagged=1&q=Lan": {m["lan_mentor"], m["lan_course"]},
        "flag=unanswered&q=Stadtwerke&status=active": {m["olena_position"]},
    }
    for query, expected in cases.items():
        page = await (await intake_client.get(f"/dashboard/matches?{query}")).text()
        assert _listed(page) == expected, query
        rows = await _exported(intake_client, page)
        assert {r["id"] for r in rows} == expected and len(rows) == len(expected), query

    by_id = {r["id"]: r for r in await _exported(intake_client, await (await intake_client.get(
        "/dashboard/matches?withdrawn=1")).text())}
    assert len(by_id) == 6 and list(next(iter(by_id.values())))[-2:] == ["reason_code", "flag_code"]
    assert by_id[m["lan_mentor"]]["flag_code"] == "checkin_not_in_touch"
    assert by_id[m["lan_course"]]["flag_code"] == by_id[m["olena_position"]]["flag_code"] == "unanswered"
    # A flag on an ended match asks nothing (the list does not count it as flagged): none in the CSV.
    assert by_id[m["olena_mentor"]]["flag_code"] == by_id[m["olena_course"]]["flag_code"] == ""
    # The audit entry names the filters and how many rows, not the words searched (a name, perhaps).
    entry = await pool.fetchrow("SELECT after FROM audit_log WHERE action = 'match.csv_export' AND detail = $1",
                                "status=active, flag=unanswered, q=…")
    assert entry is not None and entry["after"] == {"rows": 1}
