"""Signed, expiring, single-purpose tokens for links in emails.

A token names one purpose (its salt) and carries ids only, so a link never holds personal
data and a verification link cannot be replayed as a "manage my registration" link.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property, lru_cache
from typing import Any

from itsdangerous import BadData, Serializer, SignatureExpired, Signer, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, int_to_bytes, want_bytes

VERIFY = "verify"
MANAGE = "manage"
RESPOND = "respond"  # accept/decline an introduction
CHECKIN = "checkin"
EMAIL_CHANGE = "email_change"  # sent to the new address a person typed on their manage page
# No link: the cookie from the registration form to its thanks page, which names the address the
# verification went to (review 8f, finding 1) without that address in a URL or the cookie.
REGISTERED = "registered"
# No link: the dashboard's device cookie (review 9a, F4), which exempts a browser a coordinator has
# logged in with from the lock-out others can cause by failing with that coordinator's address.
DEVICE = "device"

MAX_AGE: dict[str, timedelta] = {
    VERIFY: timedelta(days=30),
    MANAGE: timedelta(days=90),
    RESPOND: timedelta(days=30),
    CHECKIN: timedelta(days=30),
    # Short: until it is opened (or expires), a stranger may hold a link to someone's registration.
    EMAIL_CHANGE: timedelta(days=7),
    # Only for the page right after the form: a shared computer must not show it to the next person.
    REGISTERED: timedelta(minutes=15),
    # Long: the browser of a coordinator who logs in now and then; renewed at every login.
    DEVICE: timedelta(days=365),
}


class _OnceKeyedSigner(TimestampSigner):
    """itsdangerous's timestamp signer, deriving its key once instead of per signature and signing
    with the one-shot HMAC; verifying stays itsdangerous's own."""

    # The last second signed in, and its encoding with the separator before it (sign).
    _stamped_at: int | None = None
    _stamp: bytes = b""

    @cached_property
    def _key(self) -> bytes:
        return self.derive_key()

    @cached_property
    def _digest(self) -> str:
        return str(self.digest_method().name)  # a name: hmac.digest's fast path takes no constructor

    def get_signature(self, value: str | bytes) -> bytes:
        return base64_encode(hmac.digest(self._key, want_bytes(value), self._digest))

    def sign(self, value: str | bytes) -> bytes:
        """TimestampSigner.sign, byte for byte, encoding the timestamp once a second, not per token."""
        now = self.get_timestamp()
        if now != self._stamped_at:
            self._stamped_at, self._stamp = now, self._separator + base64_encode(int_to_bytes(now))
        value = want_bytes(value) + self._stamp
        return value + self._separator + self.get_signature(value)

    @cached_property
    def _separator(self) -> bytes:
        return want_bytes(self.sep)


class _LinkSerializer(URLSafeTimedSerializer):
    """itsdangerous's URL-safe timed tokens, made cheaper to sign: one signer per purpose instead of
    one per token, and no attempt to zlib-compress the claims first.

    The notifier signs one or two links per email, and signing was a tenth of its CPU; the zlib
    attempt (a fresh zlib state each time) alone was a quarter of a signature. Claims are one or two
    ids: a single id does not compress, so its token is byte for byte itsdangerous's; two ids would
    shrink a link by a dozen characters. Every token loads the same either way (``load`` and any
    itsdangerous reader take both forms).
    """

    default_signer = _OnceKeyedSigner

    @cached_property
    def _signer(self) -> Signer:
        return super().make_signer(self.salt)

    def make_signer(self, salt: str | bytes | None = None) -> Signer:
        return self._signer if salt is None or salt == self.salt else super().make_signer(salt)

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(Serializer.dump_payload(self, obj))

    def dumps_claims(self, claims: dict[str, Any]) -> str:
        """``dumps(claims)``, byte for byte, without its JSON encoder for what links carry: ids,
        whose JSON is themselves in quotes. Anything else goes through ``dumps``."""
        parts = []
        for key, value in claims.items():
            if not (isinstance(value, str) and _plain(key) and _plain(value)):
                return str(self.dumps(claims))
            parts.append(f'"{key}":"{value}"')
        payload = base64_encode(("{" + ",".join(parts) + "}").encode("ascii"))
        return self._signer.sign(payload).decode("ascii")


def _plain(text: str) -> bool:
    """Whether JSON writes ``text`` as it is (letters, digits, "-" and "_" only)."""
    return text.isascii() and text.replace("-", "").replace("_", "").isalnum()


@lru_cache(maxsize=32)
def _serializer(secret_key: str, purpose: str) -> _LinkSerializer:
    # Built once per key and purpose.
    return _LinkSerializer(secret_key, salt=f"lotse.{purpose}")


class InvalidToken(Exception):
    """Tampered, expired, or meant for another purpose."""


class ExpiredToken(InvalidToken):
    """Signed by us for this purpose, but too old. Its claims only say whom the link was for (so its
    error page can speak their language); nothing may be done with them on that person's behalf."""

    def __init__(self, purpose: str, claims: dict[str, Any]) -> None:
        super().__init__(purpose)
        self.purpose = purpose  # its page says how long such links work (MAX_AGE)
        self.claims = claims


@dataclass(frozen=True, slots=True)
class TokenSigner:
    secret_key: str

    def sign(self, purpose: str, **claims: Any) -> str:
        if purpose not in MAX_AGE:
            raise ValueError(f"unknown token purpose {purpose!r}")
        return _serializer(self.secret_key, purpose).dumps_claims(claims)

    def load(self, purpose: str, token: str, *, max_age: timedelta | None = None) -> dict[str, Any]:
        return self.load_signed(purpose, token, max_age=max_age)[0]

    def load_signed(self, purpose: str, token: str, *, max_age: timedelta | None = None
                    ) -> tuple[dict[str, Any], datetime]:
        """:meth:`load`, with when the token was signed (to the second): a manage link signed
        before the person changed their address was sent to the old one."""
        age = max_age or MAX_AGE[purpose]
        serializer = _serializer(self.secret_key, purpose)
        try:
            claims, signed_at = serializer.loads(token, max_age=int(age.total_seconds()), return_timestamp=True)
        except SignatureExpired as expired:  # raised only once the signature itself checked out
            raise _expired(serializer, purpose, expired.payload) from None
        except BadData:
            raise InvalidToken(purpose) from None
        if not isinstance(claims, dict):
            raise InvalidToken(purpose)
        return claims, signed_at


def _expired(serializer: URLSafeTimedSerializer, purpose: str, payload: Any) -> InvalidToken:
    try:
        claims = serializer.load_payload(payload)
    except BadData:
        return InvalidToken(purpose)
    return ExpiredToken(purpose, claims) if isinstance(claims, dict) else InvalidToken(purpose)
