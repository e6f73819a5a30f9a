"""The intake application factory: it only wires things together."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from lotse.intake import headers, lifecycle_jobs, retention
from lotse.intake.accounts import ensure_bootstrap_coordinator
from lotse.intake.after_response import AfterResponse
from lotse.intake.auth import enforce_policies
from lotse.intake.cross_site import refuse_cross_site
from lotse.intake.errors import api_errors
from lotse.intake.foreign_credentials import drop_foreign_credentials
from lotse.intake.login_throttle import (
    LOGIN_FAILURES_PER_ACCOUNT,
    LOGIN_FAILURES_PER_ADDRESS,
    LOGIN_FAILURES_PER_DEVICE,
    LOGIN_WINDOW_S,
)
from lotse.intake.ratelimit import RateLimiter
from lotse.intake.request_metrics import measure
from lotse.intake.routes import setup_routes
from lotse.intake.startup import Startup, startup_key, while_starting
from lotse.intake.typedefs import (
    after_response_key,
    infra_key,
    intake_attempts_key,
    intake_limiter_key,
    login_address_limiter_key,
    login_device_limiter_key,
    login_limiter_key,
    on_task_failure_key,
    pool_key,
    settings_key,
    signer_key,
)
from lotse.intake.web.error_pages import html_errors
from lotse.shared import metrics, supervise
from lotse.shared.config import Settings
from lotse.shared.runtime import infrastructure
from lotse.shared.tokens import TokenSigner

log = logging.getLogger(__name__)

# Rejected registrations do not count towards LOTSE_INTAKE_RATE_LIMIT; all attempts together may
# be this many times more, far above what people fixing typing mistakes at one address need.
ATTEMPTS_PER_REGISTRATION = 10


async def infrastructure_ctx(app: web.Application) -> AsyncIterator[None]:
    """Database pool, broker, and the outbox relay running beside the web server."""
    settings = app[settings_key]
    async with (infrastructure(settings, "intake", pool_max=20, checks=app[startup_key].checks,
                              lock_wait_s=settings.lock_wait_s) as infra,
                metrics.served(settings.metrics_port)):
        app[infra_key] = infra
        app[pool_key] = infra.pool
        await ensure_bootstrap_coordinator(infra.pool, app[settings_key])
        background = [
            asyncio.create_task(infra.outbox_relay().run(), name="outbox-relay"),
            asyncio.create_task(lifecycle_jobs.run_periodically(infra.pool), name="match-life-jobs"),
            asyncio.create_task(retention.run_periodically(infra.pool, retention.Periods.from_settings(
                app[settings_key])), name="retention"),
        ]
        if settings.metrics_port is not None:  # nobody reads the outbox gauges without the metrics port
            background.append(asyncio.create_task(metrics.sample_outbox(infra.pool), name="outbox-metrics"))
        for task in background:  # one that dies stops `lotse intake` (exit 1), see lotse.shared.supervise
            supervise.watch(task, app.get(on_task_failure_key, _no_stop))
        yield
        await app[after_response_key].finish()  # before the pool closes: the jobs write with it
        for task in background:
            task.cancel()
        # A task that failed was logged by supervise.watch when it did; its exception is not raised again.
        await asyncio.gather(*background, return_exceptions=True)


def _no_stop() -> None:
    """An app served by tests has nobody to stop; the failure is still logged."""


def init_app(settings: Settings, startup: Startup | None = None) -> web.Application:
    """The app, serving once its database and broker are up (its startup waits for them).
    ``startup`` is the account of that wait that `lotse intake` shares with its :func:`waiting_app`."""
    app = _app(settings, startup or Startup(), waiting=False)
    app.cleanup_ctx.append(infrastructure_ctx)
    return app


def waiting_app(settings: Settings, startup: Startup) -> web.Application:
    """What `lotse intake` serves while the app's startup waits for its dependencies: the same
    routes, pages and headers, but the contract's 503 for everything except the probes (and the
    static files the 503 page uses); /readyz says how the wait stands (lotse.intake.startup)."""
    return _app(settings, startup, waiting=True)


def _app(settings: Settings, startup: Startup, *, waiting: bool) -> web.Application:
    # while_starting inside api_errors: its 503 leaves in the API's shape, or as the page.
    starting = [while_starting] if waiting else []
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        # html_errors outside api_errors: it draws the pages for what api_errors lets through off /api/.
        # drop_foreign_credentials outermost: the error pages look the coordinator up again, by its request.
        middlewares=[drop_foreign_credentials, measure, html_errors, api_errors, *starting, refuse_cross_site,
                     enforce_policies],
    )
    app[startup_key] = startup
    app[settings_key] = settings
    app[signer_key] = TokenSigner(settings.secret_key)
    app[after_response_key] = AfterResponse()
    app[intake_limiter_key] = RateLimiter(settings.intake_rate_limit_per_minute)
    app[intake_attempts_key] = RateLimiter(ATTEMPTS_PER_REGISTRATION * settings.intake_rate_limit_per_minute)
    app[login_limiter_key] = RateLimiter(limit=LOGIN_FAILURES_PER_ACCOUNT, window_s=LOGIN_WINDOW_S)
    app[login_address_limiter_key] = RateLimiter(limit=LOGIN_FAILURES_PER_ADDRESS, window_s=LOGIN_WINDOW_S)
    app[login_device_limiter_key] = RateLimiter(limit=LOGIN_FAILURES_PER_DEVICE, window_s=LOGIN_WINDOW_S)
    headers.install(app, https=settings.public_url.startswith("https:"))
    setup_routes(app)
    return app
