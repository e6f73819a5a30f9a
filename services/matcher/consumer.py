"""The matcher's queue worker: translates events into matching use cases."""

from __future__ import annotations

import logging

import asyncpg

from lotse.shared import events
from lotse.shared.consumer import Consumer
from lotse.shared.events import Event
from lotse.shared.topology import MATCHER_QUEUE

log = logging.getLogger(__name__)


class MatcherConsumer(Consumer):
    name = "matcher"
    queue_spec = MATCHER_QUEUE

    async def handle(self, conn: asyncpg.Connection, event: Event) -> None:
        if event.type == events.PARTICIPANT_VERIFIED:
            log.info(
                "participant verified",
                extra={"participant_id": event.data["participant_id"], "kind": event.data["kind"]},
            )
