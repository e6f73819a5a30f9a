"""Every dashboard route, each with its declared policy."""

from __future__ import annotations

from aiohttp import web

from lotse.intake.api import coordinators
from lotse.intake.auth import ADMIN, COORDINATOR, PUBLIC, declare
from lotse.intake.dashboard import account_pages, login, pages, queue, render, reports, team_pages


def setup_dashboard_routes(app: web.Application) -> None:
    router = app.router
    # Innermost, after enforce_policies: it needs the logged-in coordinator (the app is not frozen yet).
    app.middlewares.append(render.remember_locale)

    def route(method: str, path: str, handler, name: str, policy: str) -> None:  # type: ignore[no-untyped-def]
        # A GET answers HEAD too, as aiohttp's add_get does (auth.declare gives it the GET's policy).
        added = router.add_get(path, handler, name=name) if method == "GET" else router.add_route(
            method, path, handler, name=name)
        declare(added, policy)

    route("GET", "/dashboard/login", login.login_page, "dash_login", PUBLIC)
    route("POST", "/dashboard/login", login.login_submit, "dash_login_submit", PUBLIC)
    route("POST", "/dashboard/logout", login.logout, "dash_logout", COORDINATOR)
    route("GET", "/dashboard", queue.queue_page, "dash_queue", COORDINATOR)
    route("POST", r"/dashboard/matches/{id}/{decision:approve|reject}", queue.decide, "dash_decide", COORDINATOR)
    route("POST", "/dashboard/rounds", queue.start_round, "dash_round", COORDINATOR)
    route("GET", "/dashboard/rounds/{id}", queue.round_page, "dash_round_page", COORDINATOR)
    route("POST", "/dashboard/rounds/{id}/approve", queue.approve_round, "dash_round_approve", COORDINATOR)
    route("GET", "/dashboard/matches", pages.matches_page, "dash_matches", COORDINATOR)
    route("GET", "/dashboard/matches/{id}", pages.match_page, "dash_match", COORDINATOR)
    route("POST", "/dashboard/matches/{id}/end", pages.end_match, "dash_match_end", COORDINATOR)
    route("POST", "/dashboard/matches/{id}/connected", pages.mark_connected, "dash_match_connected", COORDINATOR)
    route("POST", "/dashboard/matches/{id}/handled", pages.mark_handled, "dash_match_handled", COORDINATOR)
    route("GET", "/dashboard/participants", pages.participants_page, "dash_participants", COORDINATOR)
    route("GET", "/dashboard/participants/{id}", pages.participant_page, "dash_participant", COORDINATOR)
    # The same export as the API's, with the dashboard session instead of a bearer token.
    route("GET", "/dashboard/participants/{id}/export.json", coordinators.export_participant, "dash_export",
          COORDINATOR)
    route("POST", "/dashboard/participants/{id}", pages.participant_action, "dash_participant_action", COORDINATOR)
    route("GET", "/dashboard/stats", reports.stats_page, "dash_stats", COORDINATOR)
    route("GET", "/dashboard/export/participants.csv", reports.participants_csv, "dash_csv_participants",
          COORDINATOR)
    route("GET", "/dashboard/export/matches.csv", reports.matches_csv, "dash_csv_matches", COORDINATOR)
    route("GET", "/dashboard/team", team_pages.team_page, "dash_team", ADMIN)
    route("POST", "/dashboard/team", team_pages.team_action, "dash_team_action", ADMIN)
    route("GET", "/dashboard/password/{token}", team_pages.password_page, "dash_password", PUBLIC)
    route("POST", "/dashboard/password/{token}", team_pages.password_submit, "dash_password_submit", PUBLIC)
    # The signed-in coordinator's own password (any role: review 8d, finding 6).
    route("GET", account_pages.PATH, account_pages.password_page, "dash_account_password", COORDINATOR)
    route("POST", account_pages.PATH, account_pages.password_submit, "dash_account_password_submit", COORDINATOR)
    route("GET", account_pages.DIGEST_PATH, account_pages.digest_page, "dash_account_digest", COORDINATOR)
    route("POST", account_pages.DIGEST_PATH, account_pages.digest_submit, "dash_account_digest_submit", COORDINATOR)
    route("GET", "/dashboard/audit", reports.audit_page, "dash_audit", ADMIN)
