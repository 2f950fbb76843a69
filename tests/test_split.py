"""Split arithmetic in fen: legs always add up, never exceed a card's balance."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bff.checkout.split import Leg, split_amount

amounts = st.integers(min_value=1, max_value=10_000_000)
cards = st.lists(
    st.tuples(st.uuids().map(str), st.integers(min_value=0, max_value=5_000_000)),
    max_size=5,
    unique_by=lambda c: c[0],
)


@given(amounts, cards)
def test_legs_plus_remainder_always_equal_the_amount(amount, balances):
    split = split_amount(amount, balances)
    assert split.covered + split.remainder == amount
    assert split.remainder >= 0


@given(amounts, cards)
def test_no_leg_exceeds_its_cards_balance_and_none_is_empty(amount, balances):
    split = split_amount(amount, balances)
    balance_of = dict(balances)
    for leg in split.legs:
        assert 0 < leg.amount <= balance_of[leg.card_id]


@given(amounts, cards)
def test_cards_cover_the_amount_whenever_their_balances_can(amount, balances):
    split = split_amount(amount, balances)
    assert (split.remainder == 0) == (sum(b for _, b in balances) >= amount)


def test_cards_are_used_in_the_order_picked():
    split = split_amount(10000, [("a", 3650), ("b", 50000), ("c", 100)])
    assert split.legs == (Leg("a", 3650), Leg("b", 6350))
    assert split.remainder == 0


def test_what_cards_cannot_cover_is_the_remainder():
    split = split_amount(10000, [("a", 3650)])
    assert split.legs == (Leg("a", 3650),) and split.remainder == 6350


def test_order_amount_must_be_positive():
    with pytest.raises(ValueError):
        split_amount(0, [("a", 100)])
