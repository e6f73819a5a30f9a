"""Review 8d, finding 5: a coordinator finds mentors with free places. For kind=mentor the
participants list has a "Places" column ("1 von 2 belegt", or "pausiert"), counted as the mentor's
own page counts them (matches in matches.HOLDS_CAPACITY); a "free places" filter combines with the
other filters and the paging; "Waiting (days)" of a mentor with free places counts from
verification or the end of their last match, whichever is later; the CSV has the same at its end.
The list stays one query per page: the mentors' matches are read in one pass, not once per row."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from typing import Any

import asyncpg

from lotse.intake.dashboard import pages
from lotse.shared import matches
from lotse.shared.reference import time_zone
from tests.conftest import IntakeClient
from tests.integration.notifier_fixtures import Person, add_match, add_participant
from tests.integration.test_dashboard import login
from tests.integration.test_own_matches import _text


async def _mentor(pool: asyncpg.Pool, name: str, *, capacity: int, verified_days: int, helps_with: list[str],
                  language: str = "uk", status: str = "verified") -> Person:
    person = await add_participant(pool, "mentor", name=name, locale="de",
                                   profile={"capacity": capacity, "helps_with": helps_with})
    await pool.execute(
        """UPDATE participants SET status = $2, verified_at = now() - make_interval(days => $3),
                  created_at = now() - make_interval(days => $3 + 1), languages = $4::jsonb WHERE id = $1""",
        person.id, status, verified_days, [{"code": "de", "level": "native"}, {"code": language, "level": "B2"}])
    return person


async def _ended(pool: asyncpg.Pool, newcomer: Person, mentor: Person, status: str, days_ago: int) -> None:
    match_id = await add_match(pool, "mentor", newcomer, mentor.id, status=status)
    await pool.execute("UPDATE matches SET ended_at = now() - make_interval(days => $2) WHERE id = $1",
                       match_id, days_ago)


async def _people(pool: asyncpg.Pool) -> dict[str, Person]:
    olena = await add_participant(pool, "newcomer", name="Olena Koval", locale="uk")
    li = await add_participant(pool, "newcomer", name="Li Wei", locale="zh")
    sabine = await _mentor(pool, "Sabine Krüger", capacity=2, verified_days=40, helps_with=["housing"])
    await add_match(pool, "mentor", olena, sabine.id, status=matches.ACTIVE)  # holds a place
    await add_match(pool, "mentor", li, sabine.id, status=matches.SUGGESTED)  # holds none
    await _ended(pool, li, sabine, matches.COMPLETED, 10)  # free again ten days ago
    await _ended(pool, olena, sabine, matches.CANCELLED, 25)
    thomas = await _mentor(pool, "Thomas Berger", capacity=1, verified_days=50, helps_with=["housing"])
    await add_match(pool, "mentor", li, thomas.id, status=matches.INTRODUCED)  # full
    renate = await _mentor(pool, "Renate Vogel", capacity=1, verified_days=30, helps_with=["housing"],
                           status="paused")
    iryna = await _mentor(pool, "Iryna Shevchuk", capacity=1, verified_days=20, helps_with=["school"])
    marko = await _mentor(pool, "Marko Petrović", capacity=3, verified_days=5, helps_with=["housing"],
                          language="sr")
    return {"olena": olena, "sabine": sabine, "thomas": thomas, "renate": renate, "iryna": iryna, "marko": marko}


def _rows(page: str) -> dict[str, list[str]]:
    """The list's rows by name: each cell's text."""
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        cells = [_text(re.sub(r"<[^>]+>", "", cell)) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if len(cells) > 1:  # not "No participants."
            rows[cells[0]] = cells
    return rows


async def _list(client: IntakeClient, **params: str) -> str:
    return await (await client.get("/dashboard/participants", params={"lang": "de", **params})).text()


async def test_the_mentors_list_shows_places_and_how_long_a_free_place_waits(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    await _people(pool)
    page = await _list(intake_client, kind="mentor")
    assert "<th>Plätze</th>" in page
    rows = _rows(page)
    # Name, kind, status, district, places, waiting (days)
    assert rows["Sabine Krüger"][4:] == ["1 von 2 belegt", "10"]  # her last match ended 10 days ago
    assert rows["Thomas Berger"][4:] == ["1 von 1 belegt", "–"]  # full: not waiting
    assert rows["Renate Vogel"][4:] == ["pausiert", "–"]
    assert rows["Iryna Shevchuk"][4:] == ["0 von 1 belegt", "20"]  # since verification
    assert rows["Marko Petrović"][4:] == ["0 von 3 belegt", "5"]

    # Longest waiting first: free places by how long they wait, the others after them.
    names = list(_rows(await _list(intake_client, kind="mentor", order="waiting")))
    assert names[:3] == ["Iryna Shevchuk", "Sabine Krüger", "Marko Petrović"]
    assert set(names[3:]) == {"Thomas Berger", "Renate Vogel"}
    assert set(_rows(await _list(intake_client, kind="mentor", min_days="8"))) == {"Iryna Shevchuk", "Sabine Krüger"}

    # A list of everyone has no places column; a newcomer still waits from verification.
    everyone = await _list(intake_client)
    assert "<th>Plätze</th>" not in everyone
    assert _rows(everyone)["Olena Koval"][4] == "0"


async def test_the_free_places_filter_combines_with_the_others(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    await _people(pool)
    page = await _list(intake_client, places="free")
    assert '<option value="free" selected>Mentor/innen mit freien Plätzen</option>' in page
    assert set(_rows(page)) == {"Sabine Krüger", "Iryna Shevchuk", "Marko Petrović"}
    assert set(_rows(await _list(intake_client, kind="mentor", places="free", need="housing", language="uk"))) == {
        "Sabine Krüger"}
    assert set(_rows(await _list(intake_client, places="free", need="school"))) == {"Iryna Shevchuk"}
    assert set(_rows(await _list(intake_client, places="free", district="16053"))) == set()
    assert set(_rows(await _list(intake_client, kind="newcomer", places="free"))) == set()


async def test_the_free_places_filter_pages(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    await login(intake_client)
    await _people(pool)
    # 101 more free mentors who help with housing: 103 in all with Sabine and Marko, two pages.
    await pool.executemany(
        """INSERT INTO participants (id, kind, status, name, email, preferred_locale, district, profile, verified_at)
           VALUES ($1, 'mentor', 'verified', $2, $3, 'de', '16052', $4, now() - interval '1 day')""",
        [(uuid.uuid4(), f"Mentor {i:03}", f"m{i}-{uuid.uuid4().hex[:6]}@example.org",
          {"capacity": 1, "helps_with": ["housing"]}) for i in range(101)])
    first = await _list(intake_client, places="free", need="housing", order="name")
    assert "Angezeigt: 1–100 von 103" in _text(first)
    assert 'href="/dashboard/participants?places=free&amp;need=housing&amp;order=name&amp;page=2"' in first
    second = _rows(await _list(intake_client, places="free", need="housing", order="name", page="2"))
    assert list(second) == ["Mentor 099", "Mentor 100", "Sabine Krüger"]


async def test_the_csv_ends_with_places_and_waiting_since(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    await login(intake_client)
    people = await _people(pool)
    text = (await (await intake_client.get("/dashboard/export/participants.csv")).read()).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert header[:11] == ["id", "kind", "status", "name", "email", "locale", "district", "district_name",
                           "registered", "verified", "organisation"]  # the old columns where they were
    assert header[11:16] == ["places", "places_taken", "waiting_since", "max_commute_km", "name_latin"]
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    sabine, thomas = by_id[str(people["sabine"].id)], by_id[str(people["thomas"].id)]
    assert (sabine["places"], sabine["places_taken"]) == ("2", "1")
    ended = await pool.fetchval("SELECT max(ended_at) FROM matches WHERE counterpart_id = $1 AND status = $2",
                                people["sabine"].id, matches.COMPLETED)
    # The export's times are Thuringia's: in the hour or two after its midnight, UTC's date is a day behind.
    assert sabine["waiting_since"][:10] == ended.astimezone(time_zone()).date().isoformat()
    assert (thomas["places"], thomas["places_taken"], thomas["waiting_since"]) == ("1", "1", "")
    olena = by_id[str(people["olena"].id)]
    assert (olena["places"], olena["places_taken"]) == ("", "") and olena["waiting_since"]
    # The filter goes with the export's link, and the export follows it.
    link = re.search(r'<a href="(/dashboard/export/participants\.csv[^"]*)" download>',
                     await _list(intake_client, kind="mentor", places="free"))
    assert link and link.group(1) == "/dashboard/export/participants.csv?kind=mentor&amp;places=free"
    filtered = (await (await intake_client.get("/dashboard/export/participants.csv?kind=mentor&places=free"))
                .read()).decode("utf-8-sig")
    assert {row[3] for row in list(csv.reader(io.StringIO(filtered), delimiter=";"))[1:]} == {
        "Sabine Krüger", "Iryna Shevchuk", "Marko Petrović"}


def _scans(plan: dict[str, Any], table: str) -> list[dict[str, Any]]:
    found = [plan] if plan.get("Relation Name") == table else []
    for child in plan.get("Plans", []):
        found += _scans(child, table)
    return found


async def test_the_mentors_matches_are_read_once_per_page(pool: asyncpg.Pool) -> None:
    """No subquery per row: with 2,000 mentors, half of them full, the matches table is scanned in one loop."""
    newcomer = await add_participant(pool, "newcomer", name="Olena Koval", locale="uk")
    mentors = [(uuid.uuid4(), f"Mentor {i}", f"m{i}-{uuid.uuid4().hex[:6]}@example.org", {"capacity": 1})
               for i in range(2000)]
    await pool.executemany(
        """INSERT INTO participants (id, kind, status, name, email, preferred_locale, district, profile, verified_at)
           VALUES ($1, 'mentor', 'verified', $2, $3, 'de', '16052', $4, now())""", mentors)
    await pool.executemany(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status)
           VALUES ($1, 'mentor', $2, $3, 0.5, $4)""",
        [(uuid.uuid4(), newcomer.id, m[0], status) for m in mentors[::2] for status in ("active", "declined")])
    await pool.execute("ANALYZE participants; ANALYZE matches")
    sql = f"""SELECT id, extract(day FROM now() - {pages.WAITING_SINCE})::int AS days, {pages.PLACES_TAKEN}
              FROM {pages.PARTICIPANTS_FROM} WHERE {pages.PARTICIPANT_FILTER}
              ORDER BY {pages.ORDERS['waiting']} LIMIT 100"""
    args = ("mentor", None, None, None, None, None, 0, None, None, True, 0)
    explained = await pool.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *args)
    plan = (json.loads(explained) if isinstance(explained, str) else explained)[0]["Plan"]
    scans = _scans(plan, "matches")
    assert scans and all(scan["Actual Loops"] == 1 for scan in scans), scans
    assert await pool.fetchval(f"SELECT count(*) FROM {pages.PARTICIPANTS_FROM} WHERE {pages.PARTICIPANT_FILTER}",
                               "mentor", None, None, None, None, None, 0, None, None, True, 0) == 1000
