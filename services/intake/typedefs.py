"""Typed application keys: everything the intake handlers share, and nothing global."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg
import jinja2
from aiohttp import web

from lotse.intake.accounts import Coordinator
from lotse.intake.after_response import AfterResponse
from lotse.intake.ratelimit import RateLimiter
from lotse.shared.config import Settings
from lotse.shared.runtime import Infrastructure
from lotse.shared.tokens import TokenSigner

settings_key = web.AppKey("settings", Settings)
infra_key = web.AppKey("infra", Infrastructure)
pool_key = web.AppKey("pool", asyncpg.Pool)
signer_key = web.AppKey("signer", TokenSigner)
# Work requests leave for after their answer (after_response); stopping waits for it.
after_response_key = web.AppKey("after_response", AfterResponse)
intake_limiter_key = web.AppKey("intake_limiter", RateLimiter)
# Every registration request, accepted or not: a ceiling on what one address can make us parse.
intake_attempts_key = web.AppKey("intake_attempts", RateLimiter)
jinja_key = web.AppKey("jinja", jinja2.Environment)
# Failed logins per account; per client address a higher limit (a whole office shares one address).
login_limiter_key = web.AppKey("login_limiter", RateLimiter)
login_address_limiter_key = web.AppKey("login_address_limiter", RateLimiter)
# Failed logins per device cookie, in place of the account's count (login_throttle, devices).
login_device_limiter_key = web.AppKey("login_device_limiter", RateLimiter)
# What a background task that dies calls: `lotse intake` stops, exit 1 (lotse.shared.supervise).
on_task_failure_key: web.AppKey[Callable[[], None]] = web.AppKey("on_task_failure")
# Per request: the coordinator the request is authenticated as.
coordinator_key = web.RequestKey("coordinator", Coordinator)
