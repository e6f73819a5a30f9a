from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from itsdangerous import URLSafeTimedSerializer

from lotse.intake.api.public import client_address
from lotse.intake.ratelimit import RateLimiter
from lotse.intake.typedefs import settings_key
from lotse.shared import tokens
from lotse.shared.config import load_settings
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


def test_tokens_are_itsdangerous_own_and_load_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: 1_800_000_000)
    ours = TokenSigner("k" * 32)
    one = {"pid": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"}
    stock = URLSafeTimedSerializer("k" * 32, salt="lotse.verify")
    assert ours.sign(tokens.VERIFY, **one) == stock.dumps(one)  # one id: the very same token
    two = {"mid": "1b4e28ba-2fa1-11d2-883f-0016d3cca427", "pid": "6c6f7473-652d-6265-6e63-680000000001"}
    stock = URLSafeTimedSerializer("k" * 32, salt="lotse.respond")
    assert stock.dumps(two).startswith(".")  # itsdangerous compresses two ids; ours does not
    assert stock.loads(ours.sign(tokens.RESPOND, **two)) == two == ours.load(tokens.RESPOND, stock.dumps(two))


PLAIN_CLAIMS = [
    {"pid": "1b4e28ba-2fa1-11d2-883f-0016d3cca427"},
    {"pid": "1b4e28ba-2fa1-11d2-883f-0016d3cca427", "vid": "6c6f7473-652d-6265-6e63-680000000001"},
    {"mid": "x_1", "pid": "42"},
]
OTHER_CLAIMS = [{"pid": ""}, {"pid": "Grüße"}, {"pid": 'a"b'}, {"pid": "a\\b"}, {"pid": "a b"}, {"pid": 42},
                {"p-d": "a/b"}]


@pytest.mark.parametrize(("claims", "fast"), [(c, True) for c in PLAIN_CLAIMS] + [(c, False) for c in OTHER_CLAIMS])
def test_the_fast_path_signs_exactly_as_dumps(monkeypatch: pytest.MonkeyPatch, claims: dict[str, object],
                                              fast: bool) -> None:
    """Links' claims (ids) skip the JSON encoder and the per-token timestamp encoding; the token is
    the same bytes dumps makes, and anything not plain goes through dumps itself."""
    serializer = tokens._serializer("k" * 32, tokens.MANAGE)

    def encoder_not_used(_: object) -> bytes:
        raise AssertionError("plain claims went through the JSON encoder")

    for now in (1_800_000_000, 1_800_000_000, 1_800_000_001):  # the second's encoding is reused, then renewed
        monkeypatch.setattr("itsdangerous.timed.time.time", lambda now=now: now)
        expected = serializer.dumps(claims)
        with monkeypatch.context() as fast_only:
            if fast:  # the fast path itself, not dumps behind it
                fast_only.setattr(serializer, "dump_payload", encoder_not_used)
            assert serializer.dumps_claims(claims) == expected
        assert TokenSigner("k" * 32).load(tokens.MANAGE, serializer.dumps_claims(claims)) == claims


def test_token_expires() -> None:
    signer = TokenSigner("k" * 32)
    token = signer.sign(tokens.VERIFY, pid="42")
    with pytest.raises(InvalidToken):
        signer.load(tokens.VERIFY, token, max_age=timedelta(seconds=-1))


def test_an_expired_token_still_names_its_person_but_a_tampered_one_names_nobody(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    signer = TokenSigner("k" * 32)
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: 1_700_000_000)
    old = signer.sign(tokens.MANAGE, pid="42")
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: 1_700_000_000 + 91 * 86400)
    with pytest.raises(tokens.ExpiredToken) as expired:
        signer.load(tokens.MANAGE, old)
    assert expired.value.claims == {"pid": "42"}
    for bad in (old[:-2] + "xx", TokenSigner("other" * 8).sign(tokens.MANAGE, pid="43")):
        with pytest.raises(InvalidToken) as refused:
            signer.load(tokens.MANAGE, bad)
        assert not isinstance(refused.value, tokens.ExpiredToken)
    with pytest.raises(InvalidToken) as other_purpose:
        signer.load(tokens.VERIFY, old)
    assert not isinstance(other_purpose.value, tokens.ExpiredToken)


def test_rate_limiter_window() -> None:
    limiter = RateLimiter(limit=3, window_s=60)
    assert [limiter.allow("a", now=t) for t in (0, 1, 2, 3)] == [True, True, True, False]
    assert limiter.allow("b", now=3)  # per address
    assert limiter.retry_after_s("a", now=3) == 57
    assert limiter.allow("a", now=61)


def test_zero_means_unlimited() -> None:
    limiter = RateLimiter(limit=0)
    assert all(limiter.allow("a") for _ in range(1000))


@pytest.mark.parametrize(("hops", "forwarded", "expected"), [
    (0, "203.0.113.9", "10.0.0.2"),  # no proxy configured: the header is the client's word only
    (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # the client made up the first entry
    (2, "198.51.100.1, 203.0.113.9, 10.0.0.7", "203.0.113.9"),
    (2, "203.0.113.9", "10.0.0.2"),  # fewer entries than proxies: something is off, use the peer
])
def test_the_client_address_behind_trusted_proxies(hops: int, forwarded: str, expected: str) -> None:
    app = web.Application()
    app[settings_key] = dataclasses.replace(load_settings({"LOTSE_DEV_MODE": "true"}), proxy_hops=hops)
    request = make_mocked_request("POST", "/api/v1/newcomers", headers={"X-Forwarded-For": forwarded}, app=app,
                                  transport=_Transport("10.0.0.2"))
    assert client_address(request) == expected


class _Transport:
    def __init__(self, peer: str) -> None:
        self._peer = peer

    def get_extra_info(self, name: str, default: object = None) -> object:
        return (self._peer, 12345) if name == "peername" else default


def test_a_client_address_is_forgotten_within_two_windows_of_its_last_request() -> None:
    # The privacy notice says the server keeps a device's address for a few minutes only.
    limiter = RateLimiter(limit=5, window_s=60.0)
    assert limiter.allow("203.0.113.7", now=1000.0)
    assert limiter.allow("198.51.100.2", now=1030.0)  # others keep coming; the first one does not
    assert "203.0.113.7" in limiter._hits
    assert limiter.allow("198.51.100.2", now=1120.0)
    assert "203.0.113.7" not in limiter._hits and "198.51.100.2" in limiter._hits
