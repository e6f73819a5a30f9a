"""Coordinator accounts: argon2id password hashes, bearer tokens and dashboard sessions.

Only a SHA-256 of each session secret is stored, so a database dump opens no session.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, TypeVar

import asyncpg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from lotse.shared.config import MIN_PASSWORD_LENGTH, Settings
from lotse.shared.db import create_pool
from lotse.shared.mailaddress import canonical_address

log = logging.getLogger(__name__)

BEARER_LIFETIME = timedelta(hours=12)
COOKIE_ABSOLUTE_LIFETIME = timedelta(hours=12)
COOKIE_IDLE_TIMEOUT = timedelta(minutes=30)

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this keeps a login for an unknown address as slow as for a known one.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
# argon2 takes ~0.2 s of CPU and 64 MiB per hash or check: on the event loop, four logins at once
# stalled every request of the process (review 9a, F3). It runs in these threads instead (argon2-cffi
# releases the GIL); two, so a flood of logins queues here and costs at most 2 × 64 MiB and two
# cores, rather than the default executor's up to 32 threads, which DNS look-ups share.
_ARGON2_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")
_T = TypeVar("_T")


async def off_loop(function: Callable[..., _T], *args: object) -> _T:
    """``function(*args)`` in an argon2 thread, so the event loop serves other requests meanwhile."""
    return await asyncio.get_running_loop().run_in_executor(_ARGON2_THREADS, function, *args)


@dataclass(frozen=True, slots=True)
class Coordinator:
    id: uuid.UUID
    email: str
    role: str


@dataclass(frozen=True, slots=True)
class Session:
    token: str
    coordinator: Coordinator
    expires_at: datetime


class WeakPassword(ValueError):
    pass


def too_short(password: str) -> bool:
    """The one password rule, wherever a coordinator chooses one (the CLI, a one-time link, the
    change-password page): at least MIN_PASSWORD_LENGTH characters."""
    return len(password) < MIN_PASSWORD_LENGTH


def hash_password(password: str, *, check_length: bool = True) -> str:
    """The hash, computed here: for scripts and tests. Handlers await :func:`hash_off_loop`."""
    if check_length and too_short(password):
        raise WeakPassword(f"use at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


async def hash_off_loop(password: str, *, check_length: bool = True) -> str:
    """:func:`hash_password` in an argon2 thread (raises WeakPassword before any hashing)."""
    if check_length and too_short(password):
        raise WeakPassword(f"use at least {MIN_PASSWORD_LENGTH} characters")
    return await off_loop(_hasher.hash, password)


def secret_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


# Coordinators are stored with canonical addresses (as participants are); one stored before,
# under another spelling of its domain, is still found by the spelling it was stored with.
SAME_ADDRESS: Final = "lower(email) IN (lower($1), lower($2))"


def address_keys(email: str) -> tuple[str, str]:
    return canonical_address(email), email.strip()


async def create_coordinator(
    conn: asyncpg.Connection, email: str, password: str, role: str = "coordinator", *, check_length: bool = True
) -> uuid.UUID:
    coordinator_id = uuid.uuid4()
    await conn.execute(
        "INSERT INTO coordinators (id, email, password_hash, role) VALUES ($1, $2, $3, $4)",
        coordinator_id,
        canonical_address(email),
        await hash_off_loop(password, check_length=check_length),
        role,
    )
    return coordinator_id


async def ensure_bootstrap_coordinator(pool: asyncpg.Pool, settings: Settings) -> None:
    """The contract: both variables set and no such coordinator -> create one (an admin)."""
    if not (settings.coordinator_email and settings.coordinator_password):
        return
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('lotse.bootstrap_coordinator'))")
        exists = await conn.fetchval(
            f"SELECT 1 FROM coordinators WHERE {SAME_ADDRESS}", *address_keys(settings.coordinator_email)
        )
        if not exists:
            # A short password from the environment is warned about at start-up (config.weak_settings),
            # not refused: the contract promises this coordinator.
            await create_coordinator(
                conn, settings.coordinator_email, settings.coordinator_password, role="admin", check_length=False
            )
            log.info("bootstrap coordinator created")


async def authenticate(conn: asyncpg.Connection, email: str, password: str) -> Coordinator | None:
    return (await check_password(conn, email, password)).coordinator


@dataclass(frozen=True, slots=True)
class PasswordCheck:
    """What a login attempt found: the coordinator if the password opened an active account;
    ``account_id`` whenever the address is a coordinator's (for the log line of a failure)."""
    coordinator: Coordinator | None
    account_id: uuid.UUID | None


async def check_password(conn: asyncpg.Connection, email: str, password: str) -> PasswordCheck:
    row = await conn.fetchrow(
        f"SELECT id, email, role, password_hash, active FROM coordinators WHERE {SAME_ADDRESS}",
        *address_keys(email),
    )
    account_id = row["id"] if row else None
    try:
        await off_loop(_hasher.verify, row["password_hash"] if row else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return PasswordCheck(None, account_id)
    if row is None or not row["active"]:
        return PasswordCheck(None, account_id)
    if _hasher.check_needs_rehash(row["password_hash"]):
        rehashed = await off_loop(_hasher.hash, password)
        await conn.execute("UPDATE coordinators SET password_hash = $2 WHERE id = $1", row["id"], rehashed)
    return PasswordCheck(Coordinator(row["id"], row["email"], row["role"]), account_id)


async def remember_locale(conn: asyncpg.Connection, coordinator_id: uuid.UUID, locale: str, *,
                          unless_chosen: bool = False) -> None:
    """The dashboard language a coordinator uses, for the emails Lotse sends them (the digest);
    ``unless_chosen``: a browser's default, which does not replace an earlier choice."""
    await conn.execute(
        """UPDATE coordinators SET locale = $2
           WHERE id = $1 AND locale IS DISTINCT FROM $2 AND NOT ($3 AND locale IS NOT NULL)""",
        coordinator_id, locale, unless_chosen,
    )


async def open_session(conn: asyncpg.Connection, coordinator: Coordinator, kind: str) -> Session:
    token = secrets.token_urlsafe(32)
    lifetime = BEARER_LIFETIME if kind == "bearer" else COOKIE_ABSOLUTE_LIFETIME
    expires_at = datetime.now(UTC) + lifetime
    await conn.execute(
        "INSERT INTO auth_sessions (token_hash, coordinator_id, kind, expires_at) VALUES ($1, $2, $3, $4)",
        secret_hash(token),
        coordinator.id,
        kind,
        expires_at,
    )
    return Session(token, coordinator, expires_at)


async def resolve_session(conn: asyncpg.Connection, token: str, kind: str) -> Coordinator | None:
    """The coordinator behind a live session; touches it, so idle expiry slides."""
    idle = COOKIE_IDLE_TIMEOUT if kind == "cookie" else BEARER_LIFETIME
    row = await conn.fetchrow(
        """UPDATE auth_sessions s SET last_seen_at = now()
           FROM coordinators c
           WHERE s.token_hash = $1 AND s.kind = $2 AND c.id = s.coordinator_id AND c.active
             AND s.expires_at > now() AND s.last_seen_at > now() - $3::interval
           RETURNING c.id, c.email, c.role""",
        secret_hash(token),
        kind,
        idle,
    )
    return Coordinator(row["id"], row["email"], row["role"]) if row else None


async def close_session(conn: asyncpg.Connection, token: str) -> None:
    await conn.execute("DELETE FROM auth_sessions WHERE token_hash = $1", secret_hash(token))


# Why a browser's session was ended by someone else's action (table session_ends), so its login page
# can say so; a session that timed out or was logged out leaves no reason.
PASSWORD_CHANGED: Final = "password_changed"


async def remember_why_ended(conn: asyncpg.Connection, token_hashes: list[bytes], reason: str) -> None:
    """Keep the reason for these ended cookie sessions. A reason older than a cookie's lifetime
    tells nobody anything (the cookie itself is gone by then), so those are dropped here."""
    await conn.execute("DELETE FROM session_ends WHERE ended_at < now() - $1::interval", COOKIE_ABSOLUTE_LIFETIME)
    await conn.executemany(
        """INSERT INTO session_ends (token_hash, reason) VALUES ($1, $2)
           ON CONFLICT (token_hash) DO UPDATE SET reason = EXCLUDED.reason, ended_at = now()""",
        [(token_hash, reason) for token_hash in token_hashes],
    )


async def why_ended(conn: asyncpg.Connection, token: str) -> str | None:
    """The reason a session that no longer resolves was ended, if it was ended for one."""
    reason: str | None = await conn.fetchval(
        "SELECT reason FROM session_ends WHERE token_hash = $1 AND ended_at > now() - $2::interval",
        secret_hash(token), COOKIE_ABSOLUTE_LIFETIME,
    )
    return reason


async def create_coordinator_from_cli(settings: Settings, email: str, password: str, role: str) -> int:
    if "@" not in email:
        print("create-coordinator: EMAIL must be an e-mail address")
        return 2
    pool = await create_pool(settings.database_url, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            try:
                await create_coordinator(conn, email, password, role)
            except WeakPassword as exc:
                print(f"create-coordinator: password too weak: {exc}")
                return 2
            except asyncpg.UniqueViolationError:
                print(f"create-coordinator: a coordinator with e-mail {email} exists already")
                return 1
    finally:
        await pool.close()
    print(f"coordinator {email} created ({role})")
    return 0
