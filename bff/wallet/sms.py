"""How often bind codes may be texted: a gap and a cap per card, a cap per shopper, held in the shared store."""

from __future__ import annotations

import hashlib
import hmac

from bff.merchants.model import SmsLimits
from bff.security.attempts import Reservation
from bff.store import Store


class SmsLimiter:
    """Reserves a send before the card system is asked, and says how long until the next one."""

    def __init__(self, store: Store, pepper: bytes) -> None:
        self.store = store
        self.pepper = pepper

    def _hash(self, text: str) -> str:
        # card numbers never reach the store: only a keyed hash of them does
        return hmac.new(self.pepper, text.encode(), hashlib.sha256).hexdigest()[:32]

    def _keys(self, limits: SmsLimits, merchant_id: str, user_id: str, number: str) -> list[tuple[str, int, int]]:
        card, user = self._hash(f"{merchant_id}:{number}"), self._hash(f"{merchant_id}:{user_id}")
        return [
            (f"sms:gap:{card}", 1, limits.resend_after_seconds),
            (f"sms:card:{card}", limits.per_card.attempts, limits.per_card.window_seconds),
            (f"sms:user:{user}", limits.per_user.attempts, limits.per_user.window_seconds),
        ]

    def reserve(self, limits: SmsLimits, merchant_id: str, user_id: str, number: str) -> Reservation | None:
        """Take a send for this card and shopper; None (nothing taken) when a limit says wait."""
        taken: list[str] = []
        for key, limit, window in self._keys(limits, merchant_id, user_id, number):
            if not self.store.reserve(key, limit, window):
                self.give_back(Reservation(tuple(taken)))
                return None
            taken.append(key)
        return Reservation(tuple(taken))

    def give_back(self, reservation: Reservation) -> None:
        """Nothing was sent: the send doesn't count."""
        for key in reservation.keys:
            self.store.release(key)

    def wait_seconds(self, limits: SmsLimits, merchant_id: str, user_id: str, number: str) -> int:
        """Seconds until a code can be sent for this card again (0: now)."""
        keys = self._keys(limits, merchant_id, user_id, number)
        return max(self.store.free_in(key, limit) for key, limit, _ in keys)
