"""Signed, expiring, single-purpose tokens for links in emails.

A token names one purpose (its salt) and carries ids only, so a link never holds personal
data and a verification link cannot be replayed as a "manage my registration" link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from itsdangerous import BadData, Serializer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode

VERIFY = "verify"
MANAGE = "manage"
RESPOND = "respond"  # accept/decline an introduction
CHECKIN = "checkin"

MAX_AGE: dict[str, timedelta] = {
    VERIFY: timedelta(days=30),
    MANAGE: timedelta(days=90),
    RESPOND: timedelta(days=30),
    CHECKIN: timedelta(days=30),
}


class _IdsSerializer(URLSafeTimedSerializer):
    """itsdangerous's URL-safe timed tokens, without trying to zlib-compress the claims first.

    The attempt (a fresh zlib state each time) was a quarter of the time to sign, and the notifier
    signs one or two links per email. Claims are one or two ids: a single id does not compress, so
    its token is byte for byte itsdangerous's; two ids would shrink a link by a dozen characters.
    Every token loads the same either way (``load`` and any itsdangerous reader take both forms).
    """

    def dump_payload(self, obj: Any) -> bytes:
        return base64_encode(Serializer.dump_payload(self, obj))


@lru_cache(maxsize=32)
def _serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    # Built once per key and purpose.
    return _IdsSerializer(secret_key, salt=f"lotse.{purpose}")


class InvalidToken(Exception):
    """Tampered, expired, or meant for another purpose."""


@dataclass(frozen=True, slots=True)
class TokenSigner:
    secret_key: str

    def _serializer(self, purpose: str) -> URLSafeTimedSerializer:
        return _serializer(self.secret_key, purpose)

    def sign(self, purpose: str, **claims: Any) -> str:
        if purpose not in MAX_AGE:
            raise ValueError(f"unknown token purpose {purpose!r}")
        return self._serializer(purpose).dumps(claims)

    def load(self, purpose: str, token: str, *, max_age: timedelta | None = None) -> dict[str, Any]:
        age = max_age or MAX_AGE[purpose]
        try:
            claims = self._serializer(purpose).loads(token, max_age=int(age.total_seconds()))
        except BadData:
            raise InvalidToken(purpose) from None
        if not isinstance(claims, dict):
            raise InvalidToken(purpose)
        return claims
