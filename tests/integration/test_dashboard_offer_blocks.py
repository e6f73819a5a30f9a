"""Review 8a, finding 10: a provider's or employer's page shows one block per course or position,
with its details and its matches by state, then score; withdrawn and rejected suggestions are
folded away behind their count."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import employer_payload, newcomer_payload, provider_payload, unique_email
from tests.integration.test_dashboard import _verified, login

START = date.today() + timedelta(days=20)
COURSES = [
    {"title": "Deutsch A2 abends", "level": "A2", "schedule": "evening", "format": "online", "district": "16051",
     "seats": 10, "starts_on": START.isoformat(), "childcare": True},
    {"title": "Deutsch B1 am Wochenende", "level": "B1", "schedule": "weekend", "format": "in_person",
     "district": "16053", "seats": 12, "starts_on": START.isoformat(), "childcare": False},
]


async def _match(pool: asyncpg.Pool, kind: str, newcomer: uuid.UUID, offer: uuid.UUID, status: str,
                 score: float) -> None:
    await pool.execute("""INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation, status)
                          VALUES ($1, $2, $3, $4, $5, '[]', $6)""", uuid.uuid4(), kind, newcomer, offer, score, status)


def _section(html: str, title: str) -> str:
    found = re.search(rf'<section class="offer"[^>]*>\s*<h3[^>]*>{re.escape(title)}</h3>(.*?)</section>', html, re.S)
    assert found, title
    return found.group(1)


async def test_a_providers_page_has_a_block_per_course_with_its_matches_in_order(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    provider = await _verified(intake_client, pool, "/api/v1/language-providers",
                               provider_payload(email=unique_email("vhs"), courses=COURSES))
    courses = {r["title"]: r["id"] for r in await pool.fetch("SELECT id, title FROM courses WHERE provider_id = $1",
                                                             provider)}
    people = {}
    for name in ("Ana Suggested", "Bo Better", "Cy Active", "Di Withdrawn", "Ed Rejected", "Fu Completed"):
        people[name] = await _verified(intake_client, pool, "/api/v1/newcomers",
                                       newcomer_payload(name=name, email=unique_email("n")))
    evening = courses["Deutsch A2 abends"]
    await _match(pool, "language_course", people["Ana Suggested"], evening, "suggested", 0.39)
    await _match(pool, "language_course", people["Bo Better"], evening, "suggested", 0.85)
    await _match(pool, "language_course", people["Cy Active"], evening, "active", 0.48)
    await _match(pool, "language_course", people["Di Withdrawn"], evening, "withdrawn", 0.9)
    await _match(pool, "language_course", people["Ed Rejected"], evening, "rejected", 0.7)
    await _match(pool, "language_course", people["Fu Completed"], courses["Deutsch B1 am Wochenende"], "completed", 0.5)

    html = await (await intake_client.get(f"/dashboard/participants/{provider}", params={"lang": "de"})).text()
    block = _section(html, "Deutsch A2 abends")
    shown, _, folded = block.partition("<details>")
    # Running first, then open suggestions by score; the withdrawn and rejected behind their count.
    order = re.findall(r"(Ana Suggested|Bo Better|Cy Active|Di Withdrawn|Ed Rejected)", shown)
    assert order == ["Cy Active", "Bo Better", "Ana Suggested"]
    assert "<summary>2 Vorschläge zurückgezogen oder abgelehnt</summary>" in folded
    assert {"Di Withdrawn", "Ed Rejected"} <= set(re.findall(r"(Di Withdrawn|Ed Rejected)", folded))
    # The course's details, labelled and formatted as on a profile.
    for text in ("<dt>Niveau</dt><dd>A2</dd>", "<dt>Kinderbetreuung</dt><dd>ja</dd>",
                 f"<dt>Kursbeginn</dt><dd>{START:%d.%m.%Y}</dd>", "<dt>Kurszeiten</dt><dd>Abends</dd>"):
        assert text in block, text
    weekend = _section(html, "Deutsch B1 am Wochenende")
    assert "Fu Completed" in weekend and "<details>" not in weekend
    assert "<dt>Kinderbetreuung</dt><dd>nein</dd>" in weekend


async def test_an_employers_page_gives_each_positions_field_and_german_level(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    employer = await _verified(intake_client, pool, "/api/v1/employers", employer_payload(
        email=unique_email("hr"), positions=[{"title": "Pflegefachkraft", "occupation_field": "nursing",
                                             "openings": 2, "min_german_level": "B2"}]))
    html = await (await intake_client.get(f"/dashboard/participants/{employer}", params={"lang": "de"})).text()
    block = _section(html, "Pflegefachkraft")
    assert "<dd>B2</dd>" in block and "<dt>Berufsfeld</dt><dd>Pflege" in block
