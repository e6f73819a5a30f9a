"""Routes of the server-rendered pages (each with its declared policy)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from lotse.intake.auth import PUBLIC, declare
from lotse.intake.web import verification

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


def setup_web_routes(app: web.Application) -> None:
    router = app.router
    declare(router.add_get("/verify/{token}", verification.verify_page, name="verify_page"), PUBLIC)
    static = router.add_static("/static", STATIC_DIR, name="static", append_version=True)
    for route in static:
        declare(route, PUBLIC)
