"""Ending one match from the manage page ("End this match"): asked on a page of its own first,
then done with lifecycle.end_by_participant, as any other ending of a match."""

from __future__ import annotations

import uuid
from typing import Any, Final

import asyncpg

from lotse.intake import lifecycle, own_matches
from lotse.intake.validation import N_

# The match is no longer running or introduced (ended meanwhile, in another tab or by the other
# side), or the form named none of the reader's: the check-in page's words for the same case.
ENDED_ALREADY: Final = N_("This match has ended. Nothing was changed.")


def _match_id(form: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(form.get("match", "")))
    except ValueError:
        raise lifecycle.NotYours(str(form.get("match"))) from None


async def to_end(conn: asyncpg.Connection, participant: asyncpg.Record, form: Any) -> own_matches.OwnMatch:
    """The match the form asks to end, as the manage page lists it (for its confirmation page);
    lifecycle.NotYours when it is none of the reader's, TooLate when it can no longer be ended."""
    wanted = _match_id(form)
    for match in await own_matches.of_participant(conn, participant):
        if match.id == wanted:
            if not match.endable:
                raise lifecycle.TooLate(match.status)
            return match
    raise lifecycle.NotYours(str(wanted))


#: The end step's button for a running mentor match that went well (manage_match_end.html); any other
#: value, or none (the one button of every other match), ends it as "I cannot continue" always did.
FINISHED: Final = "finished"


def can_finish(match: own_matches.OwnMatch) -> bool:
    """Whether the end step offers "We are done – it went well" beside "I cannot continue": a running
    mentor match. An introduction never ran; a course's or a job's outcome is the check-in's
    (attending, hired) and a coordinator's to complete (docs/decisions.md)."""
    return match.kind == "mentor" and match.status == "active"


async def end(conn: asyncpg.Connection, participant: asyncpg.Record, form: Any) -> None:
    """End it (call in a transaction): the same checks, the words given kept for the welcome centre;
    completed when the reader chose that it went well, else cancelled."""
    match = await to_end(conn, participant, form)
    reason = str(form.get("reason", "")).strip()[: lifecycle.REASON_MAX] or None
    if form.get("outcome") == FINISHED and can_finish(match):
        await lifecycle.complete_by_participant(conn, match.id, participant["id"], reason)
    else:
        await lifecycle.end_by_participant(conn, match.id, participant["id"], reason)
