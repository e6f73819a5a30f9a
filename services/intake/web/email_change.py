"""The page behind the link in the "confirm your new e-mail address" email."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from aiohttp import web

from lotse.intake import email_change, self_service
from lotse.intake.i18n import speak_as_person
from lotse.intake.typedefs import pool_key, signer_key
from lotse.intake.web import expired_links
from lotse.intake.web.own_page import manage_url
from lotse.intake.web.render import render
from lotse.shared import tokens

# Every outcome has its own words on the page; a second click is no error.
_STATUS = {
    email_change.Outcome.CHANGED: 200,
    email_change.Outcome.USED: 200,
    email_change.Outcome.WITHDRAWN: 410,
    email_change.Outcome.GONE: 410,
    email_change.Outcome.TAKEN: 409,
}


@dataclass(frozen=True, slots=True)
class _Link:
    """The person and the request a link names."""

    participant_id: uuid.UUID
    change_id: uuid.UUID


async def _link(request: web.Request) -> _Link | web.Response:
    """What the link names, or the page saying why it does not work."""
    try:
        claims = request.app[signer_key].load(tokens.EMAIL_CHANGE, request.match_info["token"])
        return _Link(uuid.UUID(str(claims["pid"])), uuid.UUID(str(claims["cid"])))
    except tokens.InvalidToken as failure:
        await expired_links.speak_as_link_owner(request, failure)
        expired = isinstance(failure, tokens.ExpiredToken)
        return render(
            request,
            "email_change.html",
            {"outcome": "expired" if expired else "invalid"},
            status=410 if expired else 400,
        )
    except (KeyError, ValueError):
        return render(request, "email_change.html", {"outcome": "invalid"}, status=400)


async def confirm_page(request: web.Request) -> web.Response:
    """Opening the link (GET or HEAD) changes nothing: mail scanners open every link in an email
    (review 9a, finding 8). It shows one button that posts back to the same address, as the
    answer links of an introduction do; a link that can no longer be confirmed says why at once."""
    link = await _link(request)
    if isinstance(link, web.Response):
        return link
    async with request.app[pool_key].acquire() as conn:
        outcome = await email_change.waiting(conn, link.participant_id, link.change_id)
        speak_as_person(request, await self_service.preferred_locale(conn, link.participant_id))
        # The address being confirmed, which the link was sent to (review 9c, F10: after two typed in
        # a row, which email is this?). While it waits, the open request is the link's (a newer one
        # replaces it). The page is no-store, as every page is.
        asked = await email_change.pending(conn, link.participant_id) if outcome is None else None
    if outcome is None:
        return render(request, "email_change.html",
                      {"outcome": "ask", "new_email": asked["new_email"] if asked else None})
    return _answer(request, link, outcome)


async def confirm_submit(request: web.Request) -> web.Response:
    """The button: applying the change proves the new mailbox is the person's (the link reached it),
    and nothing else is asked of them."""
    link = await _link(request)
    if isinstance(link, web.Response):
        return link
    async with request.app[pool_key].acquire() as conn:
        async with conn.transaction():
            outcome = await email_change.confirm(conn, link.participant_id, link.change_id)
        speak_as_person(request, await self_service.preferred_locale(conn, link.participant_id))
    return _answer(request, link, outcome)


def _answer(request: web.Request, link: _Link, outcome: email_change.Outcome) -> web.Response:
    context: dict[str, object] = {"outcome": str(outcome)}
    if outcome in (email_change.Outcome.CHANGED, email_change.Outcome.USED, email_change.Outcome.TAKEN):
        # Signed after the change: the links sent to the old address no longer open the page. When
        # the address is taken nothing changed, but the person's links are in the old mailbox.
        context["manage_url"] = manage_url(request, link.participant_id)
    return render(request, "email_change.html", context, status=_STATUS[outcome])
