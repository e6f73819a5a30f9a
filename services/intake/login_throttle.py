"""Login throttling that counts failed attempts only, per account and per client address.

An attempt is counted before the password is checked (parallel guesses cannot slip in before the
first is counted) and taken back when it succeeds, so a team logging in many times a day never
locks itself out. An attempt from a browser with a valid device cookie for the account (devices) is
counted against that device instead of the account, so a stranger failing with a coordinator's public
address does not lock the coordinator's own browser out (review 9a, F4). See docs/decisions.md.
"""

from __future__ import annotations

import logging
import uuid
from typing import Final

import asyncpg
from aiohttp import web

from lotse.intake import accounts, audit, devices
from lotse.intake.api.public import client_address
from lotse.intake.ratelimit import RateLimiter
from lotse.intake.typedefs import login_address_limiter_key, login_device_limiter_key, login_limiter_key, pool_key
from lotse.shared.mailaddress import canonical_address

LOGIN_WINDOW_S: Final = 15 * 60
LOGIN_FAILURES_PER_ACCOUNT: Final = 10
# Higher: every coordinator of a welcome centre logs in from the office's one public address.
LOGIN_FAILURES_PER_ADDRESS: Final = 30
# Lower than the account's: enough for a coordinator's typos, few guesses for a stolen device cookie.
LOGIN_FAILURES_PER_DEVICE: Final = 5

# Security events, one line each (review 9a, F12): a failed login and a lock-out at WARNING, a login
# at INFO. They name the account by its id, never by the typed address (which may be a password typed
# into the wrong field), and the client address, so an operator sees a guessing campaign in the log.
log = logging.getLogger(__name__)
UNKNOWN_ACCOUNT: Final = "unknown account"


class Throttled(Exception):
    """Too many failures: no password is checked until `retry_after_s` has passed."""

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(retry_after_s)
        self.retry_after_s = retry_after_s


async def authenticate(request: web.Request, email: str, password: str) -> accounts.Coordinator | None:
    """A login attempt of the dashboard's form or the API, counted as above: the coordinator, or
    None for a wrong (or missing) address or password; raises Throttled before any check. Each
    caller answers in its own way (a page, JSON)."""
    device = await devices.trusted(request, email)
    wait = seconds_to_wait(request, email, device)
    if wait is not None:
        raise Throttled(wait)
    coordinator, account_id = None, None
    if email and password:
        async with request.app[pool_key].acquire() as conn:
            found = await accounts.check_password(conn, email, password[:1024])
        coordinator, account_id = found.coordinator, found.account_id
    if coordinator is not None:
        succeeded(request, email, device)
    else:
        _failed(request, email, account_id, device)
    return coordinator


def _account(account_id: uuid.UUID | None) -> str:
    return str(account_id) if account_id else UNKNOWN_ACCOUNT


def _failed(request: web.Request, email: str, account_id: uuid.UUID | None, device: str | None) -> None:
    """Log a failure, and the lock-out it completes (the next attempt is refused unchecked)."""
    client, trusted = client_address(request), device is not None
    log.warning("login failed", extra={"account": _account(account_id), "client": client, "trusted_device": trusted})
    whats = ("device" if trusted else "account", "client address")
    for (limiter, key), what in zip(_counters(request, email, device), whats, strict=True):
        if limiter.full(key):
            log.warning(f"login locked out: too many failed logins for this {what}",
                        extra={"account": _account(account_id), "client": client, "trusted_device": trusted,
                               "minutes": round(limiter.window_s / 60)})


async def logged_in(request: web.Request, conn: asyncpg.Connection, coordinator: accounts.Coordinator,
                    kind: str) -> accounts.Session:
    """A session for a coordinator who gave the right password (``kind`` cookie or bearer), with
    its log line and audit entry (`coordinator.login`), committed together."""
    async with conn.transaction():
        session = await accounts.open_session(conn, coordinator, kind)
        await audit.record(conn, coordinator, "coordinator.login", "coordinator", coordinator.id,
                           after={"kind": kind})
    log.info("login", extra={"account": str(coordinator.id), "kind": kind, "client": client_address(request)})
    return session


def _counters(request: web.Request, email: str, device: str | None
              ) -> tuple[tuple[RateLimiter, str], tuple[RateLimiter, str]]:
    """The attempt's two counts: its trusted device's (``device``, its id) or else the account's, and
    the client address's (which a device cookie does not exempt from)."""
    address = (request.app[login_address_limiter_key], f"address:{client_address(request)}")
    if device is not None:
        return (request.app[login_device_limiter_key], f"device:{device}"), address
    # Any spelling of an account's address is that account (accounts.authenticate finds it so).
    return (request.app[login_limiter_key], "account:" + canonical_address(email).lower()), address


def seconds_to_wait(request: web.Request, email: str, device: str | None) -> int | None:
    """Count this attempt; the Retry-After when the account (or the trusted device) or the address
    has failed too often."""
    counters = _counters(request, email, device)
    allowed = [limiter.allow(key) for limiter, key in counters]
    if all(allowed):
        return None
    for (limiter, key), counted in zip(counters, allowed, strict=True):
        if counted:
            limiter.take_back(key)  # refused without a password check: no attempt was made
    return max(limiter.retry_after_s(key) for (limiter, key), counted in zip(counters, allowed, strict=True)
               if not counted)


def succeeded(request: web.Request, email: str, device: str | None) -> None:
    """A right password: the account's (or the trusted device's) failures are forgiven, this attempt
    is not a failure.

    The address keeps its earlier failures, or one valid account would let an attacker at that
    address reset the count while guessing at others. A login from a trusted device forgives that
    device's failures only: the account's came from elsewhere, and forgiving them at each of the
    coordinator's logins would hand whoever keeps failing a fresh allowance every time."""
    (limiter, key), (address_limiter, address) = _counters(request, email, device)
    limiter.forget(key)
    address_limiter.take_back(address)
