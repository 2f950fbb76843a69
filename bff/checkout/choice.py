"""The shopper's choice of cards for an order, checked against the merchant's checkout rules."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from bff.cards.models import CardStatus
from bff.checkout.ledger import PlannedLeg
from bff.checkout.split import split_amount
from bff.merchants.checkout_rules import CheckoutRules
from bff.wallet.views import CardView


class Unusable(enum.StrEnum):
    """Why a card can't be picked; each has a shopper-visible text."""

    FROZEN = "frozen"
    EXPIRED = "expired"
    EMPTY = "empty"
    UNAVAILABLE = "unavailable"


def unusable_reason(view: CardView) -> Unusable | None:
    if view.card.status is CardStatus.FROZEN:
        return Unusable.FROZEN
    if view.card.status is CardStatus.EXPIRED:
        return Unusable.EXPIRED
    if not view.live:
        return Unusable.UNAVAILABLE
    if not view.balance:
        return Unusable.EMPTY
    return None


@dataclass(frozen=True)
class Choice:
    """The legs the picked cards would pay, what remains, and what stops paying (if anything)."""

    legs: tuple[PlannedLeg, ...]
    remainder: int
    problems: tuple[str, ...] = field(default_factory=tuple)
    pin_needed: bool = False
    unneeded: tuple[PlannedLeg, ...] = field(default_factory=tuple)  # ticked, but the cards before cover it: ¥0

    @property
    def payable(self) -> bool:
        return bool(self.legs) and not self.problems


def choose(amount: int, views: list[CardView], picked: list[str], rules: CheckoutRules) -> Choice:
    """Split `amount` over the picked cards, in the order picked (the order they are used), and say what the
    rules refuse."""
    usable = {v.card.card_id: v for v in views if unusable_reason(v) is None}
    chosen = [usable[card_id] for card_id in dict.fromkeys(picked) if card_id in usable]
    problems = []
    if set(picked) - set(usable):
        problems.append("card_not_usable")
    if len(chosen) > rules.max_cards:
        problems.append("too_many_cards")
    if not chosen:
        return Choice((), amount, tuple(problems) or ("no_card",), rules.pin.needed(amount))
    split = split_amount(amount, [(v.card.card_id, v.balance or 0) for v in chosen])
    last4 = {v.card.card_id: v.card.last4 for v in chosen}
    legs = tuple(PlannedLeg(leg.card_id, last4[leg.card_id], leg.amount) for leg in split.legs)
    paying = {leg.card_id for leg in legs}
    unneeded = tuple(PlannedLeg(v.card.card_id, v.card.last4, 0) for v in chosen if v.card.card_id not in paying)
    if split.remainder and not rules.allow_remainder:
        problems.append("not_enough")
    return Choice(legs, split.remainder, tuple(problems), rules.pin.needed(amount), unneeded)
