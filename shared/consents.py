"""Consents that more than one service reads: whether two people's addresses may be passed on."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg


async def both_share_contact(
    conn: asyncpg.Connection, *participant_ids: uuid.UUID, at: datetime | None = None
) -> bool:
    """Each one's latest `share_contact` consent is given: one query for both sides of a match.

    Intake reads it when a match becomes active (no sharing: the coordinators must connect the
    pair), the notifier when it writes about the match (the other side's address, or not). With
    `at`, the latest consents recorded by then: whether the addresses were passed on when a match
    became active, though one side has since withdrawn its consent (lifecycle.still_to_connect)."""
    return (await share_contact(conn, *participant_ids, at=at))[0]


async def share_contact(
    conn: asyncpg.Connection, *participant_ids: uuid.UUID, at: datetime | None = None
) -> tuple[bool, uuid.UUID | None]:
    """both_share_contact, and whose `share_contact` answer is the newest (None: nobody answered):
    when they all share, that is the consent that made them share. The same query answers both."""
    ids = list(set(participant_ids))
    row = await conn.fetchrow(
        """SELECT count(*) FILTER (WHERE given) AS given,
                  (array_agg(participant_id ORDER BY recorded_at DESC, id DESC))[1] AS newest
           FROM (SELECT DISTINCT ON (participant_id) participant_id, given, recorded_at, id FROM consents
                 WHERE participant_id = ANY($1::uuid[]) AND purpose = 'share_contact'
                   AND ($2::timestamptz IS NULL OR recorded_at <= $2)
                 ORDER BY participant_id, recorded_at DESC, id DESC) latest""",
        ids, at,
    )
    return bool(row["given"] == len(ids)), row["newest"]
