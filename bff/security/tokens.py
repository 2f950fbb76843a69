"""Signed, short-lived, single-use tokens from the host app (itsdangerous)."""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

LAUNCH_SALT = "kabao.launch"
NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


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


def _claim(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    if not isinstance(value, str) or not value or len(value) > 128:
        raise TokenRejected(TokenProblem.INVALID)
    return value


def verify_signed(token: str, secret: str, salt: str, max_age: int) -> dict[str, Any]:
    """Check signature and age; answer the payload."""
    serializer = URLSafeTimedSerializer(secret, salt=salt)
    try:
        payload = serializer.loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenRejected(TokenProblem.EXPIRED) from None
    except BadSignature:
        raise TokenRejected(TokenProblem.INVALID) from None
    if not isinstance(payload, dict):
        raise TokenRejected(TokenProblem.INVALID)
    return payload


def verify_launch(
    token: str,
    *,
    secret: str,
    audience: str,
    max_age: int,
    claim_nonce: Callable[[str, int], bool],
) -> LaunchClaims:
    """Verify a launch token and spend its nonce; raise TokenRejected saying why not."""
    payload = verify_signed(token, secret, LAUNCH_SALT, max_age)
    if payload.get("aud") != audience:
        raise TokenRejected(TokenProblem.WRONG_AUDIENCE)
    nonce = _claim(payload, "nonce")
    if not NONCE.fullmatch(nonce):
        raise TokenRejected(TokenProblem.INVALID)
    claims = LaunchClaims(_claim(payload, "sub"), _claim(payload, "mch"), payload.get("locale"))
    # the nonce is remembered a little longer than a token can live, so a replay is always seen
    if not claim_nonce(f"nonce:{LAUNCH_SALT}:{nonce}", max_age + 60):
        raise TokenRejected(TokenProblem.REPLAYED)
    return claims
