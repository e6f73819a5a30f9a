"""Who may call what: every route declares a policy, and one middleware enforces it.

Policies: ``public``; ``participant`` (a signed link token in the URL: checked by the view,
which knows the purpose); ``coordinator`` and ``admin`` (bearer token under /api/, session
cookie on the dashboard). A route without a declared policy is refused, never left open.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from lotse.intake import accounts
from lotse.intake.dashboard import landing
from lotse.intake.errors import ApiError
from lotse.intake.typedefs import coordinator_key, pool_key

PUBLIC = "public"
PARTICIPANT = "participant"
COORDINATOR = "coordinator"
ADMIN = "admin"
POLICIES = frozenset({PUBLIC, PARTICIPANT, COORDINATOR, ADMIN})
SESSION_COOKIE = "lotse_session"
# The API's messages for the two refusals; on a page, web.error_pages tells the second by it.
NO_POLICY = "This route declares no access policy."
ADMINS_ONLY = "Only administrators may do this."

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def route_policy(request: web.Request) -> str | None:
    route = request.match_info.route
    policy = getattr(route, "_lotse_policy", None)
    if policy is None and route.resource is None:
        return PUBLIC  # no route matched: let the router answer 404/405
    return policy


def declare(route: web.AbstractRoute, policy: str) -> web.AbstractRoute:
    if policy not in POLICIES:
        raise ValueError(f"unknown policy {policy!r}")
    route._lotse_policy = policy  # type: ignore[attr-defined]
    if route.method == "GET" and route.resource is not None:
        # The HEAD that add_get adds beside a GET runs the same handler without the body: the
        # GET's policy is its own (probes and `curl -I`; review 8i, finding 4).
        for sibling in route.resource:
            if sibling.method == "HEAD":
                sibling._lotse_policy = policy  # type: ignore[attr-defined]
    return route


def _bearer(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def current_coordinator(request: web.Request) -> accounts.Coordinator | None:
    if request.path.startswith("/api/"):
        token, kind = _bearer(request), "bearer"
    else:
        token, kind = request.cookies.get(SESSION_COOKIE), "cookie"
    if not token:
        return None
    async with request.app[pool_key].acquire() as conn:
        return await accounts.resolve_session(conn, token, kind)


@web.middleware
async def enforce_policies(request: web.Request, handler: Handler) -> web.StreamResponse:
    policy = route_policy(request)
    if policy is None:
        raise ApiError(403, NO_POLICY)
    if policy in (COORDINATOR, ADMIN):
        coordinator = await current_coordinator(request)
        if coordinator is None:
            if request.path.startswith("/api/"):
                raise ApiError(401, "Log in first.", headers={"WWW-Authenticate": "Bearer"})
            # A session cookie that no longer resolves has expired, or was ended for a reason (a
            # password change elsewhere): say so on the login page.
            cookie = request.cookies.get(SESSION_COOKIE)
            reason = None
            if cookie:
                async with request.app[pool_key].acquire() as conn:
                    reason = await accounts.why_ended(conn, cookie)
            raise web.HTTPSeeOther(landing.login_location(request, expired=bool(cookie), reason=reason))
        if policy == ADMIN and coordinator.role != "admin":
            raise ApiError(403, ADMINS_ONLY)
        request[coordinator_key] = coordinator
    return await handler(request)
