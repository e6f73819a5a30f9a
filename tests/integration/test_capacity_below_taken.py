"""Review 5, finding 7: a mentor may ask for fewer places than are taken (to be asked less, without
ending anyone's match). The running matches go on, the matcher suggests nobody while no place is
free, and the pages say so instead of "2 of 1"."""

from __future__ import annotations

import uuid

import asyncpg

from tests.conftest import IntakeClient
from tests.integration.test_dashboard import login
from tests.integration.test_own_matches import _match, _text
from tests.integration.test_self_service import _registered, manage_link


async def _mentor_with_two_of_one(intake_client: IntakeClient, pool: asyncpg.Pool) -> uuid.UUID:
    mentor = await _registered(intake_client, pool, "mentors", preferred_locale="en", capacity=2)
    for name in ("Olena Shevchuk", "Taras Bondarenko"):
        newcomer = await _registered(intake_client, pool, "newcomers", name=name, preferred_locale="en")
        await _match(pool, "mentor", newcomer, mentor, "active")
    await pool.execute("UPDATE participants SET profile = jsonb_set(profile, '{capacity}', '1') WHERE id = $1", mentor)
    return mentor


async def test_the_manage_page_says_the_matches_continue_and_nobody_new_comes(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    mentor = await _mentor_with_two_of_one(intake_client, pool)
    page = _text(await (await intake_client.get(manage_link(mentor))).text())
    assert "2 of 1" not in page
    assert ("Places taken: 2; you asked for at most 1. Your current matches continue; we will suggest someone new "
            "only when fewer places are taken than you asked for.") in page
    german = _text(await (await intake_client.get(manage_link(mentor), params={"lang": "de"})).text())
    assert "2 von 1" not in german and "Belegte Plätze: 2; Sie möchten höchstens 1." in german


async def test_the_coordinators_see_it_too(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    await login(intake_client)
    mentor = await _mentor_with_two_of_one(intake_client, pool)
    page = _text(await (await intake_client.get(f"/dashboard/participants/{mentor}", params={"lang": "de"})).text())
    assert "2 von 1" not in page
    assert "Belegte Plätze: 2, mehr als die 1, die die Person jetzt angibt" in page
