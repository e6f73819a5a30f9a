"""The error page of an expired link, in the language of the person it was sent to.

An expired token is still signed by us and names its person, so its page (and the way from it to
/new-link) speaks their stored language, whatever the browser says. A tampered or foreign token
names nobody: its page keeps the browser's language.
"""

from __future__ import annotations

import uuid

from aiohttp import web

from lotse.intake import self_service
from lotse.intake.i18n import speak_as_person
from lotse.intake.typedefs import pool_key
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
