"""Review 4, finding 23: the CSV exports read well in the German Excel the centre uses."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import asyncpg

from lotse.intake.dashboard.reports import _cell
from lotse.shared.reference import districts
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.test_dashboard import _suggest, _verified, login


async def _rows(intake_client: IntakeClient, path: str) -> list[dict[str, str]]:
    text = (await (await intake_client.get(path)).read()).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


async def test_times_are_local_to_the_second_scores_have_a_comma_and_districts_a_name(
    intake_client: IntakeClient, pool: asyncpg.Pool, coordinator_headers: dict[str, str]
) -> None:
    await login(intake_client)
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers",
                               newcomer_payload(name="Олена Шевчук", district="16053"))
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(name="Sabine Krüger"))
    gone = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(name="Thomas Berger"))
    match_id = await _suggest(pool, newcomer, mentor)
    # Winter time: 13:05:09.628439 UTC is 14:05:09 in Erfurt.
    await pool.execute("UPDATE participants SET created_at = '2026-11-24 13:05:09.628439+00' WHERE id = $1", newcomer)
    await pool.execute("UPDATE matches SET score = 0.1506, created_at = '2026-11-24 13:05:09.5+00' WHERE id = $1",
                       match_id)
    assert (await intake_client.delete(f"/api/v1/participants/{gone}", headers=coordinator_headers)).status == 204
    # Registered at 00:30 on 1 November in Erfurt: its month is November, not October.
    await pool.execute("UPDATE participants SET created_at = '2026-10-31 23:30+00' WHERE id = $1", gone)

    people = {row["id"]: row for row in await _rows(intake_client, "/dashboard/export/participants.csv")}
    olena = people[str(newcomer)]
    assert olena["registered"] == "2026-11-24 14:05:09"
    assert (olena["district"], olena["district_name"]) == ("16053", districts()["16053"].name)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", olena["verified"])  # no microseconds, no offset
    erased = people[str(gone)]
    assert (erased["district"], erased["district_name"], erased["registered"]) == ("", "", "2026-11-01 00:00:00")

    match = {row["id"]: row for row in await _rows(intake_client, "/dashboard/export/matches.csv")}[str(match_id)]
    assert match["score"] == "0,1506"
    assert match["created"] == "2026-11-24 14:05:09"


async def test_text_a_spreadsheet_would_run_as_a_formula_is_kept_as_text(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """Review 5, finding 1 (OWASP CSV injection): anyone who registers types names and texts that end
    up in the coordinators' Excel. A cell starting with = + - @, a tab or a carriage return gets a
    leading "'"."""
    await login(intake_client)
    formula = '=HYPERLINK("http://evil.test","klick")'
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name=formula))
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(name="+cmd|' /C calc'!A0"))
    match_id = await _suggest(pool, newcomer, mentor)
    await pool.execute("UPDATE matches SET reason = $2 WHERE id = $1", match_id, "@SUM(1+1)")
    tabbed = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(name="Anna"))
    await pool.execute("UPDATE participants SET name = $2 WHERE id = $1", tabbed, "\t=1+1")
    dashed = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(name="Anna"))
    await pool.execute("UPDATE participants SET name = $2 WHERE id = $1", dashed, "-2+3")
    returned = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(name="Anna"))
    await pool.execute("UPDATE participants SET name = $2 WHERE id = $1", returned, "\r=1")

    people = {row["id"]: row for row in await _rows(intake_client, "/dashboard/export/participants.csv")}
    assert people[str(newcomer)]["name"] == "'" + formula
    assert people[str(mentor)]["name"] == "'+cmd|' /C calc'!A0"
    assert people[str(tabbed)]["name"] == "'\t=1+1"
    assert people[str(dashed)]["name"] == "'-2+3"
    assert people[str(returned)]["name"] == "'\r=1"

    match = {row["id"]: row for row in await _rows(intake_client, "/dashboard/export/matches.csv")}[str(match_id)]
    assert match["newcomer_name"] == "'" + formula
    assert match["counterpart_name"] == "'+cmd|' /C calc'!A0"
    assert match["reason"] == "'@SUM(1+1)"
    assert match["score"] == "0,72"


def test_numbers_stay_numbers() -> None:
    """Scores are never negative (a check in the table), but a number is no text to neutralise."""
    assert _cell(Decimal("-0.25")) == "-0,25" and _cell(-3) == -3 and _cell(-0.5) == "-0,5"


async def test_why_a_match_stopped_reads_in_the_coordinators_language_beside_its_code(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    """The matches CSV wrote the stored English codes ("not_a_good_fit: …", "participant_erased");
    `reason` now reads as on the match page, in the dashboard's language, and `reason_code`
    (appended, so the old columns keep their places) keeps the code for filters and formulas."""
    await login(intake_client)
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Олена Шевчук"))
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(name="Sabine Krüger"))
    stopped = []  # one pair has one open match at a time: each stops before the next is suggested
    for status, reason, code, side in [
        ("rejected", "not_a_good_fit: spricht kein Russisch", "not_a_good_fit", None),
        ("withdrawn", "participant_erased", "participant_erased", None),
        ("cancelled", "declined by newcomer", "declined", "newcomer"),
        ("completed", "Ziel erreicht", "coordinator", None),
    ]:
        match_id = await _suggest(pool, newcomer, mentor)
        await pool.execute("UPDATE matches SET status = $2, reason = $3, end_reason = $4, ended_by_side = $5 "
                           "WHERE id = $1", match_id, status, reason, code, side)
        stopped.append(match_id)
    rejected, erased, declined, ended = stopped

    german = await _rows(intake_client, "/dashboard/export/matches.csv?lang=de")
    assert list(german[0])[-2:] == ["reason_code", "flag_code"]  # flag_code after it (review 9c, F6)
    rows = {row["id"]: (row["reason"], row["reason_code"]) for row in german}
    assert rows[str(rejected)] == ("Passt nicht: spricht kein Russisch", "not_a_good_fit")
    assert rows[str(erased)] == ("Die Daten einer teilnehmenden Person wurden gelöscht", "participant_erased")
    assert rows[str(declined)] == ("Von der neu angekommenen Person abgelehnt", "declined")
    assert rows[str(ended)] == ("Ziel erreicht", "coordinator")
    english = {row["id"]: row["reason"] for row in await _rows(intake_client, "/dashboard/export/matches.csv?lang=en")}
    assert english[str(rejected)] == "Not a good fit: spricht kein Russisch"
