"""The notifier's queue worker: turns events into notification rows (one per recipient)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import asyncpg

from lotse.notifier import notifications_db
from lotse.shared import events, matches_db
from lotse.shared.consumer import Consumer, PermanentError
from lotse.shared.events import Event
from lotse.shared.topology import NOTIFIER_QUEUE

# Notification types a `notification.requested` event may ask for directly.
REQUESTABLE = frozenset({"verification", "registration_confirmed", "reminder", "checkin", "erasure_confirmation"})


class NotifierConsumer(Consumer):
    name = "notifier"
    queue_spec = NOTIFIER_QUEUE

    def __init__(self, pool: asyncpg.Pool, connection, on_committed: Callable[[], None]) -> None:  # type: ignore[no-untyped-def]
        super().__init__(pool, connection)
        self._on_committed = on_committed

    async def handle(self, conn: asyncpg.Connection, event: Event) -> None:
        data = event.data
        if event.type == events.PARTICIPANT_REGISTERED:
            await notifications_db.request(
                conn, type="verification", event_id=event.id, participant_id=data["participant_id"]
            )
        elif event.type == events.PARTICIPANT_VERIFIED:
            await notifications_db.request(
                conn, type="registration_confirmed", event_id=event.id, participant_id=data["participant_id"]
            )
        elif event.type == events.MATCH_INTRODUCED:
            await self._both_sides(conn, event, "introduction")
        elif event.type == events.MATCH_RESPONDED and data.get("answer") == "decline":
            await self._both_sides(conn, event, "match_declined")
        elif event.type == events.MATCH_ENDED:
            await self._both_sides(conn, event, "match_ended")
        elif event.type == events.PARTICIPANT_ERASED:
            await notifications_db.request(
                conn, type="erasure_confirmation", event_id=event.id, participant_id=data["participant_id"]
            )
        elif event.type == events.NOTIFICATION_REQUESTED:
            kind = data["notification"]
            if kind not in REQUESTABLE:
                raise PermanentError(f"unknown notification {kind!r}")
            if not data.get("participant_id"):
                raise PermanentError("notification.requested needs data.participant_id")
            await notifications_db.request(
                conn,
                type=kind,
                event_id=event.id,
                participant_id=data["participant_id"],
                match_id=data.get("match_id"),
            )

    async def _both_sides(self, conn: asyncpg.Connection, event: Event, notification: str) -> None:
        data = event.data
        owner = await matches_db.counterpart_owner(conn, data["kind"], uuid.UUID(data["counterpart_id"]))
        for participant_id in (data["newcomer_id"], owner):
            if participant_id is not None:
                await notifications_db.request(
                    conn, type=notification, event_id=event.id, participant_id=participant_id,
                    match_id=data["match_id"],
                )

    async def after_commit(self, event: Event) -> None:
        self._on_committed()
