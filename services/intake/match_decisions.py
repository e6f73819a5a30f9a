"""A coordinator's decision on a suggestion, the one path of the API, the review queue and a round's
page: approved or rejected with its audit entry, in a transaction of its own that is taken again when
PostgreSQL picked it as a deadlock's victim (matches_db.in_retried_transaction)."""

from __future__ import annotations

import uuid

import asyncpg

from lotse.intake import audit
from lotse.intake.accounts import Coordinator
from lotse.shared import matches_db


async def decide(
    conn: asyncpg.Connection, coordinator: Coordinator, match_id: uuid.UUID, *, note: str | None = None,
    rejection: tuple[str, str | None] | None = None, detail: str | None = None,
) -> asyncpg.Record:
    """Approve the suggestion (with the coordinator's ``note``), or reject it when ``rejection`` is
    given (its code of REJECT_REASONS and the reason's words); the audit entry's detail is the
    rejection's code, else ``detail``. Raises what matches_db.approve and reject raise."""

    async def deciding() -> asyncpg.Record:
        if rejection is None:
            row = await matches_db.approve(conn, match_id, coordinator.id, note)
        else:
            row = await matches_db.reject(conn, match_id, coordinator.id, *rejection)
        await audit.record(conn, coordinator, "match.approve" if rejection is None else "match.reject", "match",
                           match_id, before={"status": "suggested"}, after={"status": row["status"]},
                           detail=detail if rejection is None else rejection[0])
        return row

    return await matches_db.in_retried_transaction(conn, deciding)
