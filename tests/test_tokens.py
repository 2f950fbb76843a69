"""Launch tokens: signature, expiry, single use and audience are all checked."""

from __future__ import annotations

import time
import uuid

import pytest
from itsdangerous import URLSafeTimedSerializer

from bff.security.tokens import TokenProblem, TokenRejected, verify_launch

SECRET = "host-secret"


def token(secret: str = SECRET, **overrides: object) -> str:
    payload = {
        "sub": "u1",
        "mch": "lime-market",
        "aud": "kabao-wallet",
        "nonce": uuid.uuid4().hex,
        "locale": "en",
        **overrides,
    }
    return URLSafeTimedSerializer(secret, salt="kabao.launch").dumps(payload)


class Nonces:
    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def claim(self, key: str, ttl: int, _signed_at: float) -> bool:
        if key in self.seen:
            return False
        self.seen[key] = ttl
        return True


def verify(value: str, nonces: Nonces | None = None, max_age: int = 60):
    return verify_launch(
        value, secret=SECRET, audience="kabao-wallet", max_age=max_age, claim_nonce=(nonces or Nonces()).claim
    )


def rejected(value: str, **kwargs) -> TokenProblem:
    with pytest.raises(TokenRejected) as caught:
        verify(value, **kwargs)
    return caught.value.problem


def test_good_token_gives_the_claims_and_spends_the_nonce_for_longer_than_it_lives():
    nonces = Nonces()
    claims = verify(token(), nonces)
    assert (claims.user_id, claims.merchant_id, claims.locale) == ("u1", "lime-market", "en")
    assert list(nonces.seen.values()) == [120]


def test_replayed_token_is_refused():
    nonces, value = Nonces(), token()
    verify(value, nonces)
    assert rejected(value, nonces=nonces) is TokenProblem.REPLAYED


def test_tampered_token_is_refused():
    value = token()
    assert rejected(value[:-2] + ("AA" if value[-2:] != "AA" else "BB")) is TokenProblem.INVALID
    assert rejected(token(secret="someone-else")) is TokenProblem.INVALID


def test_expired_token_is_refused(monkeypatch):
    value = token()
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 61)
    assert rejected(value) is TokenProblem.EXPIRED


def test_wrong_audience_is_refused():
    assert rejected(token(aud="another-service")) is TokenProblem.WRONG_AUDIENCE


@pytest.mark.parametrize("bad", [{"sub": ""}, {"mch": 42}, {"nonce": "short"}, {"nonce": None}])
def test_token_with_bad_claims_is_refused(bad):
    assert rejected(token(**bad)) is TokenProblem.INVALID
