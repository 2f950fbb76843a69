"""The cards checkout picks by each merchant rule: covering the most, never a card that pays nothing."""

from __future__ import annotations

from datetime import date

import pytest

from bff.cards.models import Card, CardStatus
from bff.checkout.autopick import auto_pick
from bff.checkout.split import split_amount
from bff.wallet.views import CardView


def view(card_id: str, balance: int, expires: date | None = None) -> CardView:
    return CardView(Card(card_id, card_id[-4:], "gift", CardStatus.ACTIVE, "CNY", expires, balance), live=True)


SMALL, MID, BIG = view("small", 3650, date(2027, 1, 1)), view("mid", 5000), view("big", 50000, date(2028, 1, 1))


@pytest.mark.parametrize("rule", ["earliest_expiry", "smallest_first", "largest_first"])
def test_the_issue_example_picks_both_cards_and_leaves_the_rest_to_the_app(rule):
    picks = auto_pick(12000, [SMALL, MID], rule, max_cards=2)
    assert sorted(picks) == ["mid", "small"]
    split = split_amount(12000, [(c, {"small": 3650, "mid": 5000}[c]) for c in picks])
    assert split.remainder == 3350


@pytest.mark.parametrize(
    ("rule", "picks"),
    [
        ("earliest_expiry", ["small", "big"]),  # the money expiring first is spent first
        ("smallest_first", ["small", "big"]),  # the small card is used up
        ("largest_first", ["big"]),  # one card is enough: no second card, no second PIN
        ("none", []),
    ],
)
def test_each_rule(rule, picks):
    assert auto_pick(12800, [BIG, MID, SMALL], rule, max_cards=2) == picks


def test_a_card_that_would_pay_nothing_is_never_picked():
    assert auto_pick(3000, [SMALL, BIG], "smallest_first", max_cards=2) == ["small"]
    assert auto_pick(3000, [BIG, SMALL], "largest_first", max_cards=2) == ["big"]


def test_max_cards_is_kept_and_the_set_covering_most_wins():
    cards = [view("a", 1000), view("b", 2000), view("c", 40000)]
    assert auto_pick(41000, cards, "smallest_first", max_cards=2) == ["a", "c"]  # covers it all; a+b would not
    assert auto_pick(100000, cards, "smallest_first", max_cards=1) == ["c"]


def test_no_usable_card_picks_nothing():
    assert auto_pick(100, [], "earliest_expiry", max_cards=2) == []
