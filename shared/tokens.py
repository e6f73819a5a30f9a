"""Signed, expiring, single-purpose tokens for links in emails.

A token names one purpose (its salt) and carries ids only, so a link never holds personal
data and a verification link cannot be replayed as a "manage my registration" link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from itsdangerous import BadData, URLSafeTimedSerializer

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


@lru_cache(maxsize=32)
def _serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    # Built once per key and purpose: the notifier signs one or two links per email.
    return URLSafeTimedSerializer(secret_key, salt=f"lotse.{purpose}")


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
