"""Review 4, finding 21: what participants write keeps its own direction and, where known, its
language: an Arabic text is shown right-to-left with its full stop where it belongs, a Ukrainian
one is read with a Ukrainian voice, a language's own name in the list is marked as that language."""

from __future__ import annotations

import re

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.test_dashboard import login
from tests.integration.test_own_matches import _match
from tests.integration.test_self_service import _registered, manage_link

ARABIC = "ممرضة من حلب، 2 أطفال. I love Erfurt!"


async def test_forms_mark_typed_text_and_language_names_with_their_direction(intake_client: IntakeClient) -> None:
    page = await (await intake_client.get("/register/newcomer?lang=en")).text()
    assert re.search(r'<textarea id="about" name="about" dir="auto"', page)
    assert re.search(r'<input type="text" id="name" name="name" value="" dir="auto"', page)
    email = re.search(r'<input type="email" id="email" name="email"[^>]*>', page)
    assert email and "dir=" not in email.group(0)  # an address reads left to right
    assert '<option value="ar" lang="ar" dir="auto">العربية</option>' in page
    assert '<option value="fa" lang="fa" dir="auto">فارسی</option>' in page
    district = re.search(r'<option value="16051"[^>]*>', page)
    assert district and "lang=" not in district.group(0)  # a district is no language


async def test_names_and_own_words_keep_their_direction_on_pages_and_dashboard(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer = await _registered(intake_client, pool, "newcomers", name="سارة أحمد", about=ARABIC,
                                 preferred_locale="uk")
    mentor = await _registered(intake_client, pool, "mentors", preferred_locale="en")
    await _match(pool, "mentor", newcomer, mentor, "introduced")
    page = await (await intake_client.get(manage_link(mentor))).text()
    assert "Newcomer: <bdi>سارة أحمد</bdi>" in page

    await login(intake_client)
    page = await (await intake_client.get(f"/dashboard/participants/{newcomer}")).text()
    assert f'<blockquote dir="auto" lang="uk">{ARABIC}</blockquote>' in page
    assert "<h1><bdi>سارة أحمد</bdi>" in page
