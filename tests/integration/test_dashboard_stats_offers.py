"""Review 8a, finding 9: the statistics page gives places in German courses (free and taken) and
open positions by occupation field beside the mentors' places, and no chart label is cut off."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import asyncpg

from lotse.intake.dashboard.charts import CHAR, bar_chart
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import employer_payload, newcomer_payload, provider_payload, unique_email
from tests.integration.test_dashboard import _verified, login


def _bars(html: str, title: str) -> dict[str, str]:
    """A chart's figures as its table gives them (what a screen reader reads), checked against the
    bars drawn above it."""
    section = re.search(rf"<h2>{re.escape(title)}</h2>(<svg.*?</svg>).*?(<table.*?</table>)", html, re.S)
    assert section, title
    svg, table = section.groups()
    assert 'aria-hidden="true"' in svg.split(">", 1)[0] and f"<caption>{title}</caption>" in table
    figures = dict(re.findall(r'<th scope="row">([^<]*)</th><td>([^<]*)</td>', table))
    assert figures == dict(re.findall(r"<rect[^>]*><title>([^<]*): ([^<]*)</title>", svg))
    return figures


async def test_course_places_and_open_positions_by_field(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    await login(intake_client)
    before = await (await intake_client.get("/dashboard/stats", params={"lang": "de"})).text()
    places = {k: float(n) for k, n in _bars(before, "Plätze in Deutschkursen, die noch nicht begonnen haben").items()}
    fields = {k: float(n) for k, n in _bars(before, "Offene Stellen nach Berufsfeld").items()}
    start = (date.today() + timedelta(days=10)).isoformat()
    course = {"title": "Deutsch A1", "level": "A1", "schedule": "evening", "format": "online", "district": "16051",
              "seats": 8, "starts_on": start, "childcare": False}
    provider = await _verified(intake_client, pool, "/api/v1/language-providers", provider_payload(
        email=unique_email("p"), courses=[course, {**course, "title": "Deutsch A1 (begonnen)"}]))
    await pool.execute("UPDATE courses SET starts_on = current_date - 1 "
                       "WHERE provider_id = $1 AND title LIKE '%begonnen%'", provider)
    employer = await _verified(intake_client, pool, "/api/v1/employers", employer_payload(
        email=unique_email("e"), positions=[{"title": "Pflegefachkraft", "occupation_field": "nursing", "openings": 3,
                                             "min_german_level": "B2"}]))
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(email=unique_email("n")))
    for offer, kind in ((await pool.fetchval("SELECT id FROM courses WHERE provider_id = $1 AND title = 'Deutsch A1'",
                                             provider), "language_course"),
                        (await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1", employer), "employer")):
        await pool.execute("""INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, explanation, status)
                              VALUES ($1, $2, $3, $4, 0.5, '[]', 'active')""", uuid.uuid4(), kind, newcomer, offer)

    html = await (await intake_client.get("/dashboard/stats", params={"lang": "de"})).text()
    now = _bars(html, "Plätze in Deutschkursen, die noch nicht begonnen haben")
    # The started course's 8 seats count nowhere; the open one has 7 free and 1 taken.
    assert float(now["frei"]) - places.get("frei", 0) == 7 and float(now["belegt"]) - places.get("belegt", 0) == 1
    assert float(_bars(html, "Offene Stellen nach Berufsfeld")["Pflege"]) - fields.get("Pflege", 0) == 2


def test_the_label_column_fits_the_longest_label() -> None:
    label = "Keine offene Stelle im Berufsfeld, auch nicht in der Nähe"
    svg = bar_chart("Unerfüllte Bedarfe", [(label, 3.0), ("kurz", 1.0)])
    label_x = [float(x) for x in re.findall(r'<text x="([\d.]+)"[^>]*text-anchor="end"', svg)]
    assert min(label_x) >= len(label) * CHAR  # right-aligned at x: the text starts at x minus its width
    assert min(label_x) >= 190 - 8  # a short label keeps the column it had
