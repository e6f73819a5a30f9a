"""The matcher's queue worker: translates events into matching use cases."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime

import asyncpg
from aio_pika.abc import AbstractRobustConnection

from lotse.matcher import learning, rounds, suggest
from lotse.matcher.scoring import LinearModel
from lotse.shared import events, matches, matches_db, metrics, offer_fit
from lotse.shared.consumer import Consumer
from lotse.shared.db import DATABASE_AWAY
from lotse.shared.events import Event
from lotse.shared.topology import MATCHER_QUEUE

log = logging.getLogger(__name__)

# A counterpart participant's kind -> the match kind whose room it provides.
ROOM_OF = {"mentor": ("mentor",), "language_provider": ("language_course",), "employer": ("employer",)}
# The counterpart participants whose courses or positions can be closed.
CLOSES_OFFERS = frozenset({"language_provider", "employer"})
DECISIONS = (events.MATCH_APPROVED, events.MATCH_REJECTED, events.MATCH_RESPONDED, events.MATCH_ENDED)


class MatcherConsumer(Consumer):
    name = "matcher"
    queue_spec = MATCHER_QUEUE
    HANDLES = frozenset(MATCHER_QUEUE.bindings)

    def __init__(self, pool: asyncpg.Pool, connection: AbstractRobustConnection) -> None:
        super().__init__(pool, connection)
        self.models: dict[str, LinearModel] | None = None
        self._training: asyncio.Task[None] | None = None

    async def start(self) -> None:
        # Load the models before the first message, so the model version is on /metrics from the start.
        async with self.pool.acquire() as conn:
            await self._models(conn)
        await super().start()

    async def _models(self, conn: asyncpg.Connection) -> dict[str, LinearModel]:
        if self.models is None:
            self.models = await learning.latest_models(conn)
            for kind in matches.KINDS:  # 0: no learned model yet, the rules only
                metrics.MODEL_VERSION.labels(kind).set(self.models[kind].version if kind in self.models else 0)
        return self.models

    async def handle(self, conn: asyncpg.Connection, event: Event) -> None:
        await self.handle_all(conn, [event])

    async def handle_all(self, conn: asyncpg.Connection, batch: list[Event]) -> None:
        """The batch's events in order; what they ask to look at again is gathered and topped up
        once at the end (suggest.Pending): a provider's five courses, twenty new mentors or one
        approval's stale withdrawals cost one read of the pools, not one per event."""
        models = await self._models(conn)
        pending = suggest.Pending()
        for event in batch:
            await self._handle(conn, event, models, pending)
        await suggest.flush(conn, pending, models, datetime.now().astimezone())
        # Last, so the counterparts' rows it locks are held only until the commit (review 10b, F8).
        await pending.suggested.withdraw_where_full(conn)

    async def _handle(
        self, conn: asyncpg.Connection, event: Event, models: dict[str, LinearModel], pending: suggest.Pending
    ) -> None:
        data, now = event.data, datetime.now().astimezone()
        if event.type in (events.PARTICIPANT_VERIFIED, events.PARTICIPANT_UPDATED):
            await self._participant_changed(conn, event, pending)
        elif event.type == events.MATCH_APPROVED:
            await self._introduce(conn, uuid.UUID(data["match_id"]))
        elif event.type == events.MATCH_REJECTED:
            pending.newcomer(uuid.UUID(data["newcomer_id"]))
        elif event.type == events.MATCH_WITHDRAWN and data.get("reason") in ("stale", matches.WITHDRAWN_COURSE_STARTED):
            # The counterpart filled up, or the course started: the newcomer may need someone else
            # (not when the newcomer's own approval made it stale: they have a live match of the kind).
            pending.newcomer(uuid.UUID(data["newcomer_id"]), data["kind"])
        elif (event.type == events.MATCH_RESPONDED and data.get("answer") == "decline") or (
            event.type == events.MATCH_ENDED
        ):
            # A place of the counterpart is free again, and the newcomer may want someone else.
            pending.counterpart(data["kind"], [uuid.UUID(data["counterpart_id"])], uuid.UUID(data["newcomer_id"]))
        elif event.type == events.ROUND_REQUESTED:
            await suggest.flush(conn, pending, models, now)  # the round sees what came before it
            await rounds.run_round(conn, uuid.UUID(data["round_id"]), models, now, pending.suggested)

    async def _participant_changed(self, conn: asyncpg.Connection, event: Event, pending: suggest.Pending) -> None:
        participant_id, kind = uuid.UUID(event.data["participant_id"]), event.data["kind"]
        if kind == "newcomer":
            if event.type == events.PARTICIPANT_UPDATED:
                await suggest.rescore(conn, participant_id)  # at once: later events of the batch see it
            pending.newcomer(participant_id)
            return
        status = await conn.fetchval("SELECT status FROM participants WHERE id = $1", participant_id)
        if status != "verified":
            await suggest.lock_writers(conn)
            await suggest.withdraw_open(conn, owner_id=participant_id, reason="counterpart_unavailable")
            return
        await suggest.lock_writers(conn)
        if kind in CLOSES_OFFERS:  # a mentor has no courses or positions to close or change
            await offer_fit.withdraw_unfit(conn, participant_id)
        # Every course and position of the owner: more seats, a new one or a later start make room
        # (suggest.OWNED_IDS, which also names the owner: no offer has that id, so it changes nothing).
        offers = [participant_id] if kind == "mentor" else [
            r["id"] for r in await conn.fetch(suggest.OWNED_IDS, participant_id)]
        for room in ROOM_OF.get(kind, ()):
            pending.counterpart(room, offers)
        pending.employer_changed |= kind == "employer"

    async def _introduce(self, conn: asyncpg.Connection, match_id: uuid.UUID) -> None:
        """Approved → introduced: the notifier then emails both sides."""
        try:
            match = await matches_db.get_match(conn, match_id, lock=True)
        except matches_db.MatchNotFound:
            return  # erased meanwhile
        if match["status"] != matches.APPROVED:
            return  # cancelled meanwhile, or a redelivery after the step was taken
        await matches_db.transition(
            conn, match_id, matches.INTRODUCED, events.MATCH_INTRODUCED, introduced_at=datetime.now().astimezone()
        )

    async def after_commit(self, event: Event) -> None:
        if event.type in DECISIONS and (self._training is None or self._training.done()):
            self._training = asyncio.create_task(self._retrain(event.data.get("kind", "mentor")), name="retrain")

    async def _retrain(self, kind: str) -> None:
        try:
            current = (self.models or {}).get(kind)
            model = await learning.retrain_if_due(self.pool, kind, current)
            if model is not None and self.models is not None:
                self.models[kind] = model
                metrics.MODEL_VERSION.labels(kind).set(model.version)
        except (*DATABASE_AWAY, ValueError) as exc:
            log.warning("matcher retraining failed; the current model stays", extra={"error": str(exc)})
