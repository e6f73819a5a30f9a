"""Liveness and readiness."""

from __future__ import annotations

import asyncio

from aiohttp import web

from lotse.intake.errors import ApiError, error_response
from lotse.intake.openapi import openapi_document
from lotse.intake.startup import startup_key
from lotse.intake.typedefs import infra_key


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


CHECKS = ("database", "broker")


async def readyz(request: web.Request) -> web.Response:
    """The contract's readiness: database and broker reachable, 200, else 503.

    ``?require=database`` (additive, docs/decisions.md "Readiness to serve web traffic") answers
    by the named checks only: intake takes registrations while the broker is away (the outbox
    keeps their events), so its pods stay in the Service. The body reports every check either way.
    """
    required = [name for name in request.query.get("require", ",".join(CHECKS)).split(",") if name]
    if not required or set(required) - set(CHECKS):
        # In the API's JSON error shape (off /api/, a raised ApiError would draw an HTML page).
        return error_response(ApiError(400, f"require: expected one or more of {', '.join(CHECKS)}, "
                                            "comma-separated", fields={"require": "unknown check"}))
    if infra_key not in request.app:
        # The app that answers while intake waits for its dependencies at start-up (lotse.intake.
        # startup): nothing but the probes is served yet, whatever is required. The body says how
        # the wait stands: "ok", why the last attempt failed, or "not tried yet".
        waited = request.app[startup_key].checks
        checks = {name: waited.get(name, "not tried yet") for name in CHECKS}
        return web.json_response({"status": "not_ready", "checks": checks}, status=503)
    infra = request.app[infra_key]
    checks = {}
    try:
        async with asyncio.timeout(2):
            await infra.pool.fetchval("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"unreachable: {type(exc).__name__}"
    # A robust connection never reports itself closed while it reconnects: `connected` is what
    # tells whether the broker is reachable now (cleared when the link drops, set once back).
    broker_up = infra.amqp.connected.is_set() and not infra.amqp.is_closed
    checks["broker"] = "ok" if broker_up else "unreachable"
    ready = all(checks[name] == "ok" for name in required)
    return web.json_response({"status": "ready" if ready else "not_ready", "checks": checks},
                             status=200 if ready else 503)


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())
