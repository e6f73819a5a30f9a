"""Review 8a, finding 3: coordinators find and see employers and course providers by their
organisation ("Volkshochschule Erfurt (Jana Wendt)"), in the participants list, search, page
title and CSV export."""

from __future__ import annotations

import csv
import io
import re
from importlib import resources

import asyncpg

from lotse.intake import self_service
from lotse.shared import name_search
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import employer_payload, mentor_payload, provider_payload, unique_email
from tests.integration.test_dashboard import _verified, login

CARE_HOME = "Seniorenresidenz Am Hofwiesenpark gGmbH"


def _listed(html: str) -> list[str]:
    return re.findall(r'<a href="/dashboard/participants/[^"]+">([^<]*)</a>', html)


async def test_an_organisation_is_found_by_its_name_and_shown_before_its_contact(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    home = await _verified(intake_client, pool, "/api/v1/employers",
                           employer_payload(name="Katrin Böhme", organisation=CARE_HOME, contact_name="Katrin Böhme",
                                            email=unique_email("hr")))
    await _verified(intake_client, pool, "/api/v1/language-providers",
                    provider_payload(name="Jana Wendt", organisation="Volkshochschule Erfurt",
                                     email=unique_email("vhs")))
    for query in ("Seniorenresidenz", "hofwiesen", "Hofwiesenpark Böhme"):
        html = await (await intake_client.get("/dashboard/participants", params={"q": query})).text()
        assert _listed(html) == [f"{CARE_HOME} (Katrin Böhme)"], query
    html = await (await intake_client.get("/dashboard/participants", params={"q": "volkshochschule erfurt"})).text()
    assert _listed(html) == ["Volkshochschule Erfurt (Jana Wendt)"]
    assert '<label for="q">Name, Organisation oder E-Mail suchen</label>' in html  # the field says so
    page = await (await intake_client.get(f"/dashboard/participants/{home}")).text()
    assert f"<title>{CARE_HOME} (Katrin Böhme)" in page
    # A renamed organisation is found by its new name, no longer by the old one.
    async with pool.acquire() as conn, conn.transaction():
        await self_service.update(conn, home, {"organisation": "Pflegeheim Sonnenhof"})
    assert "sonnenhof" in await pool.fetchval("SELECT name_search FROM participants WHERE id = $1", home)
    html = await (await intake_client.get("/dashboard/participants", params={"q": "hofwiesen"})).text()
    assert _listed(html) == []


async def test_the_migration_folds_the_organisation_of_rows_registered_before(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    old = await _verified(intake_client, pool, "/api/v1/employers",
                          employer_payload(organisation="Klinikum Gera", email=unique_email("kg")))
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(email=unique_email("m")))
    # As an earlier release stored it: the name only.
    await pool.execute("UPDATE participants SET name_search = $2 WHERE id = $1", old, "klaus richter")
    sql = resources.files("lotse.shared").joinpath("migrations/0027_name_search_organisation.sql").read_text()
    async with pool.acquire() as conn:
        await conn.execute(sql)
        await name_search.fill_missing(conn)
    assert await pool.fetchval("SELECT name_search FROM participants WHERE id = $1", old) == \
        "klaus richter klinikum gera"
    assert await pool.fetchval("SELECT name_search FROM participants WHERE id = $1", mentor) == "thomas berger"


async def test_the_participants_csv_ends_with_the_organisation(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    home = await _verified(intake_client, pool, "/api/v1/employers",
                           employer_payload(organisation=CARE_HOME, email=unique_email("hr")))
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(email=unique_email("m")))
    text = (await (await intake_client.get("/dashboard/export/participants.csv")).read()).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    # A mentor's places and the waiting time came after it (review 8d, finding 5): still the 11th column.
    assert header[:11] == ["id", "kind", "status", "name", "email", "locale", "district", "district_name",
                           "registered", "verified", "organisation"]
    by_id = {row[0]: row for row in rows}
    assert by_id[str(home)][10] == CARE_HOME
    assert by_id[str(mentor)][10] == ""
