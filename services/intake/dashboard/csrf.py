"""CSRF tokens for every dashboard form.

With a session, the token is an HMAC of the session token (nothing to store, and it changes
with the session, which is new at every login). Before login, a random double-submit cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

from aiohttp import web
from multidict import MultiDictProxy

from lotse.intake.auth import SESSION_COOKIE
from lotse.intake.errors import read_form
from lotse.intake.typedefs import settings_key

PRE_SESSION_COOKIE: Final = "lotse_csrf"
FIELD: Final = "csrf"
# Plain-text refusals; web.error_pages answers either with the dashboard's "reload the form" page.
MISSING: Final = "The form is missing its security token. Please reload the page."
EXPIRED: Final = "The form's security token has expired. Please reload the page."


def token_for(request: web.Request, session_token: str | None = None) -> str:
    session = session_token or request.cookies.get(SESSION_COOKIE)
    if session:
        key = request.app[settings_key].secret_key.encode()
        return hmac.new(key, b"csrf:" + session.encode(), hashlib.sha256).hexdigest()
    return request.cookies.get(PRE_SESSION_COOKIE) or secrets.token_urlsafe(32)


async def check(request: web.Request) -> MultiDictProxy[str | bytes | bytearray | web.FileField]:
    """The posted form, if its token is right; 403 otherwise."""
    form = await read_form(request)
    sent = form.get(FIELD)
    if not isinstance(sent, str) or not sent:
        raise web.HTTPForbidden(text=MISSING)
    expected = token_for(request) if request.cookies.get(SESSION_COOKIE) else request.cookies.get(PRE_SESSION_COOKIE)
    # compare_digest refuses a str with other than ASCII in it; no token of ours has any.
    if not expected or not sent.isascii() or not hmac.compare_digest(sent, expected):
        raise web.HTTPForbidden(text=EXPIRED)
    return form
