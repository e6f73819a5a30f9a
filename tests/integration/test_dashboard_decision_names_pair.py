"""The message after a decision in the review queue names the pair decided and links its match
(review 8a, finding 7): working fast through many, the coordinator sees which click did what."""

from __future__ import annotations

import html
import re

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.test_dashboard import login
from tests.integration.test_dashboard_queue_filters import _person, _suggest


async def test_the_message_names_the_pair_and_links_the_match(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    csrf = await login(intake_client)
    lan = await _person(pool, "newcomer", "Nguyễn Thị Lan", days=9)
    olena = await _person(pool, "newcomer", "Olena Kovalenko", days=5)
    mentor = await _person(pool, "mentor", "Thomas Berger", profile={"capacity": 3})
    employer = await _person(pool, "employer", "Jana Wendt", organisation="Helios Klinikum Gotha")
    position = await pool.fetchval(
        """INSERT INTO positions (id, employer_id, title, occupation_field, openings, min_german_level)
           VALUES (gen_random_uuid(), $1, 'Busfahrer/in', 'transport', 2, 'B1') RETURNING id""", employer)
    approved = await _suggest(pool, "mentor", lan, mentor)  # her last: the queue goes on with Olena
    rejected = await _suggest(pool, "employer", olena, position)
    await _suggest(pool, "mentor", olena, mentor)

    response = await intake_client.post(f"/dashboard/matches/{approved}/approve", data={"csrf": csrf},
                                        allow_redirects=False)
    page = await (await intake_client.get(response.headers["Location"].split("#")[0])).text()
    notice = re.search(r'<p class="notice"[^>]*>(.*?)</p>', page, re.S)
    assert notice is not None and page.count('class="notice"') == 1
    assert f'<a href="/dashboard/matches/{approved}">' in notice[1]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", notice[1])).split())
    assert text == "Freigegeben: Nguyễn Thị Lan – Thomas Berger (Mentor/in). Der Matcher stellt beide Seiten " \
                   "per E-Mail vor."
    # Shown in Olena's section, where the page lands, though the pair was Lan's.
    assert f'id="newcomer-{olena}"' in page[page.index(notice[0]) - 200:page.index(notice[0]) + len(notice[0])]

    response = await intake_client.post(f"/dashboard/matches/{rejected}/reject?lang=en",
                                        data={"csrf": csrf, "reason": "distance"}, allow_redirects=False)
    page = await (await intake_client.get(response.headers["Location"].split("#")[0], params={"lang": "en"})).text()
    notice = re.search(r'<p class="notice"[^>]*>(.*?)</p>', page, re.S)
    assert notice is not None
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", notice[1])).split())
    assert text == "Rejected: Olena Kovalenko – Busfahrer/in · Helios Klinikum Gotha (Job). " \
                   "This pair will not be suggested again."
    # A message without a pair (an old link) still reads as before.
    page = await (await intake_client.get("/dashboard", params={"msg": "approved", "lang": "de"})).text()
    assert "Freigegeben. Der Matcher" in page
