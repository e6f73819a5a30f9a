"""The notifier's queue worker: turns events into notification rows (one per recipient).

Ack policy (the shared consumer base): a row is inserted in the same transaction as the
processed-message record and the message is acked after commit; a redelivered event finds
its rows by their dedupe key (event id + recipient + type), so it never makes a second email.
Malformed events and unknown notification types are dead-lettered with the reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import asyncpg
from aio_pika.abc import AbstractRobustConnection

from lotse.notifier import notifications_db, recipient_limit
from lotse.shared import events, matches_db
from lotse.shared.consumer import Consumer, PermanentError
from lotse.shared.events import Event
from lotse.shared.topology import NOTIFIER_QUEUE

# Notification types a `notification.requested` event may ask for directly; `match_active` again
# when a consent given later lets both sides of an active match have each other's address;
# `pause_ending` a few days before a pause with an end date ends (intake's lifecycle jobs);
# `paused_by_centre` / `resumed_by_centre` when a coordinator pauses or resumes someone (the dashboard).
MATCH_KINDS = frozenset({"mentor", "language_course", "employer"})
REQUESTABLE = frozenset({"verification", "registration_confirmed", "reminder", "checkin", "erasure_confirmation",
                         "already_registered", "manage_link", "email_change_confirm", "email_change_notice",
                         "email_changed", "match_active", "contact_changed", "checkin_again",
                         "pause_ending", "paused_by_centre", "resumed_by_centre",
                         "inactive_erasure_notice"})  # intake's inactive.py: deleted on … unless kept


class NotifierConsumer(Consumer):
    name = "notifier"
    queue_spec = NOTIFIER_QUEUE
    # Suggestions, approvals and rounds reach this queue too (every event must be routable for
    # the relay's mandatory publish); nobody is emailed about them.
    HANDLES = frozenset({
        events.PARTICIPANT_REGISTERED, events.PARTICIPANT_VERIFIED, events.PARTICIPANT_ERASED,
        events.MATCH_INTRODUCED, events.MATCH_RESPONDED, events.MATCH_ENDED, events.NOTIFICATION_REQUESTED,
    })

    def __init__(
        self, pool: asyncpg.Pool, connection: AbstractRobustConnection | None, on_committed: Callable[[], None]
    ) -> None:
        super().__init__(pool, connection)  # None in tests that only call handle()
        self._on_committed = on_committed

    async def handle(self, conn: asyncpg.Connection, event: Event) -> None:
        await self.handle_all(conn, [event])

    async def handle_all(self, conn: asyncpg.Connection, batch: list[Event]) -> None:
        """A batch's notification rows go in with one INSERT."""
        pending: list[notifications_db.Request] = []
        for event in batch:
            if event.type == events.PARTICIPANT_ERASED:  # its forgetting must not miss rows still pending
                await notifications_db.request_many(conn, pending)
                pending = []
            pending += await self._requests(conn, event)
        await notifications_db.request_many(conn, pending)

    async def record_and_handle_at_once(self, conn: asyncpg.Connection, batch: list[Event]) -> set[uuid.UUID] | None:
        """Registrations, verifications and requested notifications (most of this queue) need no
        reading first: their messages and rows go in with one statement."""
        direct: list[notifications_db.Request] = []
        for event in batch:
            requests = _direct_requests(event)
            if requests is None:
                return None
            direct += requests
        return await notifications_db.record_with_messages(conn, self.name, batch, direct)

    async def _requests(self, conn: asyncpg.Connection, event: Event) -> list[notifications_db.Request]:
        direct = _direct_requests(event)
        if direct is not None:
            return direct
        data = event.data
        if event.type == events.MATCH_INTRODUCED:
            return await self._both_sides(conn, event, "introduction")
        if event.type == events.MATCH_RESPONDED and data.get("answer") == "decline":
            # The other side hears of it; the newcomer always does, since for them it also
            # says "we look for someone new". A counterpart who declined saw that on the page.
            return await self._both_sides(conn, event, "match_declined",
                                          skip_counterpart=data.get("side") == "counterpart")
        if event.type == events.MATCH_RESPONDED and data.get("status") == "active":
            # The second yes: both sides learn how to get in touch (the first was told to wait for this).
            return await self._both_sides(conn, event, "match_active")
        if event.type == events.MATCH_ENDED:
            # An erasure can end a match that was only approved: its sides never heard of it,
            # so there is nothing to tell them.
            if await matches_db.never_introduced(conn, uuid.UUID(data["match_id"])):
                return []
            return await self._both_sides(conn, event, "match_ended")
        if event.type == events.PARTICIPANT_ERASED:
            await notifications_db.forget_participant(conn, data["participant_id"])
            return [notifications_db.Request("erasure_confirmation", event.id, participant_id=data["participant_id"])]
        return []

    async def _both_sides(
        self, conn: asyncpg.Connection, event: Event, notification: str, *, skip_counterpart: bool = False
    ) -> list[notifications_db.Request]:
        data = event.data
        if data["kind"] not in MATCH_KINDS:
            raise PermanentError(f"unknown match kind {data['kind']!r}")
        owner = await matches_db.counterpart_owner(conn, data["kind"], uuid.UUID(data["counterpart_id"]))
        return [
            notifications_db.Request(notification, event.id, participant_id=participant_id,
                                     match_id=data["match_id"])
            for participant_id in (data["newcomer_id"], None if skip_counterpart else owner)
            if participant_id is not None
        ]

    async def after_commit(self, event: Event) -> None:
        self._on_committed()


def _direct_requests(event: Event) -> list[notifications_db.Request] | None:
    """The notifications an event asks for when the event alone says who gets what; None when
    the database must be read (or written) first."""
    data, request = event.data, notifications_db.Request
    if event.type == events.PARTICIPANT_REGISTERED:
        return [request("verification", event.id, participant_id=data["participant_id"])]
    if event.type == events.PARTICIPANT_VERIFIED:
        return [request("registration_confirmed", event.id, participant_id=data["participant_id"])]
    if event.type == events.NOTIFICATION_REQUESTED:
        kind = data["notification"]
        if kind not in REQUESTABLE:
            raise PermanentError(f"unknown notification {kind!r}")
        if not data.get("participant_id"):
            raise PermanentError("notification.requested needs data.participant_id")
        return [request(kind, event.id, participant_id=data["participant_id"], match_id=data.get("match_id"),
                        email_change_id=data.get("email_change_id"),
                        registration_version_id=data.get("version_id"), limited=kind in recipient_limit.LIMITED)]
    return None
