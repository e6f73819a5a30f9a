"""Refuse a browser acting for another site on the routes that need no credential (review 9a, finding 1).

The public forms and the JSON registration API take a form-encoded or ``text/plain`` body, which a
page on any site can make its visitors' browsers send without a preflight: each visitor then
registers someone, asks for a new link or acts through a signed link the page got hold of, with a
fresh per-address budget. Such a request carries ``Sec-Fetch-Site: cross-site`` (every current
browser sends it), or, in an older browser, an ``Origin`` that is neither this site's public address
nor the Host it was sent to (``null`` is let through: our own forms send it, see below). Either is
refused with 403 (the contract's error shape under /api/, the error page elsewhere, drawn by the
middlewares around this one). curl and server clients send
neither header and are not affected; a form posted from our own page says ``same-origin``.

Only state-changing methods on ``public`` and ``participant`` routes: coordinators' routes need a
bearer token (which no page can send for someone) or the dashboard's session cookie with its CSRF
token (dashboard.csrf). ``same-site`` (a sibling subdomain of the same operator) is let through.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit

from aiohttp import web

from lotse.intake import auth
from lotse.intake.errors import ApiError
from lotse.intake.typedefs import settings_key

REFUSED: Final = "Requests from another website are not accepted here."
_SAFE: Final = frozenset({"GET", "HEAD", "OPTIONS"})
_WITHOUT_CREDENTIAL: Final = frozenset({auth.PUBLIC, auth.PARTICIPANT})


def _origin(url: str) -> str:
    """scheme://host[:port] of ``url``, lower case, the scheme's default port left out."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        return "invalid"
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != default else "")


def from_another_site(request: web.Request) -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site.strip().lower() == "cross-site"
    origin = request.headers.get("Origin")
    if origin is None:
        return False  # not a browser acting for a page (curl, a server), or one that sends neither
    if origin.strip().lower() == "null":
        # Our own pages say `Referrer-Policy: no-referrer`, so a browser posts their forms with
        # "Origin: null" (Fetch standard); one without Sec-Fetch-Site (Safari before 16.4) would be
        # refused on every form of ours. A foreign page can send null too, but only to such browsers.
        return False
    sent = _origin(origin)
    if sent == _origin(request.app[settings_key].public_url):
        return False
    # The address the request was sent to; behind a proxy that terminates TLS the scheme seen here
    # is not the browser's, so the Origin's scheme is taken and the host decides.
    scheme = urlsplit(sent).scheme
    return sent != _origin(f"{scheme}://{request.host}")


@web.middleware
async def refuse_cross_site(request: web.Request, handler: auth.Handler) -> web.StreamResponse:
    if (request.method not in _SAFE and auth.route_policy(request) in _WITHOUT_CREDENTIAL
            and from_another_site(request)):
        raise ApiError(403, REFUSED)
    return await handler(request)
