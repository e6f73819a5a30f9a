"""Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies"; review 9a, F4).

Coordinators' addresses are public, so anyone could fail ten logins with one and keep its owner out
for good. A browser the coordinator has logged in with carries a signed cookie naming them; its
attempts are counted per device (login_throttle) instead of against the account, so that lock-out
does not reach it. The cookie carries the coordinator's id, a digest of their password hash (any new
password, a reset's unusable hash included, makes every earlier cookie worthless), the account's
device generation (a deactivation adds one: reactivating without a reset brings the old password
back, not the old cookies) and a random device id, the key of its own smaller failure budget. See
docs/decisions.md.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Final

import asyncpg
from aiohttp import web

from lotse.intake.accounts import SAME_ADDRESS, Coordinator, address_keys
from lotse.intake.typedefs import pool_key, settings_key, signer_key
from lotse.shared import tokens

# One cookie per coordinator (a browser shared by colleagues trusts each of them), named by their id,
# so an attempt reads the one of the account it names. Path /dashboard: the API never receives it.
COOKIE_PREFIX: Final = "lotse_device_"
COOKIE_PATH: Final = "/dashboard"


def cookie_name(coordinator_id: object) -> str:
    return COOKIE_PREFIX + str(coordinator_id).replace("-", "")


def _fingerprint(password_hash: str) -> str:
    # A digest, not the hash itself: the cookie's claims are signed, not encrypted.
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


async def trusted(request: web.Request, email: str) -> str | None:
    """The device id of this attempt's valid device cookie for the active account ``email`` names,
    or None (no cookie, another account's, tampered, expired, signed before the password changed or
    before the account was last deactivated)."""
    if not email or not any(name.startswith(COOKIE_PREFIX) for name in request.cookies):
        return None  # no query for the usual attempt without a device cookie
    async with request.app[pool_key].acquire() as conn:
        row = await conn.fetchrow(f"SELECT id, password_hash, device_generation, active FROM coordinators "
                                  f"WHERE {SAME_ADDRESS}", *address_keys(email))
    if row is None or not row["active"]:
        return None
    token = request.cookies.get(cookie_name(row["id"]))
    if not token:
        return None
    try:
        claims = request.app[signer_key].load(tokens.DEVICE, token)
    except tokens.InvalidToken:
        return None
    device = claims.get("d")
    # A cookie signed before this claim existed has no "g": not trusted, the next login renews it.
    if (claims.get("cid") != str(row["id"]) or claims.get("pw") != _fingerprint(row["password_hash"])
            or claims.get("g") != row["device_generation"] or not isinstance(device, str)):
        return None
    return device


async def remember(request: web.Request, response: web.StreamResponse, conn: asyncpg.Connection,
                   coordinator: Coordinator) -> None:
    """Give the browser that has just logged in a new device cookie for ``coordinator`` (a new device
    id, so its failure budget starts afresh; signed with the password hash and device generation as
    they are now, after any rehash of this login)."""
    row = await conn.fetchrow("SELECT password_hash, device_generation FROM coordinators WHERE id = $1",
                              coordinator.id)
    value = request.app[signer_key].sign(tokens.DEVICE, cid=str(coordinator.id), pw=_fingerprint(row["password_hash"]),
                                         g=row["device_generation"], d=secrets.token_urlsafe(16))
    response.set_cookie(cookie_name(coordinator.id), value, httponly=True, samesite="Strict",
                        secure=request.app[settings_key].public_url.startswith("https:"), path=COOKIE_PATH,
                        max_age=int(tokens.MAX_AGE[tokens.DEVICE].total_seconds()))
