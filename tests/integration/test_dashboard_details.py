"""Small things on every dashboard page: the language switch keeps the page's filters, the
navigation marks the current page, lists sort and count the way a German reader expects."""

from __future__ import annotations

import html
import re

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import mentor_payload, newcomer_payload
from tests.integration.test_dashboard import _suggest, _verified, login


async def test_the_language_switch_keeps_the_filters_and_drops_the_one_time_message(
    intake_client: IntakeClient,
) -> None:
    await login(intake_client)
    filtered = "/dashboard/participants?kind=mentor&district=16053&page=2"
    page = await (await intake_client.get(filtered + "&msg=ended")).text()
    switch = re.search(r'<a href="([^"]+)" lang="en">English</a>', page)
    assert switch and html.unescape(switch.group(1)) == filtered + "&lang=en"
    english = await (await intake_client.get(html.unescape(switch.group(1)))).text()
    assert re.search(r'<a href="/dashboard/participants\?kind=mentor&amp;district=16053&amp;page=2&amp;lang=de" '
                     r'lang="de">Deutsch</a>', english)


async def test_the_navigation_marks_the_page_and_the_lists_read_as_german(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    await login(intake_client)
    listed = await (await intake_client.get("/dashboard/participants")).text()
    assert '<a href="/dashboard/participants" aria-current="page">' in listed
    assert listed.count("aria-current") == 1
    # The district filter as the forms sort it, not by code point (Sonneberg, Suhl, Sömmerda).
    names = re.findall(r'<option value="160\d\d">([^<]+)</option>', listed)
    assert names.index("Sömmerda") < names.index("Sonneberg") < names.index("Suhl")
    mentor = await _verified(intake_client, pool, "/api/v1/mentors", mentor_payload())
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Олена Шевчук"))
    await _suggest(pool, newcomer, mentor)

    # A newcomer waits, and so does a mentor with a free place (a suggestion holds none: review 8d, finding 5).
    listed = await (await intake_client.get("/dashboard/participants?order=name")).text()
    assert "<th>Wartet (Tage)</th>" in listed
    days = re.findall(r'<td class="num"[^>]*>([^<]*)</td></tr>', listed)
    assert days == ["3", "3"]  # Thomas Berger (mentor), then Олена

    match_page = await (await intake_client.get("/dashboard/matches")).text()
    assert '<a href="/dashboard/matches" aria-current="page">' in match_page
    await pool.execute("UPDATE participants SET verified_at = now() WHERE id = $1", newcomer)
    queue = await (await intake_client.get("/dashboard")).text()
    assert '<a href="/dashboard" aria-current="page">' in queue
    assert '<span class="hint">wartet seit heute</span>' in queue
    await pool.execute("UPDATE participants SET verified_at = now() - interval '1 day 1 hour' WHERE id = $1", newcomer)
    assert '<span class="hint">wartet seit 1 Tag</span>' in await (await intake_client.get("/dashboard")).text()
