"""Liveness and readiness."""

from __future__ import annotations

import asyncio

from aiohttp import web

from lotse.intake.openapi import openapi_document
from lotse.intake.typedefs import infra_key


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    infra = request.app[infra_key]
    checks: dict[str, str] = {}
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
    ready = all(v == "ok" for v in checks.values())
    return web.json_response({"status": "ready" if ready else "not_ready", "checks": checks},
                             status=200 if ready else 503)


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_document())
