"""Security headers on every response, error pages included (OWASP ASVS V14.4).

The pages use no inline script or style, so the policy can forbid both.
"""

from __future__ import annotations

from typing import Final

from aiohttp import web

CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HEADERS: Final = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # links carry tokens: never hand them to another site
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
HSTS: Final = "max-age=31536000; includeSubDomains"
# Every other answer may show personal data (a manage page, a form shown again with what was typed,
# an export): no browser disk or back/forward cache, no shared cache keeps it (review 9a F2). The
# static files (their URLs carry a version) and the API's description are the same for everyone.
CACHEABLE_ROUTES: Final = frozenset({"static", "api_openapi"})
NO_STORE: Final = "no-store"


def install(app: web.Application, *, https: bool) -> None:
    async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if https:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if request.match_info.route.name not in CACHEABLE_ROUTES:
            response.headers.setdefault("Cache-Control", NO_STORE)

    app.on_response_prepare.append(add_headers)
