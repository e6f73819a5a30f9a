"""A page instead of a plain-text error ("404: Not Found", "Only administrators may do this.", "The
service is temporarily unavailable") for people who open an address in a browser.

Public pages answer in the visitor's language (web.render's negotiation) with a way on (the start
page, /new-link, or trying again later); dashboard pages in the coordinator's language
(dashboard.render) with the way back to the review queue. The JSON API keeps the contract's error
shape (errors.api_errors), so /api/ is left alone, and so are static files and error bodies a view
wrote itself (an invalid link's own page).

This middleware sits outside errors.api_errors: that one turns an unavailable database into a 503
and lets a refusal (ApiError) through off /api/; this one draws the page for both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from aiohttp import web

from lotse.intake import auth
from lotse.intake.dashboard import csrf
from lotse.intake.dashboard import render as dashboard_render
from lotse.intake.errors import DATABASE_DOWN, ApiError
from lotse.intake.typedefs import coordinator_key
from lotse.intake.web.render import render

_UNTOUCHED_PREFIXES: Final = ("/api/", "/static/")
_DASHBOARD: Final = "/dashboard"
# What went wrong, each with its own page; any other error status is "failed" (try again).
_BY_STATUS: Final = {404: "not_found", 405: "wrong_method", 403: "refused", 503: "unavailable"}
# A 403 is told apart by its plain text (the API's message): the way on differs.
_REFUSALS: Final = {auth.ADMINS_ONLY: "admins_only", csrf.MISSING: "form_expired", csrf.EXPIRED: "form_expired"}
# A 405 says which methods the address takes; a 503 when to try again.
_KEPT_HEADERS: Final = ("Allow", "Retry-After")


@web.middleware
async def html_errors(request: web.Request, handler: auth.Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type != "text/plain" or request.path.startswith(_UNTOUCHED_PREFIXES):
            raise
        status, text, headers = exc.status, exc.text or "", dict(exc.headers)
    except ApiError as error:  # under /api/, errors.api_errors has answered it in the contract's shape
        if request.path.startswith(_UNTOUCHED_PREFIXES):
            return web.Response(status=error.status, text=error.message, headers=error.headers)
        status, text, headers = error.status, error.message, error.headers
    kind = _REFUSALS.get(text, "refused") if status == 403 else _BY_STATUS.get(status, "failed")
    if _is_dashboard(request):
        page = await _dashboard_page(request, status, kind)
    else:
        page = render(request, "error.html", _context(request, status, kind), status=status)
    for name in _KEPT_HEADERS:
        if name in headers:
            page.headers[name] = headers[name]
    return page


def _is_dashboard(request: web.Request) -> bool:
    return request.path == _DASHBOARD or request.path.startswith(_DASHBOARD + "/")


def _context(request: web.Request, status: int, kind: str) -> Mapping[str, object]:
    # "Try again" opens this address anew; a path starting "//" would be another host's address,
    # and a matched route (a 503 comes from one) never has it, but the link must not depend on that.
    again = request.path_qs if not request.path.startswith("//") else "/"
    return {"status": status, "kind": kind, "again": again}


async def _dashboard_page(request: web.Request, status: int, kind: str) -> web.Response:
    if coordinator_key not in request and kind != "unavailable":
        # An address no route knows declares no policy, and a refused one stopped before the
        # coordinator was kept, so look them up: the header's navigation is only there for a
        # coordinator who is logged in. Not when the database is away, which is what a 503 says.
        try:
            coordinator = await auth.current_coordinator(request)
        except DATABASE_DOWN:
            coordinator = None
        if coordinator is not None:
            request[coordinator_key] = coordinator
    return dashboard_render.render(request, "error.html", _context(request, status, kind), status=status)
