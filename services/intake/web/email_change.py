"""The page behind the link in the "confirm your new e-mail address" email."""

from __future__ import annotations

import uuid

from aiohttp import web

from lotse.intake import email_change, self_service
from lotse.intake.i18n import keep_chosen_language, speak_as_person
from lotse.intake.typedefs import pool_key, signer_key
from lotse.intake.web import expired_links
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


async def confirm_page(request: web.Request) -> web.Response:
    """Opening the link applies the change (as opening the verification link verifies): it proves
    the new mailbox is the person's, and nothing else is asked of them."""
    signer = request.app[signer_key]
    try:
        claims = signer.load(tokens.EMAIL_CHANGE, request.match_info["token"])
        participant_id, change_id = uuid.UUID(str(claims["pid"])), uuid.UUID(str(claims["cid"]))
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
    async with request.app[pool_key].acquire() as conn:
        async with conn.transaction():
            outcome = await email_change.confirm(conn, participant_id, change_id)
        speak_as_person(request, await self_service.preferred_locale(conn, participant_id))
    context: dict[str, object] = {"outcome": str(outcome)}
    if outcome in (email_change.Outcome.CHANGED, email_change.Outcome.USED, email_change.Outcome.TAKEN):
        # Signed after the change: the links sent to the old address no longer open the page. When
        # the address is taken nothing changed, but the person's links are in the old mailbox.
        token = signer.sign(tokens.MANAGE, pid=str(participant_id))
        context["manage_url"] = keep_chosen_language(request, str(request.app.router["manage"].url_for(token=token)))
    return render(request, "email_change.html", context, status=_STATUS[outcome])
