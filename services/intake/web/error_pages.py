"""A page instead of a plain-text error ("404: Not Found", "Only administrators may do this.", "The
service is temporarily unavailable") for people who open an address in a browser.

Public pages answer in the visitor's language (web.render's negotiation) with a way on (the start
page, /new-link, or trying again later); dashboard pages in the coordinator's language
(dashboard.render) with the way back to the review queue. The JSON API keeps the contract's error
shape (errors.api_errors), so /api/ is left alone, and so are static files and error bodies a view
wrote itself (an invalid link's own page).

This middleware sits outside errors.api_errors: that one turns an unavailable database into a 503
and lets a refusal (ApiError) and any unexpected exception through off /api/; this one draws the
page for all of them. An unexpected exception is logged here, once, with a short reference that its
page shows, so a person can report it and someone can find it in the log; the page never shows
the exception. Drawing a page must not fail in turn: if it does, a minimal plain page answers.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from http import HTTPStatus
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
# Neither drawing needs the database: a coordinator's navigation is only there if it is known already.
_WITHOUT_DATABASE: Final = ("unavailable", "internal")

log = logging.getLogger(__name__)


@web.middleware
async def html_errors(request: web.Request, handler: auth.Handler) -> web.StreamResponse:
    unexpected: Exception | None = None
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
    except Exception as exc:  # under /api/, errors.api_errors has logged and answered it
        if request.path.startswith(_UNTOUCHED_PREFIXES):
            raise
        status, text, headers, unexpected = 500, "", {}, exc
    reference = secrets.token_hex(4) if unexpected is not None else None
    try:
        if unexpected is not None:
            # The route's name, not the path: a link's path carries its token.
            log.error("unhandled error on a page", exc_info=unexpected, extra={
                "reference": reference, "method": request.method, "route": _route_name(request)})
            kind = "internal"
        else:
            kind = _REFUSALS.get(text, "refused") if status == 403 else _BY_STATUS.get(status, "failed")
        page = await _page(request, status, kind, reference)
        for name in _KEPT_HEADERS:
            if name in headers:
                page.headers[name] = headers[name]
    except Exception:
        log.exception("error page could not be drawn", extra={"reference": reference, "status": status})
        page = _plain_page(status, reference, headers)
    return page


async def _page(request: web.Request, status: int, kind: str, reference: str | None) -> web.Response:
    context = {**_context(request, status, kind), "reference": reference}
    if _is_dashboard(request):
        return await _dashboard_page(request, status, kind, context)
    return render(request, "error.html", context, status=status)


def _plain_page(status: int, reference: str | None, headers: Mapping[str, str]) -> web.Response:
    """The answer when the error page itself cannot be drawn: no template, no translation."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    text = f"{status} {reason}\n" + (f"Reference: {reference}\n" if reference else "")
    kept = {name: headers[name] for name in _KEPT_HEADERS if name in headers}
    return web.Response(status=status, text=text, headers={**kept, "Cache-Control": "no-store"})


def _route_name(request: web.Request) -> str:
    route = request.match_info.route
    return route.name or (route.resource.canonical if route.resource is not None else "unmatched")


def _is_dashboard(request: web.Request) -> bool:
    return request.path == _DASHBOARD or request.path.startswith(_DASHBOARD + "/")


def _context(request: web.Request, status: int, kind: str) -> Mapping[str, object]:
    # "Try again" opens this address anew; a path starting "//" would be another host's address,
    # and a matched route (a 503 comes from one) never has it, but the link must not depend on that.
    again: str | None = request.path_qs if not request.path.startswith("//") else "/"
    if kind == "internal" and request.method not in ("GET", "HEAD"):
        # Opening a form's address would not send the form again (and a dashboard form's address
        # may take only POST): the page says to try again, without a link.
        again = None
    return {"status": status, "kind": kind, "again": again}


async def _dashboard_page(
    request: web.Request, status: int, kind: str, context: Mapping[str, object]
) -> web.Response:
    if coordinator_key not in request and kind not in _WITHOUT_DATABASE:
        # An address no route knows declares no policy, and a refused one stopped before the
        # coordinator was kept, so look them up: the header's navigation is only there for a
        # coordinator who is logged in. Not when the database is away, which is what a 503 says,
        # nor after an unexpected error, which may be the database's own.
        try:
            coordinator = await auth.current_coordinator(request)
        except DATABASE_DOWN:
            coordinator = None
        if coordinator is not None:
            request[coordinator_key] = coordinator
    return dashboard_render.render(request, "error.html", context, status=status)
