from __future__ import annotations

from datetime import timedelta

import pytest

from lotse.intake.ratelimit import RateLimiter
from lotse.shared import tokens
from lotse.shared.tokens import InvalidToken, TokenSigner


def test_token_is_single_purpose_and_tamper_proof() -> None:
    signer = TokenSigner("k" * 32)
    token = signer.sign(tokens.VERIFY, pid="42")
    assert signer.load(tokens.VERIFY, token) == {"pid": "42"}
    with pytest.raises(InvalidToken):
        signer.load(tokens.MANAGE, token)
    with pytest.raises(InvalidToken):
        signer.load(tokens.VERIFY, token[:-2] + "xx")
    with pytest.raises(InvalidToken):
        TokenSigner("other" * 8).load(tokens.VERIFY, token)


def test_token_expires() -> None:
    signer = TokenSigner("k" * 32)
    token = signer.sign(tokens.VERIFY, pid="42")
    with pytest.raises(InvalidToken):
        signer.load(tokens.VERIFY, token, max_age=timedelta(seconds=-1))


def test_rate_limiter_window() -> None:
    limiter = RateLimiter(limit=3, window_s=60)
    assert [limiter.allow("a", now=t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert limiter.allow("b", now=3)  # per address
    assert limiter.retry_after_s("a", now=3) == 57
    assert limiter.allow("a", now=61)


def test_zero_means_unlimited() -> None:
    limiter = RateLimiter(limit=0)
    assert all(limiter.allow("a") for _ in range(1000))
