"""A consent left unticked at registration is "not given", never "withdrawn": withdrawn claims a
yes that the person never gave (review 5, finding 3). The manage page and the dashboard read the
same history: only a no after a yes is a withdrawal."""

from __future__ import annotations

import re

import asyncpg

from lotse.intake.participants_db import CONSENT_TEXT_VERSION
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import provider_payload
from tests.integration.test_dashboard_sides import login
from tests.integration.test_self_service import _registered, manage_link


def _text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", page).split())


async def test_a_box_left_unticked_is_not_given_and_a_later_no_is_a_withdrawal(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    provider = await _registered(intake_client, pool, "language-providers", preferred_locale="en",
                                 consent={"data_processing": True, "share_contact": False})
    await pool.execute("UPDATE consents SET recorded_at = '2026-11-24 02:46+00' WHERE participant_id = $1", provider)
    link = manage_link(provider)
    page = _text(await (await intake_client.get(link)).text())
    assert (f"Sharing your e-mail address: Not given when you registered on Nov 24, 2026, 3:46 AM "
            f"(text version {CONSENT_TEXT_VERSION}).") in page
    assert "Withdrawn" not in page
    german = _text(await (await intake_client.get(f"{link}?lang=de")).text())
    assert "Bei der Registrierung am 24.11.2026, 03:46 nicht erteilt" in german and "Widerrufen" not in german
    await login(intake_client, pool)
    record = _text(await (await intake_client.get(f"/dashboard/participants/{provider}")).text())
    assert "Kontaktweitergabe: nicht erteilt" in record and "widerrufen" not in record

    await intake_client.post(link, data={"action": "share"}, allow_redirects=False)
    await intake_client.post(link, data={"action": "unshare"}, allow_redirects=False)
    page = _text(await (await intake_client.get(link)).text())
    assert "Sharing your e-mail address: Withdrawn on " in page and "Not given" not in page
    record = _text(await (await intake_client.get(f"/dashboard/participants/{provider}")).text())
    assert re.search(r"Kontaktweitergabe: nicht erteilt .*Kontaktweitergabe: erteilt .*Kontaktweitergabe: widerrufen",
                     record)


async def test_the_dashboard_shows_a_given_consent_as_given(intake_client: IntakeClient, pool: asyncpg.Pool) -> None:
    created = await intake_client.post("/api/v1/language-providers",
                                       json=provider_payload(consent={"data_processing": True,
                                                                      "share_contact": True}))
    provider = (await created.json())["id"]
    await login(intake_client, pool)
    record = _text(await (await intake_client.get(f"/dashboard/participants/{provider}")).text())
    assert "Kontaktweitergabe: erteilt" in record and "nicht erteilt" not in record
