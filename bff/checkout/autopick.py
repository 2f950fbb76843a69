"""The cards a checkout picks for the shopper, by the merchant's rule, before the shopper changes anything."""

from __future__ import annotations

from datetime import date
from itertools import combinations

from bff.wallet.views import CardView

RULES = ("earliest_expiry", "smallest_first", "largest_first", "none")
MAX_CONSIDERED = 12  # cards looked at, best ranked first: bounds the combinations tried (at most 1,585 for 5)


def ranked(views: list[CardView], rule: str) -> list[CardView]:
    """Usable cards in the order the rule spends them; ties keep the page order."""
    if rule == "smallest_first":
        return sorted(views, key=lambda v: v.balance or 0)
    if rule == "largest_first":
        return sorted(views, key=lambda v: -(v.balance or 0))
    if rule == "earliest_expiry":  # money that expires soonest first; then (no hurry) larger first: fewer cards
        return sorted(views, key=lambda v: (v.card.expires_on or date.max, -(v.balance or 0)))
    return list(views)


def auto_pick(amount: int, usable: list[CardView], rule: str, max_cards: int) -> list[str]:
    """The card ids to pay with, in the order they are used.

    Of all sets of at most `max_cards` cards where every card pays something, the one covering the most
    of the amount; among those, the one the rule ranks first (earliest-ranked cards first, compared in order).
    """
    if rule == "none" or not usable:
        return []
    order = ranked(usable, rule)[:MAX_CONSIDERED]
    best: tuple[int, tuple[int, ...]] | None = None
    for size in range(1, min(max_cards, len(order)) + 1):
        for picks in combinations(range(len(order)), size):
            balances = [order[i].balance or 0 for i in picks]
            if sum(balances[:-1]) >= amount:
                continue  # the last card would pay nothing: never pick a card that isn't needed
            key = (-min(sum(balances), amount), picks)
            if best is None or key < best:
                best = key
    return [] if best is None else [order[i].card.card_id for i in best[1]]
