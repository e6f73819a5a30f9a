"""Managing the coordinators' team: invitations, deactivation and password resets.

An admin never chooses or sees a colleague's password: invitation and reset each produce a
one-time link (72 hours) with which the colleague sets their own. A reset or a deactivation
ends every open session of that account at once and voids its device cookies.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

import asyncpg

from lotse.intake import accounts, audit
from lotse.intake.accounts import PASSWORD_CHANGED, Coordinator, hash_off_loop, remember_why_ended, secret_hash
from lotse.shared.mailaddress import canonical_address

LINK_LIFETIME: Final = timedelta(hours=72)
ROLES: Final = ("coordinator", "admin")


class TeamError(Exception):
    """An action that cannot be done; ``code`` is shown to the admin as a readable message."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class PasswordLink:
    token: str
    email: str
    purpose: str
    expires_at: datetime


async def _unusable_hash() -> str:
    """A hash of a secret nobody knows: the account exists, but no password opens it yet."""
    return await hash_off_loop(secrets.token_urlsafe(32))


async def _new_link(conn: asyncpg.Connection, coordinator_id: uuid.UUID, email: str, purpose: str,
                    admin: Coordinator) -> PasswordLink:
    await conn.execute("UPDATE password_links SET used_at = now() WHERE coordinator_id = $1 AND used_at IS NULL",
                       coordinator_id)  # only the newest link works
    token = secrets.token_urlsafe(32)
    expires_at = datetime.now(UTC) + LINK_LIFETIME
    await conn.execute(
        "INSERT INTO password_links (token_hash, coordinator_id, purpose, created_by, expires_at) "
        "VALUES ($1, $2, $3, $4, $5)",
        secret_hash(token), coordinator_id, purpose, admin.id, expires_at,
    )
    return PasswordLink(token, email, purpose, expires_at)


async def invite(conn: asyncpg.Connection, admin: Coordinator, email: str, role: str) -> PasswordLink:
    email = canonical_address(email)
    if "@" not in email or len(email) > 254:
        raise TeamError("bad_email")
    if role not in ROLES:
        raise TeamError("bad_role")
    async with conn.transaction():
        await _member(conn, admin, admin.id)  # still an admin now, not only when the request came in
        if await conn.fetchval(f"SELECT 1 FROM coordinators WHERE {accounts.SAME_ADDRESS}",
                               *accounts.address_keys(email)):
            raise TeamError("exists")
        coordinator_id = uuid.uuid4()
        await conn.execute("INSERT INTO coordinators (id, email, password_hash, role) VALUES ($1, $2, $3, $4)",
                           coordinator_id, email, await _unusable_hash(), role)
        await audit.record(conn, admin, "coordinator.invited", "coordinator", coordinator_id,
                           after={"email": email, "role": role})
        return await _new_link(conn, coordinator_id, email, "invite", admin)


async def _member(conn: asyncpg.Connection, admin: Coordinator, coordinator_id: uuid.UUID) -> asyncpg.Record:
    """The colleague's row, locked with the admin's own (in id order, so two admins acting on each
    other wait instead of deadlocking), once the admin is still an active admin: one who was
    deactivated or made a coordinator after this request was let in does not act (review 10c, F5:
    two admins deactivating each other at once left no admin at all)."""
    rows = {r["id"]: r for r in await conn.fetch(
        "SELECT id, email, role, active FROM coordinators WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
        [admin.id, coordinator_id])}
    acting = rows.get(admin.id)
    if acting is None or not acting["active"] or acting["role"] != "admin":
        raise TeamError("not_admin")
    if coordinator_id not in rows:
        raise TeamError("gone")
    return rows[coordinator_id]


async def set_active(conn: asyncpg.Connection, admin: Coordinator, coordinator_id: uuid.UUID, active: bool) -> None:
    if coordinator_id == admin.id and not active:
        raise TeamError("self")  # the last admin must not lock everybody out by accident
    async with conn.transaction():
        member = await _member(conn, admin, coordinator_id)
        if member["active"] == active:
            return
        await conn.execute("UPDATE coordinators SET active = $2 WHERE id = $1", coordinator_id, active)
        if not active:
            # Sessions end, and device cookies stop exempting from the lock-out for good: reactivating
            # without a reset brings the old password back, not the browsers' trust (lotse.intake.devices).
            await conn.execute("UPDATE coordinators SET device_generation = device_generation + 1 WHERE id = $1",
                               coordinator_id)
            await conn.execute("DELETE FROM auth_sessions WHERE coordinator_id = $1", coordinator_id)
            await conn.execute("UPDATE password_links SET used_at = now() WHERE coordinator_id = $1 "
                               "AND used_at IS NULL", coordinator_id)
        await audit.record(conn, admin, "coordinator.activated" if active else "coordinator.deactivated",
                           "coordinator", coordinator_id, before={"active": member["active"]},
                           after={"active": active})


async def reset_password(conn: asyncpg.Connection, admin: Coordinator, coordinator_id: uuid.UUID) -> PasswordLink:
    async with conn.transaction():
        member = await _member(conn, admin, coordinator_id)
        if not member["active"]:
            raise TeamError("inactive")
        await conn.execute("UPDATE coordinators SET password_hash = $2 WHERE id = $1",
                           coordinator_id, await _unusable_hash())
        await conn.execute("DELETE FROM auth_sessions WHERE coordinator_id = $1", coordinator_id)
        await audit.record(conn, admin, "coordinator.password_reset", "coordinator", coordinator_id)
        return await _new_link(conn, coordinator_id, member["email"], "reset", admin)


async def link_email(conn: asyncpg.Connection, token: str) -> str | None:
    """The address a live link belongs to, or None if it is unknown, used or expired."""
    link = await live_link(conn, token)
    return link.email if link else None


async def live_link(conn: asyncpg.Connection, token: str) -> PasswordLink | None:
    """The link behind ``token`` while it still works (not used, not expired, account active)."""
    row = await conn.fetchrow(
        """SELECT c.email, l.purpose, l.expires_at FROM password_links l JOIN coordinators c ON c.id = l.coordinator_id
           WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > now() AND c.active""",
        secret_hash(token),
    )
    return PasswordLink(token, row["email"], row["purpose"], row["expires_at"]) if row else None


async def use_link(conn: asyncpg.Connection, token: str, password: str) -> str | None:
    """Set the password behind a live link (raises WeakPassword); the link works once."""
    new_hash = await hash_off_loop(password)
    async with conn.transaction():
        row = await conn.fetchrow(
            """UPDATE password_links l SET used_at = now() FROM coordinators c
               WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > now()
                 AND c.id = l.coordinator_id AND c.active
               RETURNING c.id, c.email, c.role""",
            secret_hash(token),
        )
        if row is None:
            return None
        await conn.execute("UPDATE coordinators SET password_hash = $2 WHERE id = $1", row["id"], new_hash)
        await conn.execute("DELETE FROM auth_sessions WHERE coordinator_id = $1", row["id"])
        await audit.record(conn, Coordinator(row["id"], row["email"], row["role"]), "coordinator.password_set",
                           "coordinator", row["id"])
        return str(row["email"])


async def change_own_password(conn: asyncpg.Connection, coordinator: Coordinator, password: str,
                              keep_session: str) -> None:
    """A signed-in coordinator chooses a new password (raises WeakPassword). Every other session of
    theirs ends at once (another browser, an API token: whoever may know the old password), the one
    they changed it in (`keep_session`, its token) stays; an unused one-time link stops working.
    Audited as the password set with a link is: the coordinator set their own password."""
    new_hash = await hash_off_loop(password)
    async with conn.transaction():
        await conn.execute("UPDATE coordinators SET password_hash = $2 WHERE id = $1", coordinator.id, new_hash)
        ended = await conn.fetch("DELETE FROM auth_sessions WHERE coordinator_id = $1 AND token_hash <> $2 "
                                 "RETURNING token_hash, kind", coordinator.id, secret_hash(keep_session))
        # The other browser's login page says why (review 8e, finding 9); an API client reads a 401.
        await remember_why_ended(conn, [row["token_hash"] for row in ended if row["kind"] == "cookie"],
                                 PASSWORD_CHANGED)
        await conn.execute("UPDATE password_links SET used_at = now() WHERE coordinator_id = $1 AND used_at IS NULL",
                           coordinator.id)
        await audit.record(conn, coordinator, "coordinator.password_set", "coordinator", coordinator.id)


async def members(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    found: list[asyncpg.Record] = await conn.fetch(
        """SELECT c.id, c.email, c.role, c.active, c.created_at,
                  (SELECT max(last_seen_at) FROM auth_sessions s WHERE s.coordinator_id = c.id) AS last_seen_at,
                  (SELECT l.purpose FROM password_links l WHERE l.coordinator_id = c.id AND l.used_at IS NULL
                   AND l.expires_at > now() ORDER BY l.expires_at DESC LIMIT 1) AS link_purpose
           FROM coordinators c ORDER BY c.active DESC, lower(c.email)"""
    )
    return found
