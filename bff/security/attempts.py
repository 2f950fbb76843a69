"""Limits on wrong card secrets, per card and per shopper, reserved in the shared store before each try."""

from __future__ import annotations

from bff.merchants.model import AttemptLimit, WrongSecretLimits
from bff.security.tries import Reservation, give_back, keyed_hash, reserve_all
from bff.store import Store


class WrongSecretGuard:
    """Reserves a try before the card system is asked, so no more than the limit ever reach it.

    A try is counted first and given back afterwards when it said nothing about the secret
    (it succeeded, or the card system failed), so concurrent tries across processes can't slip past.
    """

    def __init__(self, store: Store, pepper: bytes) -> None:
        self.store = store
        self.pepper = pepper

    def _hash(self, text: str) -> str:
        # card numbers and user ids never reach the store: only a keyed hash of them does
        return keyed_hash(self.pepper, text)

    def _keys(
        self, limits: WrongSecretLimits, merchant_id: str, user_id: str, card: str
    ) -> list[tuple[str, AttemptLimit]]:
        return [
            (f"wrong-secret:card:{self._hash(f'{merchant_id}:{card}')}", limits.per_card),
            (f"wrong-secret:user:{self._hash(f'{merchant_id}:{user_id}')}", limits.per_user),
        ]

    def reserve(self, limits: WrongSecretLimits, merchant_id: str, user_id: str, card: str) -> Reservation | None:
        """Take a try for this card and shopper; None when either limit is reached (nothing is taken then)."""
        keys = self._keys(limits, merchant_id, user_id, card)
        return reserve_all(self.store, ((key, limit.attempts, limit.window_seconds) for key, limit in keys))

    def give_back(self, reservation: Reservation) -> None:
        """The try said nothing about the secret: it doesn't count."""
        give_back(self.store, reservation)

    def tries_left(self, limits: WrongSecretLimits, merchant_id: str, user_id: str, card: str) -> int:
        """How many more wrong tries this card and shopper have before either limit is reached (read-only)."""
        keys = self._keys(limits, merchant_id, user_id, card)
        return max(0, min(limit.attempts - self.store.used(key) for key, limit in keys))

    def locked_for(self, limits: WrongSecretLimits, merchant_id: str, user_id: str, card: str) -> int:
        """Seconds until this card and shopper may try again; 0 when a try is free now (read-only)."""
        keys = self._keys(limits, merchant_id, user_id, card)
        return max(self.store.free_in(key, limit.attempts) for key, limit in keys)

    def blocked(self, limits: WrongSecretLimits, merchant_id: str, user_id: str, card: str) -> bool:
        """Whether the next try would be refused (read-only)."""
        keys = self._keys(limits, merchant_id, user_id, card)
        return any(self.store.used(key) >= limit.attempts for key, limit in keys)
