"""The error page of an expired link, in the language of the person it was sent to.

An expired token is still signed by us and names its person, so its page (and the way from it to
/new-link) speaks their stored language, whatever the browser says. A tampered or foreign token
names nobody: its page keeps the browser's language.

A link still in date is refused as well when it went to an address the person has since replaced
(:func:`refuse_outdated`): the manage link and the answer and check-in links of match emails alike.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from aiohttp import web

from lotse.intake import email_change, self_service
from lotse.intake.i18n import speak_as_person
from lotse.intake.typedefs import pool_key
from lotse.intake.web.render import render
from lotse.shared import tokens


async def speak_as_link_owner(request: web.Request, failure: Exception) -> None:
    """Only the language is taken from an expired link; nothing is shown or changed for its person."""
    if not isinstance(failure, tokens.ExpiredToken):
        return
    try:
        participant_id = uuid.UUID(str(failure.claims["pid"]))
    except (KeyError, ValueError):
        return
    async with request.app[pool_key].acquire() as conn:
        speak_as_person(request, await self_service.preferred_locale(conn, participant_id))


def broken(request: web.Request, failure: Exception, *, from_match: bool = False) -> web.HTTPBadRequest:
    """The page for a link that does not open, to raise (after :func:`speak_as_link_owner`). An
    expired one is still ours, so its page says plainly that it expired and how long such links
    work (review 8f); any other keeps "may have expired or been copied incompletely", since a
    link cut short in a mail program looks just like a forged one."""
    context: dict[str, object] = {}
    if isinstance(failure, tokens.ExpiredToken) and failure.purpose in tokens.MAX_AGE:
        context = {"expired_days": tokens.MAX_AGE[failure.purpose].days, "from_match": from_match}
    page = render(request, "lifecycle/invalid.html", context)
    return web.HTTPBadRequest(text=page.text, content_type="text/html")


def refuse_outdated(request: web.Request, signed_at: datetime, changed_at: datetime | None, *,
                    from_match: bool = False) -> None:
    """Refuse a link signed before the person changed their address (``changed_at``:
    participants.email_changed_at): it went to the old mailbox, and whoever reads that now must not
    get in, to the person's page or to their matches (counterpart, answer, check-in). Links signed
    in the second of the change are let through (see :func:`email_change.link_outdated`). Call after
    speaking as the person, so the page is in their language; ``from_match`` adds that the page a
    new link opens is where introductions and check-ins are answered."""
    if email_change.link_outdated(signed_at, changed_at):
        raise outdated(request, from_match=from_match)


def outdated(request: web.Request, *, from_match: bool = False) -> web.HTTPBadRequest:
    """The page for a link found outdated (see :func:`refuse_outdated`), to raise."""
    page = render(request, "lifecycle/invalid.html", {"outdated": True, "from_match": from_match})
    return web.HTTPBadRequest(text=page.text, content_type="text/html")
