"""How often bind codes may be texted: a gap and a cap per card, a cap per shopper, held in the shared store."""

from __future__ import annotations

from bff.merchants.model import SmsLimits
from bff.security.tries import Reservation, give_back, keyed_hash, reserve_all
from bff.store import Store


class SmsLimiter:
    """Reserves a send before the card system is asked, and says how long until the next one."""

    def __init__(self, store: Store, pepper: bytes) -> None:
        self.store = store
        self.pepper = pepper

    def _hash(self, text: str) -> str:
        # card numbers never reach the store: only a keyed hash of them does
        return keyed_hash(self.pepper, text)

    def _keys(self, limits: SmsLimits, merchant_id: str, user_id: str, number: str) -> list[tuple[str, int, int]]:
        card, user = self._hash(f"{merchant_id}:{number}"), self._hash(f"{merchant_id}:{user_id}")
        return [
            (f"sms:gap:{card}", 1, limits.resend_after_seconds),
            (f"sms:card:{card}", limits.per_card.attempts, limits.per_card.window_seconds),
            (f"sms:user:{user}", limits.per_user.attempts, limits.per_user.window_seconds),
        ]

    def reserve(self, limits: SmsLimits, merchant_id: str, user_id: str, number: str) -> Reservation | None:
        """Take a send for this card and shopper; None (nothing taken) when a limit says wait."""
        return reserve_all(self.store, self._keys(limits, merchant_id, user_id, number))

    def give_back(self, reservation: Reservation) -> None:
        """Nothing was sent: the send doesn't count."""
        give_back(self.store, reservation)

    def wait_seconds(self, limits: SmsLimits, merchant_id: str, user_id: str, number: str) -> int:
        """Seconds until a code can be sent for this card again (0: now)."""
        keys = self._keys(limits, merchant_id, user_id, number)
        return max(self.store.free_in(key, limit) for key, limit, _ in keys)
