"""Routes of the server-rendered pages (each with its declared policy)."""

from __future__ import annotations

from aiohttp import web


def setup_web_routes(app: web.Application) -> None:
    """Filled in by the web forms work."""
