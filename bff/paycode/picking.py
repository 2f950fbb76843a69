"""Which card a pay code pays from: the shopper's pick, else the merchant's default rule."""

from __future__ import annotations

from datetime import date

from bff.checkout.choice import unusable_reason
from bff.wallet.views import CardView

FAR_FUTURE = date.max


def usable(views: list[CardView]) -> list[CardView]:
    """The cards that can pay now: active, answered with a balance above zero."""
    return [v for v in views if unusable_reason(v) is None]


def default_card(views: list[CardView], rule: str) -> CardView | None:
    """earliest_expiry: the card with a balance that expires first (no expiry counts as last);
    largest_balance: the card with the most money. Ties keep the wallet's order."""
    cards = usable(views)
    if not cards:
        return None
    if rule == "largest_balance":
        return max(cards, key=lambda v: v.balance or 0)
    return min(cards, key=lambda v: v.card.expires_on or FAR_FUTURE)


def pick(views: list[CardView], card_id: str | None, rule: str) -> CardView | None:
    """The card the shopper picked if it can pay, else the default."""
    chosen = next((v for v in usable(views) if v.card.card_id == card_id), None)
    return chosen or default_card(views, rule)
