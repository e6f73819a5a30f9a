"""A participant's emails on the dashboard tell the two match_active emails apart: the one after both
said yes, and the one sent again when a consent to share contact details came later (4e69372), told
as the notifier tells it: by the type of the event its row was made from."""

from __future__ import annotations

import html
import re
import uuid

import asyncpg

from lotse.notifier.consumer import NotifierConsumer
from lotse.shared import events
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import newcomer_payload
from tests.integration.test_dashboard import _verified
from tests.integration.test_dashboard_sides import login


async def test_the_match_active_email_after_a_later_consent_has_its_own_label(
    intake_client: IntakeClient, pool: asyncpg.Pool
) -> None:
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload(name="Lan Nguyen"))
    for event_type, day in ((events.MATCH_RESPONDED, "2026-04-01"), (events.NOTIFICATION_REQUESTED, "2026-04-09")):
        event_id = uuid.uuid4()
        await pool.execute("INSERT INTO processed_messages (consumer, message_id, type) VALUES ($1, $2, $3)",
                           NotifierConsumer.name, event_id, event_type)
        await pool.execute("INSERT INTO notifications (id, dedupe_key, type, event_id, participant_id, locale, status, "
                           "created_at) VALUES ($1, $2, 'match_active', $3, $4, 'vi', 'sent', $5::text::timestamptz)",
                           uuid.uuid4(), uuid.uuid4().hex, event_id, newcomer, f"{day} 10:00+02")
    await login(intake_client, pool)

    for lang, first, later in (("de", "Beide haben zugesagt", "Adressen nachträglich weitergegeben"),
                               ("en", "Both said yes", "Addresses passed on later")):
        page = html.unescape(await (await intake_client.get(f"/dashboard/participants/{newcomer}",
                                                            params={"lang": lang})).text())
        labels = re.findall(r"<tr><td>([^<]*)</td><td>[^<]*</td><td>[^<]*</td><td class=\"num\">", page)
        assert labels == [later, first]  # newest first
