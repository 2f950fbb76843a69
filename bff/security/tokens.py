"""Signed, short-lived, single-use tokens from the host app (itsdangerous)."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from bff.money import MAX_FEN

LAUNCH_SALT = "kabao.launch"
CHECKOUT_SALT = "kabao.checkout"
RESULT_SALT = "kabao.checkout-result"
ORDER_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
ClaimNonce = Callable[[str, int, float], bool]  # (key, seconds to keep it, when the token was signed): first use?


class TokenProblem(enum.StrEnum):
    INVALID = "invalid"
    EXPIRED = "expired"
    REPLAYED = "replayed"
    WRONG_AUDIENCE = "wrong_audience"


class TokenRejected(Exception):
    def __init__(self, problem: TokenProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class LaunchClaims:
    user_id: str
    merchant_id: str
    locale: str | None


@dataclass(frozen=True)
class CheckoutClaims:
    user_id: str
    merchant_id: str
    locale: str | None
    order_id: str
    amount: int
    currency: str
    return_url: str


def _claim(payload: dict[str, Any], key: str, max_length: int = 128) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise TokenRejected(TokenProblem.INVALID)
    return value


def verify_signed(token: str, secret: str, salt: str, max_age: int) -> dict[str, Any]:
    """Check signature and age; answer the payload."""
    return _signed(token, secret, salt, max_age)[0]


def _signed(token: str, secret: str, salt: str, max_age: int) -> tuple[dict[str, Any], float]:
    """The payload and when it was signed, once signature and age are checked."""
    serializer = URLSafeTimedSerializer(secret, salt=salt)
    try:
        payload, signed_at = serializer.loads(token, max_age=max_age, return_timestamp=True)
    except SignatureExpired:
        raise TokenRejected(TokenProblem.EXPIRED) from None
    except BadSignature:
        raise TokenRejected(TokenProblem.INVALID) from None
    if not isinstance(payload, dict):
        raise TokenRejected(TokenProblem.INVALID)
    return payload, signed_at.timestamp()


def _spend_once(
    payload: dict[str, Any], signed_at: float, salt: str, audience: str, max_age: int, claim_nonce: ClaimNonce
) -> dict[str, Any]:
    """A signed token's audience and claims checked, then its nonce spent (last: a refused token spends none)."""
    if payload.get("aud") != audience:
        raise TokenRejected(TokenProblem.WRONG_AUDIENCE)
    nonce = _claim(payload, "nonce")
    if not NONCE.fullmatch(nonce):
        raise TokenRejected(TokenProblem.INVALID)
    _claim(payload, "sub")
    _claim(payload, "mch")
    # the nonce is remembered a little longer than a token can live, so a replay is always seen; a store that
    # started remembering after the token was signed (an emptied Redis) can't say it wasn't spent: refused
    if not claim_nonce(f"nonce:{salt}:{nonce}", max_age + 60, signed_at):
        raise TokenRejected(TokenProblem.REPLAYED)
    return payload


def verify_launch(token: str, *, secret: str, audience: str, max_age: int, claim_nonce: ClaimNonce) -> LaunchClaims:
    """Verify a launch token and spend its nonce; raise TokenRejected saying why not."""
    payload, signed_at = _signed(token, secret, LAUNCH_SALT, max_age)
    payload = _spend_once(payload, signed_at, LAUNCH_SALT, audience, max_age, claim_nonce)
    return LaunchClaims(payload["sub"], payload["mch"], payload.get("locale"))


def verify_checkout(token: str, *, secret: str, audience: str, max_age: int, claim_nonce: ClaimNonce) -> CheckoutClaims:
    """Verify a checkout token: the order, its amount in fen and where to return come only from here."""
    payload, signed_at = _signed(token, secret, CHECKOUT_SALT, max_age)
    amount = payload.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= MAX_FEN:
        raise TokenRejected(TokenProblem.INVALID)
    if not ORDER_ID.fullmatch(str(payload.get("order_id", ""))):
        raise TokenRejected(TokenProblem.INVALID)
    currency, return_url = _claim(payload, "currency"), _claim(payload, "return_url", 2048)
    payload = _spend_once(payload, signed_at, CHECKOUT_SALT, audience, max_age, claim_nonce)
    return CheckoutClaims(
        payload["sub"], payload["mch"], payload.get("locale"), payload["order_id"], amount, currency, return_url
    )


def sign_result(secret: str, result: dict[str, Any]) -> str:
    """The checkout result for the host app, signed so the query string can't be forged."""
    return URLSafeTimedSerializer(secret, salt=RESULT_SALT).dumps(result)
