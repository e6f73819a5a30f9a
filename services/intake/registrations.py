"""Use cases of public registration: register, verify. Views only translate to and from HTTP."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg

from lotse.intake import email_change, participants_db, registration_versions
from lotse.intake.validation import Registration
from lotse.shared import events, tokens
from lotse.shared.outbox import write_event


@dataclass(frozen=True, slots=True)
class Registered:
    participant_id: uuid.UUID
    created: bool


async def register(pool: asyncpg.Pool, kind: str, reg: Registration) -> Registered:
    """Store a registration and ask for its verification email, in one transaction.

    The same address registering again for the same kind gets no second participant: while the
    first is unconfirmed, the new data is kept as a version of its own (registration_versions) and
    a verification email sent whose link confirms that version's data; once confirmed, an e-mail
    "you are already registered, nothing was changed; change or add (courses, positions) on your
    page" with its manage link. The caller answers exactly as for a new registration (the
    contract's 201 with the same id, so an answer never tells whether an address is registered).
    """
    participant_id = uuid.uuid4()
    registered = events.new_event(events.PARTICIPANT_REGISTERED, participant_id=participant_id, kind=kind)
    async with pool.acquire() as conn:
        # One statement, new or repeated alike; the unique index decides a race.
        written = await participants_db.insert_registration(
            conn, participant_id, kind, reg, registered, registration_versions.to_json(reg)
        )
        if written is not None:
            return Registered(*written)
        # The address's first registration committed while ours ran (rare): in a transaction.
        async with conn.transaction():
            existing = await participants_db.find_by_email(conn, kind, reg.email)
            if existing is None:  # erased between our insert and this look: register afresh
                return await register(pool, kind, reg)
            # Not "last one wins" either: that would let a stranger overwrite the owner's pending data.
            version_id = await registration_versions.store(conn, existing["id"], reg)
            about = ({"notification": "verification", "version_id": str(version_id)} if version_id is not None
                     else {"notification": "already_registered"})
            await write_event(
                conn, events.new_event(events.NOTIFICATION_REQUESTED, participant_id=existing["id"], **about)
            )
            return Registered(existing["id"], created=False)


class VerificationFailed(Exception):
    """The link is invalid or expired, or the registration no longer exists."""

    @property
    def reason(self) -> str:
        """"invalid" (bad or expired token), "gone" (erased or expired registration) or "outdated"."""
        return str(self.args[0])

    @property
    def token_error(self) -> Exception | None:
        """Why an "invalid" link was refused: an expired one still names its person (their language)."""
        return self.args[1] if len(self.args) > 1 else None


class OutdatedLink(VerificationFailed):
    """The link went to an address the person has since replaced (email_change.link_outdated)."""

    def __init__(self, person: asyncpg.Record) -> None:
        super().__init__("outdated")
        self.person = person


async def verify(pool: asyncpg.Pool, signer: tokens.TokenSigner, token: str) -> asyncpg.Record:
    """Mark the participant verified; using a link twice is harmless. A link signed before the
    person changed their address is refused: it went to the old mailbox, which proves nothing.
    A link naming a version of a repeated registration (``vid``) first puts that version's data in
    place of the stored one; one without (older emails, the first registration's) verifies what is
    stored. Once verified, no link changes the data."""
    try:
        claims, signed_at = signer.load_signed(tokens.VERIFY, token)
        participant_id = uuid.UUID(str(claims.get("pid")))
        version_id = uuid.UUID(str(claims["vid"])) if "vid" in claims else None
    except (tokens.InvalidToken, ValueError) as failure:
        raise VerificationFailed("invalid", failure) from None
    async with pool.acquire() as conn, conn.transaction():
        if version_id is not None and not await registration_versions.put_in_place(conn, participant_id, version_id):
            raise VerificationFailed("gone")  # pending, but not with the data this link was sent for
        current = await participants_db.mark_verified(conn, participant_id)
        if current is None:
            current = await participants_db.get_status(conn, participant_id)
            if current is None or current["status"] == "erased":
                raise VerificationFailed("gone")
        if email_change.link_outdated(signed_at, current["email_changed_at"]):
            raise OutdatedLink(current)  # leaving the transaction undoes the verification
        return current
