"""Use cases of public registration: register, verify. Views only translate to and from HTTP."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg

from lotse.intake import email_change, participants_db, registration_versions
from lotse.intake.validation import Registration
from lotse.shared import events, tokens


@dataclass(frozen=True, slots=True)
class Registered:
    participant_id: uuid.UUID
    created: bool


async def register(pool: asyncpg.Pool, kind: str, reg: Registration) -> Registered:
    """Store a registration and ask for its verification email, in one statement.

    The same address registering again for the same kind gets no second participant: while the
    first is unconfirmed, the new data is kept as a version of its own (registration_versions) and
    a verification email sent whose link confirms that version's data; once confirmed, an e-mail
    "you are already registered, nothing was changed; change or add (courses, positions) on your
    page" with its manage link. The caller answers exactly as for a new registration (the
    contract's 201 with the same id, so an answer never tells whether an address is registered).
    """
    # One statement, new or repeated alike; the unique index decides a race. It writes nothing
    # when the address's first registration committed while it ran (its snapshot does not show that
    # row): asked again, it finds it, so a repeat has one rule (participants_db._REPEATED). Another
    # miss needs that row erased and the address registered anew meanwhile; three mean a broken statement.
    for _ in range(3):
        participant_id = uuid.uuid4()
        registered = events.new_event(events.PARTICIPANT_REGISTERED, participant_id=participant_id, kind=kind)
        async with pool.acquire() as conn:
            written = await participants_db.insert_registration(
                conn, participant_id, kind, reg, registered, registration_versions.to_json(reg)
            )
        if written is not None:
            return Registered(*written)
    raise RuntimeError("the registration statement wrote nothing three times")


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
