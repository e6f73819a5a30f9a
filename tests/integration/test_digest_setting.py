"""Review 12, F10: a coordinator turns the overview e-mail (the digest) off and on again on the
dashboard; the digest then leaves them out (tests/integration/test_notifier_digest.py)."""

from __future__ import annotations

import asyncpg

from tests.conftest import COORDINATOR_EMAIL, IntakeClient
from tests.integration.test_dashboard import csrf_of, login

PAGE = "/dashboard/account/digest"


async def _wanted(pool: asyncpg.Pool) -> bool:
    return bool(await pool.fetchval("SELECT digest FROM coordinators WHERE email = $1", COORDINATOR_EMAIL))


async def test_a_coordinator_turns_the_overview_email_off_and_on(intake_client: IntakeClient,
                                                                 pool: asyncpg.Pool) -> None:
    await login(intake_client)
    header = await (await intake_client.get("/dashboard")).text()
    assert f'href="{PAGE}"' in header and "Übersicht per E-Mail" in header  # reachable from every page
    page = await (await intake_client.get(PAGE)).text()
    assert 'name="digest" value="on" checked' in page and await _wanted(pool)  # on until someone chooses

    off = await intake_client.post(PAGE, data={"csrf": csrf_of(page)})  # an unticked box sends nothing
    assert off.status == 200 and str(off.url).endswith(f"{PAGE}?msg=digest_off")
    text = await off.text()
    assert "Gespeichert: Sie bekommen keine Übersicht per E-Mail." in text and " checked" not in text
    assert not await _wanted(pool)

    on = await intake_client.post(PAGE, data={"csrf": csrf_of(text), "digest": "on"})
    assert "Gespeichert: Sie bekommen die Übersicht per E-Mail." in await on.text() and await _wanted(pool)


async def test_the_setting_needs_the_forms_csrf_token(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    await login(intake_client)
    refused = await intake_client.post(PAGE, data={"csrf": "forged"})
    assert refused.status == 403 and await _wanted(pool)
