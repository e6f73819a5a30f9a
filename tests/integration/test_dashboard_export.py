"""The participants CSV holds whom the filtered list shows, and its link says so."""

from __future__ import annotations

import html
import re

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.test_dashboard import _verified, login


def _export_link(page: str) -> tuple[str, str]:
    found = re.search(r'<a href="(/dashboard/export/participants\.csv[^"]*)" download>([^<]+)</a>', page)
    assert found, "no export link"
    return html.unescape(found.group(1)), found.group(2)


async def test_the_participants_export_follows_the_filters_shown(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(name="Sabine Krüger", district="16053"))
    await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload(name="Thomas Berger", district="16052"))
    await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Олена Шевчук", district="16053"))

    listed = await (await intake_client.get("/dashboard/participants?kind=mentor&district=16053&page=1")).text()
    link, label = _export_link(listed)
    assert link == "/dashboard/export/participants.csv?kind=mentor&district=16053"
    assert label == "1 gefundene Person als CSV exportieren"
    rows = (await (await intake_client.get(link)).read()).decode("utf-8-sig").splitlines()
    assert len(rows) == 2 and "Sabine Krüger" in rows[1]

    # The search and the order too: both mentors found by "er", by name.
    link, label = _export_link(await (await intake_client.get("/dashboard/participants?q=er&kind=mentor&order=name"))
                               .text())
    assert label == "Die 2 gefundenen Personen als CSV exportieren"
    rows = (await (await intake_client.get(link)).read()).decode("utf-8-sig").splitlines()
    assert [row.split(";")[3] for row in rows[1:]] == ["Sabine Krüger", "Thomas Berger"]

    # No filter: the link says that it is everyone.
    link, label = _export_link(await (await intake_client.get("/dashboard/participants?lang=en")).text())
    assert (link, label) == ("/dashboard/export/participants.csv", "Export all 3 participants as CSV")
    assert len((await (await intake_client.get(link)).read()).decode("utf-8-sig").splitlines()) == 4
