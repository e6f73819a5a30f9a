"""Counts and times every request by route name (raw paths carry tokens and would explode the labels)."""

from __future__ import annotations

import time

from aiohttp import web

from lotse.intake.auth import Handler
from lotse.shared import metrics


@web.middleware
async def measure(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:  # redirects and errors raised as exceptions are answers too
        status = exc.status
        raise
    finally:
        route = request.match_info.route.name or ("static" if request.path.startswith("/static/") else "unmatched")
        status_class = metrics.status_class(status)
        metrics.HTTP_REQUESTS.labels(route, metrics.method_label(request.method), status_class).inc()
        metrics.HTTP_LATENCY.labels(route, status_class).observe(time.perf_counter() - started)
