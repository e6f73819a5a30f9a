"""The email-change page's title says the outcome, as its heading does (review 13b, F5): it was
"E-mail confirmation" for the question, the success and every refusal alike, and a screen reader
reads the title first."""

from __future__ import annotations

import html
import re

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import newcomer_payload, unique_email
from tests.integration.test_email_change import _ask, _confirm_link, _manage, _open_change, _registered


def title_and_heading(page: str) -> tuple[str, str]:
    title, heading = re.search(r"<title>([^<]*)</title>", page), re.search(r"<h1>([^<]*)</h1>", page)
    assert title and heading, page
    return html.unescape(title.group(1)), html.unescape(heading.group(1))


async def test_the_title_is_the_outcome(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    lan = await _registered(intake_client, pool, newcomer_payload(email=unique_email("lan"), preferred_locale="en"))
    manage = _manage(lan)
    assert (await _ask(intake_client, manage, unique_email("lan.first"))).status == 303
    first = await _open_change(pool, lan)
    assert (await _ask(intake_client, manage, unique_email("lan.second"))).status == 303
    second = await _open_change(pool, lan)

    seen = {}
    for name, link in (("ask", _confirm_link(lan, second)), ("withdrawn", _confirm_link(lan, first)),
                       ("broken", _confirm_link(lan, second)[:-3] + "abc?lang=en")):
        title, heading = title_and_heading(await (await intake_client.get(link)).text())
        assert title.startswith(heading), (name, title, heading)
        seen[name] = heading
    assert seen == {"ask": "Confirm your new e-mail address", "withdrawn": "This link is no longer valid",
                    "broken": "This link does not work"}
