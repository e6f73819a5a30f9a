"""Consents that more than one service reads: whether two people's addresses may be passed on."""

from __future__ import annotations

import uuid

import asyncpg


async def both_share_contact(conn: asyncpg.Connection, *participant_ids: uuid.UUID) -> bool:
    """Each one's latest `share_contact` consent is given: one query for both sides of a match.

    Intake reads it when a match becomes active (no sharing: the coordinators must connect the
    pair), the notifier when it writes about the match (the other side's address, or not)."""
    ids = list(set(participant_ids))
    given = await conn.fetchval(
        """SELECT count(*) FILTER (WHERE given) FROM (
               SELECT DISTINCT ON (participant_id) given FROM consents
               WHERE participant_id = ANY($1::uuid[]) AND purpose = 'share_contact'
               ORDER BY participant_id, recorded_at DESC, id DESC) latest""",
        ids,
    )
    return bool(given == len(ids))
