"""One-time pay codes: random digits a shopper shows at the till, kept in the store only as a keyed hash.

A code names nothing by itself: 16 random digits from the CSPRNG behind a fixed prefix. The store maps
its keyed hash to who issued it (merchant, shopper, card) until it expires; issuing a new code for the
same shopper and merchant retires the last one, so a screenshot of an older code fails at the till.
Whether a code was used is decided in the ledger (a unique row per code), not here.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import math
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from bff.store import Store

PREFIX = "66"  # the same for every merchant: the digits tell nothing about whose code it is
RANDOM_DIGITS = 16  # 10**16 codes, about 53 bits
CODE_LENGTH = len(PREFIX) + RANDOM_DIGITS


def paycode_key(secret_key: str) -> bytes:
    """The codes' own hashing key, derived from the app's secret for this one use."""
    return hmac.new(secret_key.encode(), b"kabao pay codes v1", hashlib.sha256).digest()


class CodeProblem(enum.StrEnum):
    INVALID = "CODE_INVALID"  # never issued, or not this merchant's: the same answer, so nothing leaks
    EXPIRED = "CODE_EXPIRED"  # issued, but too old or replaced by a newer code


@dataclass(frozen=True)
class IssuedCode:
    code: str
    digest: str
    expires_at: float


@dataclass(frozen=True)
class Grant:
    """What a live code lets a terminal of its merchant charge."""

    digest: str
    merchant_id: str
    user_id: str
    card_id: str
    last4: str
    expires_at: float


class CodeRefused(Exception):
    def __init__(self, problem: CodeProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def well_formed(code: str) -> bool:
    return len(code) == CODE_LENGTH and code.isascii() and code.isdigit() and code.startswith(PREFIX)


class PayCodes:
    """Issues and resolves codes in the shared store; every BFF process sees the same codes."""

    def __init__(self, store: Store, key: bytes, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.key = key
        self.clock = clock

    def digest(self, code: str) -> str:
        return hmac.new(self.key, code.encode(), hashlib.sha256).hexdigest()[:40]

    def _owner_key(self, merchant_id: str, user_id: str) -> str:
        mac = hmac.new(self.key, json.dumps([merchant_id, user_id]).encode(), hashlib.sha256).hexdigest()[:32]
        return f"paycode-current:{mac}"

    def issue(self, merchant_id: str, user_id: str, card_id: str, last4: str, ttl_seconds: int) -> IssuedCode:
        """A fresh code for this shopper's card; the shopper's previous code stops working at once."""
        code = PREFIX + f"{secrets.randbelow(10**RANDOM_DIGITS):0{RANDOM_DIGITS}d}"
        digest = self.digest(code)
        expires_at = self.clock() + ttl_seconds
        grant = {"m": merchant_id, "u": user_id, "c": card_id, "l": last4, "x": expires_at}
        keep = ttl_seconds + 300  # known a while after expiry, so the till can say "expired", not "invalid"
        self.store.put(f"paycode:{digest}", json.dumps(grant), keep)
        self.store.put(self._owner_key(merchant_id, user_id), digest, keep)
        return IssuedCode(code, digest, expires_at)

    def resolve(self, code: str, merchant_id: str) -> Grant:
        """The grant of a live code of this merchant; CodeRefused otherwise."""
        if not well_formed(code):
            raise CodeRefused(CodeProblem.INVALID)
        digest = self.digest(code)
        found = self.store.get(f"paycode:{digest}")
        if found is None:
            raise CodeRefused(CodeProblem.INVALID)
        data = json.loads(found)
        if data["m"] != merchant_id:
            raise CodeRefused(CodeProblem.INVALID)
        current = self.store.get(self._owner_key(data["m"], data["u"]))
        if self.clock() >= data["x"] or current != digest:
            raise CodeRefused(CodeProblem.EXPIRED)
        return Grant(digest, data["m"], data["u"], data["c"], data["l"], data["x"])

    def seconds_left(self, issued: IssuedCode) -> int:
        return max(0, math.ceil(issued.expires_at - self.clock()))
