"""A deletion notice counts only while LOTSE_RETENTION_INACTIVE_DAYS is on and the notice is the
current one (review 9d, D6): turned off (0), nobody reads "we will delete it on …" and nobody is
erased; a notice whose day is long past (the setting was off meanwhile) or that was sent under a
shorter limit erases nobody and a new notice is sent; a pass missed for a few days still erases."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from lotse.intake import inactive
from lotse.intake.app import init_app
from lotse.shared import reference
from lotse.shared.config import Settings
from tests.conftest import COORDINATOR_EMAIL, COORDINATOR_PASSWORD, IntakeClient
from tests.integration.notifier_fixtures import add_participant
from tests.integration.test_dashboard import login
from tests.integration.test_inactive_erasure import PERIODS, _aged, _noticed, _pass, _status
from tests.integration.test_mentor_places import _list
from tests.integration.test_self_service import manage_link

OFF = dataclasses.replace(PERIODS, inactive_days=0)
KEEP_BUTTON = 'value="keep"'
ANNOUNCED = "Bei Ihrer Anmeldung ist lange nichts mehr geschehen."


@pytest.fixture
async def client_limit_off(settings: Settings, pool: asyncpg.Pool) -> AsyncIterator[IntakeClient]:
    """The intake app with the storage limit turned off, as an operator sets it after notices went out."""
    app_settings = dataclasses.replace(settings, coordinator_email=COORDINATOR_EMAIL,
                                       coordinator_password=COORDINATOR_PASSWORD, retention_inactive_days=0)
    client = TestClient(TestServer(init_app(app_settings)))
    await client.start_server()
    yield client
    await client.close()


async def _manage_page(client: IntakeClient, who: uuid.UUID) -> str:
    response = await client.get(manage_link(who))
    assert response.status == 200
    return await response.text()


async def _erase_on(pool: asyncpg.Pool, who: uuid.UUID) -> object:
    return await pool.fetchval("SELECT inactive_erase_on FROM participants WHERE id = $1", who)


async def test_turned_off_no_page_announces_the_deletion_and_nobody_is_erased(
    client_limit_off: IntakeClient, pool: asyncpg.Pool
) -> None:
    greta = await add_participant(pool, "language_provider", name="VHS Gera", locale="de")
    await _aged(pool, greta.id)
    assert (await _pass(pool))["inactive_noticed"] == 1  # noticed while the limit was 730 days

    page = await _manage_page(client_limit_off, greta.id)
    assert ANNOUNCED not in page and KEEP_BUTTON not in page
    await login(client_limit_off)
    person = await (await client_limit_off.get(f"/dashboard/participants/{greta.id}", params={"lang": "de"})).text()
    assert "Löschung angekündigt" not in person and KEEP_BUTTON not in person
    listed = await _list(client_limit_off, deletion="announced")
    assert "VHS Gera" not in listed
    everyone = await _list(client_limit_off)
    assert "VHS Gera" in everyone and "Löschung angekündigt für" not in everyone

    await pool.execute("UPDATE participants SET inactive_erase_on = $2 WHERE id = $1", greta.id, reference.today())
    for _ in range(2):
        done = await _pass(pool, OFF)
        assert (done["inactive_erased"], done["inactive_noticed"]) == (0, 0)
    assert await _status(pool, greta) == "verified"


async def test_a_notice_whose_day_is_long_past_is_sent_again_not_acted_on(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    lan = await add_participant(pool, "language_provider", name="VHS Erfurt", locale="de")
    await _aged(pool, lan.id, days=900)
    # A notice of long ago, answered by nobody, while the limit was off since: its day 60 days past.
    await pool.execute("""UPDATE participants SET inactive_noticed_at = now() - interval '90 days',
                                 inactive_erase_on = $2 WHERE id = $1""",
                       lan.id, reference.today() - timedelta(days=60))
    async with pool.acquire() as conn:  # the manage page's question (the app's own pass may already have
        # sent the new notice, so its page is asked only after the pass below)
        assert await inactive.pending(conn, lan.id, PERIODS.inactive_days) is None

    await _pass(pool)  # (or the app's start-up pass before it: one new notice either way)
    assert await _status(pool, lan) == "verified" and await _noticed(pool) == [str(lan.id)]
    assert await _erase_on(pool, lan.id) == reference.today() + timedelta(days=inactive.NOTICE_DAYS)
    page = await _manage_page(intake_client, lan.id)
    assert ANNOUNCED in page and KEEP_BUTTON in page  # the new notice, with its new day, stands


async def test_a_pass_missed_for_a_few_days_still_erases(pool: asyncpg.Pool) -> None:
    karim = await add_participant(pool, "newcomer", name="Karim Haddad", locale="fr")
    await _aged(pool, karim.id)
    await _pass(pool)
    await pool.execute("""UPDATE participants SET inactive_noticed_at = inactive_noticed_at - interval '33 days',
                                 inactive_erase_on = $2 WHERE id = $1""",
                       karim.id, reference.today() - timedelta(days=inactive.GRACE_DAYS - 1))
    done = await _pass(pool)
    assert done["inactive_erased"] == 1 and await _status(pool, karim) == "erased"


async def test_a_notice_of_a_shorter_limit_made_longer_erases_nobody_until_noticed_again(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    aysel = await add_participant(pool, "language_provider", name="Aysel Məmmədova", locale="de")
    await _aged(pool, aysel.id, days=400)
    shorter = dataclasses.replace(PERIODS, inactive_days=365)
    assert (await _pass(pool, shorter))["inactive_noticed"] == 1
    # Made 730 again: the notice (its day 30 days ahead) is not the current limit's.
    page = await _manage_page(intake_client, aysel.id)
    assert ANNOUNCED not in page and KEEP_BUTTON not in page
    await pool.execute("UPDATE participants SET inactive_erase_on = $2 WHERE id = $1", aysel.id, reference.today())
    done = await _pass(pool)
    assert (done["inactive_erased"], done["inactive_noticed"]) == (0, 0)
    assert await _status(pool, aysel) == "verified"

    # 310 days on, quiet for the longer limit's notice now: sent again, with a new day.
    await _aged(pool, aysel.id, days=710)
    await pool.execute("""UPDATE participants SET inactive_noticed_at = inactive_noticed_at - interval '310 days',
                                 inactive_erase_on = inactive_erase_on - 310 WHERE id = $1""", aysel.id)
    done = await _pass(pool)
    assert (done["inactive_erased"], done["inactive_noticed"]) == (0, 1)
    assert await _erase_on(pool, aysel.id) == reference.today() + timedelta(days=inactive.NOTICE_DAYS)
