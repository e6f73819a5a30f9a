"""Small things on every dashboard page: the language switch keeps the page's filters, the
navigation marks the current page, lists sort and count the way a German reader expects."""

from __future__ import annotations

import html
import re

from tests.conftest import IntakeClient
from tests.integration.test_dashboard import login


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
