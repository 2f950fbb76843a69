"""Limits on wrong card secrets, per card and per shopper, counted in the shared store."""

from __future__ import annotations

import hashlib
import hmac

from limits import RateLimitItemPerSecond
from limits.strategies import FixedWindowRateLimiter

from bff.merchants.model import WrongSecretLimits
from bff.store import Store


class WrongSecretGuard:
    """Counts wrong secrets; once a limit is reached the card system is not asked again."""

    def __init__(self, store: Store, pepper: bytes) -> None:
        self.limiter = FixedWindowRateLimiter(store.limits_storage())
        self.pepper = pepper

    def _card_key(self, merchant_id: str, card_number: str) -> str:
        # card numbers never reach the store: only a keyed hash of them does
        digest = hmac.new(self.pepper, f"{merchant_id}:{card_number}".encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    def _items(self, limits: WrongSecretLimits) -> tuple[RateLimitItemPerSecond, RateLimitItemPerSecond]:
        card = RateLimitItemPerSecond(limits.per_card.attempts, limits.per_card.window_seconds, "wrong-secret-card")
        user = RateLimitItemPerSecond(limits.per_user.attempts, limits.per_user.window_seconds, "wrong-secret-user")
        return card, user

    def blocked(self, limits: WrongSecretLimits, merchant_id: str, user_id: str, card_number: str) -> bool:
        card_item, user_item = self._items(limits)
        return not (
            self.limiter.test(card_item, merchant_id, self._card_key(merchant_id, card_number))
            and self.limiter.test(user_item, merchant_id, user_id)
        )

    def record_failure(self, limits: WrongSecretLimits, merchant_id: str, user_id: str, card_number: str) -> None:
        card_item, user_item = self._items(limits)
        self.limiter.hit(card_item, merchant_id, self._card_key(merchant_id, card_number))
        self.limiter.hit(user_item, merchant_id, user_id)
