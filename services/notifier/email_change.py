"""Where the two emails about a change of address go, and what they carry (lotse.intake.email_change).

The confirmation goes to the new address, which has not yet shown to be the person's: it carries
the confirmation link only, never a manage link (a typo would hand a stranger the registration).
The notice goes to the old address, with the manage link to cancel; once the change is confirmed,
that link would reopen the page from the old mailbox, so then the notice goes without it.
"""

from __future__ import annotations

import uuid
from typing import Any, Final, Protocol

import asyncpg

CONFIRM: Final = "email_change_confirm"
NOTICE: Final = "email_change_notice"
TYPES: Final = frozenset({CONFIRM, NOTICE})


class Links(Protocol):
    def manage_url(self, participant_id: uuid.UUID) -> str: ...

    def email_change_url(self, participant_id: uuid.UUID, change_id: uuid.UUID) -> str: ...


async def addressed(
    links: Links, conn: asyncpg.Connection, row: asyncpg.Record, person: asyncpg.Record
) -> tuple[str, dict[str, Any]] | None:
    """The address and context for ``row``, read at send time; None when there is nothing to say
    (the request was cancelled, replaced, confirmed or forgotten before its confirmation went out)."""
    participant_id = person["id"]
    context: dict[str, Any] = {"name": person["name"]}
    if row["type"] == CONFIRM:
        change = await conn.fetchrow(
            "SELECT id, new_email FROM email_changes WHERE participant_id = $1 AND outcome IS NULL", participant_id
        )
        if change is None:
            return None
        return change["new_email"], {**context, "confirm_url": links.email_change_url(participant_id, change["id"])}
    change = await conn.fetchrow(
        "SELECT old_email, outcome FROM email_changes WHERE participant_id = $1 ORDER BY requested_at DESC LIMIT 1",
        participant_id,
    )
    if change is None:
        return None
    if change["outcome"] != "confirmed":
        context["manage_url"] = links.manage_url(participant_id)
    return change["old_email"], context
