"""Where the two emails about a change of address go, and what they carry (lotse.intake.email_change).

The confirmation goes to the new address, which has not yet shown to be the person's: it carries
the confirmation link only, never a manage link (a typo would hand a stranger the registration).
The notice goes to the old address, with the manage link to cancel; once the change is confirmed,
that link would reopen the page from the old mailbox, so then the notice goes without it. When the
change is made, the old address is told so, with the new one in part and the welcome centre's
contact: if someone else held the manage link, the centre is the owner's only way back.

The other sides of the person's active matches who had the old address (both share contact details)
get `contact_changed` with the new one, to their own stored address: a match email like the others.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Final, Protocol

import asyncpg

from lotse.notifier import match_context

if TYPE_CHECKING:
    from lotse.notifier.compose import Composer, People

CONFIRM: Final = "email_change_confirm"
NOTICE: Final = "email_change_notice"
CHANGED: Final = "email_changed"
TYPES: Final = frozenset({CONFIRM, NOTICE, CHANGED})  # about the person's own address, sent to one of theirs
CONTACT_CHANGED: Final = "contact_changed"  # to the other side of an active match: the new address
# For a notification whose event named no change (written before events did): the one it was about
# is taken to be the newest confirmed (CHANGED) or requested (NOTICE).
NEWEST_CONFIRMED: Final = """SELECT old_email, new_email, outcome FROM email_changes
                             WHERE participant_id = $1 AND outcome = 'confirmed' ORDER BY ended_at DESC LIMIT 1"""
NEWEST_REQUESTED: Final = """SELECT old_email, new_email, outcome FROM email_changes
                             WHERE participant_id = $1 ORDER BY requested_at DESC LIMIT 1"""


class Links(Protocol):
    def manage_url(self, participant_id: uuid.UUID) -> str: ...

    def email_change_url(self, participant_id: uuid.UUID, change_id: uuid.UUID) -> str: ...

    @property
    def centre_contact(self) -> str | None: ...


def masked(address: str) -> str:
    """Enough of an address for its owner to recognise it, too little to write to: n…@e….org.
    The old mailbox may be the one the person left (a colleague's, a shared one)."""
    local, _, domain = address.rpartition("@")
    host, dot, tld = domain.rpartition(".")
    return f"{local[:1]}…@{(host or tld)[:1]}…{dot}{tld if host else ''}"


async def addressed(
    links: Links, conn: asyncpg.Connection, row: asyncpg.Record, person: asyncpg.Record
) -> tuple[str, dict[str, Any]] | None:
    """The address and context for ``row``, read at send time; None when there is nothing to say
    (the request was cancelled, replaced, confirmed or forgotten before its confirmation went out)."""
    participant_id = person["id"]
    context: dict[str, Any] = {"name": person["name"]}
    if row["type"] == CONFIRM:  # the open request's link, whichever asked: a replaced one's would not work
        change = await conn.fetchrow(
            "SELECT id, new_email FROM email_changes WHERE participant_id = $1 AND outcome IS NULL", participant_id
        )
        if change is None:
            return None
        return change["new_email"], {**context, "confirm_url": links.email_change_url(participant_id, change["id"])}
    if row["type"] == CHANGED:  # never a manage link: it would open the page from the old mailbox
        change = await _about(conn, row, NEWEST_CONFIRMED)
        if change is None:
            return None
        return change["old_email"], {
            **context, "new_address": masked(change["new_email"]), "centre_contact": links.centre_contact,
        }
    change = await _about(conn, row, NEWEST_REQUESTED)
    if change is None:
        return None
    if change["outcome"] != "confirmed":
        context["manage_url"] = links.manage_url(participant_id)
    return change["old_email"], context


async def _about(conn: asyncpg.Connection, row: asyncpg.Record, newest: str) -> asyncpg.Record | None:
    """The change of address the notification ``row`` is about: the one its event named, None once
    that is forgotten; for an event written before events named it, the person's ``newest`` as then.

    The newest alone is not enough: with two changes made before the first one's emails go out,
    both would go to the second's old address, naming the second's new one."""
    if row["email_change_id"] is None:
        newest_change: asyncpg.Record | None = await conn.fetchrow(newest, row["participant_id"])
        return newest_change
    named: asyncpg.Record | None = await conn.fetchrow(
        "SELECT old_email, new_email, outcome FROM email_changes WHERE id = $1 AND participant_id = $2",
        row["email_change_id"], row["participant_id"],
    )
    return named


async def contact_changed(
    composer: Composer, conn: asyncpg.Connection, row: asyncpg.Record, person: asyncpg.Record, people: People
) -> dict[str, Any]:
    """The other side's new address, read at send time; nothing (LookupError: the row is skipped)
    once the match is no longer active or the addresses are no longer both shared."""
    context = await match_context.about_match(composer, conn, row, person, people)
    return {**context, "other_name": match_context.shared_with(context)}  # whose address it is
