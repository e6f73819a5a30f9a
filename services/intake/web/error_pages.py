"""A page instead of aiohttp's plain "404: Not Found" for people who follow a broken link.

Public pages answer in the visitor's language (web.render's negotiation) with a way back to the
start page and to /new-link; dashboard pages in the coordinator's language (dashboard.render). The
JSON API keeps the contract's error shape (errors.api_errors), so /api/ is left alone, and so are
static files and error bodies a view wrote itself (an invalid link's own page).
"""

from __future__ import annotations

from aiohttp import web

from lotse.intake import auth
from lotse.intake.dashboard import render as dashboard_render
from lotse.intake.typedefs import coordinator_key
from lotse.intake.web.render import render

# Statuses with a page of their own; others (400, 403, 410, ...) come from views that write their
# own answers.
PAGES = (404, 405)
_UNTOUCHED_PREFIXES = ("/api/", "/static/")
_DASHBOARD = "/dashboard"


@web.middleware
async def html_errors(request: web.Request, handler: auth.Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status not in PAGES or exc.content_type != "text/plain" or request.path.startswith(_UNTOUCHED_PREFIXES):
            raise
        if _is_dashboard(request):
            page = await _dashboard_page(request, exc.status)
        else:
            page = _public_page(request, exc.status)
        if "Allow" in exc.headers:  # a 405 says which methods the address takes
            page.headers["Allow"] = exc.headers["Allow"]
        return page


def _is_dashboard(request: web.Request) -> bool:
    return request.path == _DASHBOARD or request.path.startswith(_DASHBOARD + "/")


def _public_page(request: web.Request, status: int) -> web.Response:
    return render(request, "not_found.html", {"status": status}, status=status)


async def _dashboard_page(request: web.Request, status: int) -> web.Response:
    if coordinator_key not in request:
        # An address no route knows declares no policy, so nobody was looked up: the header's
        # navigation is only there for a coordinator who is logged in.
        coordinator = await auth.current_coordinator(request)
        if coordinator is not None:
            request[coordinator_key] = coordinator
    return dashboard_render.render(request, "not_found.html", {"status": status}, status=status)
