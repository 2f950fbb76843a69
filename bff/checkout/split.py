"""How an order's amount is shared across the cards the shopper picked, in fen."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Leg:
    card_id: str
    amount: int


@dataclass(frozen=True)
class Split:
    legs: tuple[Leg, ...]
    remainder: int

    @property
    def covered(self) -> int:
        return sum(leg.amount for leg in self.legs)


def split_amount(amount: int, balances: list[tuple[str, int]]) -> Split:
    """Fill the order from the cards in the order picked; what they can't cover is the remainder.

    Every leg is positive and at most its card's balance; legs plus remainder equal the amount.
    """
    if amount <= 0:
        raise ValueError("an order amount is a positive number of fen")
    legs = []
    left = amount
    for card_id, balance in balances:
        if left == 0:
            break
        share = min(left, max(balance, 0))
        if share > 0:
            legs.append(Leg(card_id, share))
            left -= share
    return Split(tuple(legs), left)
