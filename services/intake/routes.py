"""Every route of intake, named, each with its declared access policy."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from lotse.intake import health, match_pages
from lotse.intake.api import coordinators, public
from lotse.intake.auth import COORDINATOR, PARTICIPANT, PUBLIC, declare
from lotse.intake.dashboard.routes import setup_dashboard_routes
from lotse.intake.web.routes import setup_web_routes

KIND_SEGMENTS = "|".join(public.KINDS)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def setup_routes(app: web.Application) -> None:
    router = app.router

    def route(method: str, path: str, handler: Handler, name: str, policy: str) -> None:
        # A GET answers HEAD too, as aiohttp's add_get does (auth.declare gives it the GET's policy).
        added = router.add_get(path, handler, name=name) if method == "GET" else router.add_route(
            method, path, handler, name=name)
        declare(added, policy)

    route("GET", "/healthz", health.healthz, "healthz", PUBLIC)
    route("GET", "/readyz", health.readyz, "readyz", PUBLIC)

    route("GET", "/api/v1/openapi.json", health.openapi, "api_openapi", PUBLIC)
    route("POST", r"/api/v1/{kinds:" + KIND_SEGMENTS + "}", public.register, "api_register", PUBLIC)
    route("POST", "/api/v1/verify", public.verify, "api_verify", PUBLIC)

    route("POST", "/api/v1/auth/login", coordinators.login, "api_login", PUBLIC)
    route("POST", "/api/v1/auth/logout", coordinators.logout, "api_logout", COORDINATOR)
    route("GET", "/api/v1/participants", coordinators.list_participants, "api_participants", COORDINATOR)
    route("GET", "/api/v1/participants/{id}", coordinators.get_participant, "api_participant", COORDINATOR)
    route("GET", "/api/v1/participants/{id}/export", coordinators.export_participant, "api_export", COORDINATOR)
    route("DELETE", "/api/v1/participants/{id}", coordinators.erase_participant, "api_erase", COORDINATOR)
    route("GET", "/api/v1/stats", coordinators.get_stats, "api_stats", COORDINATOR)
    route("GET", "/api/v1/matches", coordinators.list_matches, "api_matches", COORDINATOR)
    route("GET", "/api/v1/matches/{id}", coordinators.get_match, "api_match", COORDINATOR)
    route("POST", "/api/v1/matches/{id}/approve", coordinators.approve_match, "api_approve", COORDINATOR)
    route("POST", "/api/v1/matches/{id}/reject", coordinators.reject_match, "api_reject", COORDINATOR)
    route("POST", "/api/v1/matching/rounds", coordinators.start_round, "api_start_round", COORDINATOR)
    route("GET", "/api/v1/matching/rounds/{id}", coordinators.get_round, "api_round", COORDINATOR)

    # Links in introduction and check-in emails: the signed token is the credential.
    route("GET", "/respond/{token}", match_pages.respond_page, "respond", PARTICIPANT)
    route("POST", "/respond/{token}", match_pages.respond_submit, "respond_submit", PARTICIPANT)
    route("GET", "/respond/{token}/done", match_pages.respond_done, "respond_done", PARTICIPANT)
    route("GET", "/checkin/{token}", match_pages.checkin_page, "checkin", PARTICIPANT)
    route("POST", "/checkin/{token}", match_pages.checkin_submit, "checkin_submit", PARTICIPANT)
    route("GET", "/checkin/{token}/done", match_pages.checkin_done, "checkin_done", PARTICIPANT)
    route("POST", "/checkin/{token}/rematch", match_pages.rematch_submit, "rematch", PARTICIPANT)

    setup_web_routes(app)
    setup_dashboard_routes(app)
