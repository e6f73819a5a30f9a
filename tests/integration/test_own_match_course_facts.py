"""The manage page's course match says when and where the course is, as the introduction and
"both said yes" emails do: a parent plans childcare around it (review 8b, finding 16)."""

from __future__ import annotations

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.test_own_matches import _match, _text
from tests.integration.test_self_service import _registered, manage_link


async def test_a_newcomers_course_card_gives_schedule_start_and_place(intake_client: IntakeClient,
                                                                      pool: asyncpg.Pool) -> None:
    newcomer = await _registered(intake_client, pool, "newcomers", name="Nguyễn Thị Lan", preferred_locale="vi")
    provider = await _registered(intake_client, pool, "language-providers", organisation="Volkshochschule Gera")
    course = await pool.fetchval(
        "UPDATE courses SET schedule = 'evening', starts_on = '2030-12-15', district = '16052' "
        "WHERE provider_id = $1 RETURNING id", provider)
    await _match(pool, "language_course", newcomer, course, "active")

    page = _text(await (await intake_client.get(f"{manage_link(newcomer)}?lang=en")).text())
    card = page[page.index('<article class="own-match"'):]
    card = card[:card.index("</article>")]
    assert "German course: Deutsch B1 am Wochenende (Volkshochschule Gera)" in card
    assert "Schedule: Evenings" in card and "Start date: Dec 15, 2030" in card
    assert "Format: In person" in card and "Course location (district): Gera" in card

    await pool.execute("UPDATE courses SET format = 'online' WHERE id = $1", course)
    vi = _text(await (await intake_client.get(f"{manage_link(newcomer)}?lang=vi")).text())
    assert "15 thg 12, 2030" in vi and "Course location" not in vi

    # The provider knows its own course: its card names the newcomer, no course facts repeated.
    provider_page = _text(await (await intake_client.get(f"{manage_link(provider)}?lang=en")).text())
    matches = provider_page[provider_page.index('<section id="matches">'):]
    assert "Nguyễn Thị Lan" in matches and "course-facts" not in matches[:matches.index("</section>")]
