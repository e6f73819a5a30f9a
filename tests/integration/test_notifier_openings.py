"""An employer with several positions learns which one an introduction is about."""

from __future__ import annotations

import uuid

import asyncpg

from lotse.notifier.consumer import NotifierConsumer
from lotse.notifier.delivery import DeliveryLoop
from lotse.shared import events
from lotse.shared.mailsink import MailSink
from tests.conftest import IntakeClient
from tests.integration.intake_fixtures import employer_payload, newcomer_payload
from tests.integration.test_notifier import _verified, deliver, delivery, notifier, sink

__all__ = ["delivery", "notifier", "sink"]  # fixtures, used by name


async def test_the_employer_is_told_which_position_the_newcomer_is_introduced_for(
    pool: asyncpg.Pool, notifier: NotifierConsumer, delivery: DeliveryLoop, sink: MailSink,
    intake_client: IntakeClient,
) -> None:
    positions = [{"title": "Elektroniker/in", "occupation_field": "crafts", "openings": 3, "min_german_level": "B1"},
                 {"title": "Pflegefachkraft", "occupation_field": "nursing", "openings": 1,
                  "min_german_level": "B1"}]
    body = employer_payload(positions=positions)
    employer = await _verified(intake_client, pool, "/api/v1/employers", body)
    newcomer = await _verified(intake_client, pool, "/api/v1/newcomers", newcomer_payload())
    position = await pool.fetchval("SELECT id FROM positions WHERE employer_id = $1 AND title = 'Pflegefachkraft'",
                                   employer)
    match_id = uuid.uuid4()
    await pool.execute(
        """INSERT INTO matches (id, kind, newcomer_id, counterpart_id, score, status, explanation)
           VALUES ($1, 'employer', $2, $3, 0.8, 'introduced', '[]')""", match_id, newcomer, position)
    await deliver(notifier, pool, events.new_event(events.MATCH_INTRODUCED, match_id=match_id, kind="employer",
                                                   newcomer_id=newcomer, counterpart_id=position))
    assert await delivery.deliver_due() == 2
    [to_employer] = [m for m in sink.messages() if body["email"] in m.rcpt_tos]
    assert "für die Stelle: Pflegefachkraft" in to_employer.text
    assert "Elektroniker" not in to_employer.text
    [to_newcomer] = [m for m in sink.messages() if body["email"] not in m.rcpt_tos]
    assert "Pflegefachkraft" in to_newcomer.text and "für die Stelle" not in to_newcomer.text
