"""Routes of the server-rendered pages (each with its declared policy)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from lotse.intake.auth import PARTICIPANT, PUBLIC, declare
from lotse.intake.web import email_change, manage, new_link, notices, registration, verification

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


def setup_web_routes(app: web.Application) -> None:
    router = app.router
    declare(router.add_get("/verify/{token}", verification.verify_page, name="verify_page"), PUBLIC)
    declare(router.add_get("/", registration.index, name="index"), PUBLIC)
    declare(router.add_get("/register/{kind}", registration.form_page, name="register_form"), PUBLIC)
    declare(router.add_post("/register/{kind}", registration.submit, name="register_submit"), PUBLIC)
    declare(router.add_get("/register/{kind}/thanks", registration.registered, name="registered"), PUBLIC)
    # Not under /manage/: that path's segment is a token.
    declare(router.add_get("/new-link", new_link.form_page, name="new_link"), PUBLIC)
    declare(router.add_post("/new-link", new_link.submit, name="new_link_submit"), PUBLIC)
    declare(router.add_get("/new-link/sent", new_link.sent, name="new_link_sent"), PUBLIC)
    declare(router.add_get("/privacy", notices.privacy_page, name="privacy"), PUBLIC)
    declare(router.add_get("/accessibility", notices.accessibility_page, name="accessibility"), PUBLIC)
    declare(router.add_get("/manage/{token}", manage.manage_page, name="manage"), PARTICIPANT)
    declare(router.add_post("/manage/{token}", manage.manage_submit, name="manage_submit"), PARTICIPANT)
    declare(router.add_get("/manage/{token}/export.json", manage.export_own, name="manage_export"), PARTICIPANT)
    declare(router.add_get("/manage/{token}/erase", manage.erase_page, name="manage_erase"), PARTICIPANT)
    declare(router.add_post("/manage/{token}/erase", manage.erase_submit, name="manage_erase_submit"), PARTICIPANT)
    # The link sent to a new address a person typed on their manage page.
    declare(router.add_get("/email-change/{token}", email_change.confirm_page, name="email_change"), PARTICIPANT)
    declare(router.add_post("/email-change/{token}", email_change.confirm_submit, name="email_change_submit"),
            PARTICIPANT)
    static = router.add_static("/static", STATIC_DIR, name="static", append_version=True)
    for route in static:
        declare(route, PUBLIC)
