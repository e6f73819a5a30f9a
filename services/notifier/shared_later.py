"""The `match_active` email when a consent to share contact details came later (intake's
contact_shared): not "both of you have accepted" again, days after, but who has now agreed to pass
on their address, and the address.

The first `match_active` email is made from the second yes's `match.responded`; the one after a
later consent only ever from a `notification.requested` (the only reason intake asks for it). The
notifier recorded which type each event was when it made the rows (processed_messages), so a row
tells by its event which of the two it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import asyncpg

from lotse.notifier import match_context
from lotse.notifier.consumer import NotifierConsumer
from lotse.shared import events
from lotse.shared.consents import share_contact

if TYPE_CHECKING:
    from lotse.notifier.compose import Composer, People

Context = dict[str, Any]


async def requested(conn: asyncpg.Connection, row: asyncpg.Record) -> bool:
    """Whether the row was asked for by a `notification.requested` (the repeat), not a second yes."""
    event_type = await conn.fetchval("SELECT type FROM processed_messages WHERE consumer = $1 AND message_id = $2",
                                     NotifierConsumer.name, row["event_id"])
    return bool(event_type == events.NOTIFICATION_REQUESTED)


async def match_active(composer: Composer, conn: asyncpg.Connection, row: asyncpg.Record,
                       person: asyncpg.Record, people: People) -> Context:
    """The second yes's email as it was; the repeat with ``shared_later`` ("by_me" or "by_other") and
    the other's name, or nothing (LookupError: the row is skipped) when the match has ended or the
    addresses are no longer both shared since: then the repeat has nothing true left to say."""
    context = await match_context.about_match(composer, conn, row, person, people)
    if not await requested(conn, row):
        # i_share: the reader's own consent; without it the email says where to give it (review 8d, finding 12).
        i_share, _newest = await share_contact(conn, person["id"])
        return {**context, "shared_later": "", "i_share": i_share}
    other = match_context.shared_with(context)  # the one who agreed
    by_me = context["answered_last"] == person["id"]
    return {**context, "shared_later": "by_me" if by_me else "by_other", "other_name": other}
