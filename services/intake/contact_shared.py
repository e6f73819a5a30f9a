"""A consent to share contact details, given on the manage page after a match became active.

When both sides said yes without both consents, each was told that the welcome centre will put
them in touch, and the match was flagged for the coordinators (lifecycle.respond). If the missing
consent comes later and now both share, each side gets a `match_active` email again, this time
with the other's address, and the "put them in touch" flag goes: nobody has to connect them.
"""

from __future__ import annotations

import uuid

import asyncpg

from lotse.intake import audit, lifecycle, own_matches
from lotse.shared import events, matches
from lotse.shared.consents import both_share_contact
from lotse.shared.outbox import write_event

AUDIT_ACTION = "match.contact_shared"


async def consent_given(conn: asyncpg.Connection, participant: asyncpg.Record) -> list[uuid.UUID]:
    """Call in the transaction that recorded `participant`'s share_contact consent, only when their
    latest answer before was not a yes (a second yes changes nothing). Returns the active matches
    whose two sides are written to again."""
    # `owner` there is whoever is on the other side of the match from this participant.
    others = {row["id"]: row["owner"] for row in await own_matches.in_states(conn, participant, (matches.ACTIVE,))
              if row["owner"] is not None}
    if not others:
        return []
    # Locked before reading the other side's consent: if both give theirs at the same moment, the
    # second waits for the first to commit and then sees its yes (each alone would see a no).
    locked = await conn.fetch(
        """SELECT id, kind, status, newcomer_id, counterpart_id, flag_code, active_at FROM matches
           WHERE id = ANY($1::uuid[]) AND status = $2 ORDER BY id FOR UPDATE""",
        list(others), matches.ACTIVE,
    )
    told = []
    for match in locked:
        other = others[match["id"]]
        if not await both_share_contact(conn, participant["id"], other):
            continue
        # In the match's trail: why the coordinators' task went, and that both were written to.
        await audit.record_by_participant(conn, participant["id"], AUDIT_ACTION, "match", match["id"])
        if match["flag_code"] == matches.FLAG_CONNECT:
            await lifecycle.connected(conn, match)
        for recipient in (participant["id"], other):
            # An event of its own per email: the notifier's dedupe key (event, recipient, type)
            # keeps this apart from the match_active email the second yes already sent.
            await write_event(conn, events.new_event(events.NOTIFICATION_REQUESTED, notification="match_active",
                                                     participant_id=recipient, match_id=match["id"]))
        told.append(match["id"])
    return told
