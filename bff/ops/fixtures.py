"""Made-up cards, history, checkouts and outcomes the preview renders: plain data, no I/O.

Dates are fixed so a preview looks the same every day; amounts are fen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from bff.cards.models import Card, CardStatus, Transaction, TxnKind
from bff.checkout.choice import Unusable, unusable_reason
from bff.checkout.records import Attempt, Checkout, LegRecord
from bff.checkout.results import Outcome, outcome_of
from bff.checkout.states import AttemptStatus, CheckoutStatus, LegStatus
from bff.merchants.checkout_rules import CheckoutRules
from bff.merchants.model import CardNumberRule, MerchantConfig
from bff.wallet.binding import luhn_ok, number_fits
from bff.wallet.history import Loaded
from bff.wallet.views import CardView, WalletView

NOW = datetime(2025, 6, 1, 6, 30, tzinfo=UTC)
CHECKOUT_ID = "preview"
ORDER_ID = "PV202506010001"
RICH, MODEST = 30_000, 12_000  # the two usable cards' balances
ONE_CARD_AMOUNT = 12_800  # one card covers it
SPLIT_AMOUNT = 36_800  # needs both usable cards
SHORT_AMOUNT = 52_000  # more than both usable cards hold
SIMPLE_NUMBER = re.compile(r"\^([A-Z0-9]*)\\d\{(\d+)\}\$")  # a fixed prefix and n digits, e.g. ^6\d{15}$
FILLER = "3141592653589793238462643383279"


def card_types(config: MerchantConfig) -> list[str]:
    """The merchant's card types, its own ones first and the default face last."""
    faces = list(config.brand.card_faces)
    return [f for f in faces if f != "default"] + ["default"]


def cards(config: MerchantConfig) -> list[Card]:
    """Two usable cards, a frozen one and an expired one, using the merchant's card faces."""
    types = card_types(config)

    def kind(i: int) -> str:
        return types[i % len(types)]

    currency = config.currency
    return [
        Card("pv-card-1", "8016", kind(0), CardStatus.ACTIVE, currency, date(2027, 12, 31), RICH),
        Card("pv-card-2", "4402", kind(1), CardStatus.ACTIVE, currency, None, MODEST),
        Card("pv-card-3", "7731", kind(2), CardStatus.FROZEN, currency, date(2026, 6, 30), 5_000),
        Card("pv-card-4", "2290", kind(0), CardStatus.EXPIRED, currency, date(2025, 1, 31), 1_250),
    ]


def card_views(config: MerchantConfig) -> list[CardView]:
    return [CardView(card, live=True) for card in cards(config)]


def wallet(config: MerchantConfig, state: str) -> WalletView | None:
    """The wallet for a state: cards, empty, one card's balance unavailable, or nothing known at all."""
    views = card_views(config)
    if state == "empty":
        return WalletView((), list_live=True)
    if state == "one_unavailable":
        views[0] = CardView(views[0].card, live=False, known_at=NOW - timedelta(hours=2))
    if state == "down":
        return None
    return WalletView(tuple(views), list_live=True)


def history(state: str) -> Loaded | None:
    """The newest page of a card's transactions; None is what an unavailable card system gives."""
    if state == "history_unavailable":
        return None
    if state == "empty_history":
        return Loaded((), pages=1, more=False)
    moves = [
        ("pv-t5", TxnKind.PAYMENT, -4_280, RICH, timedelta(hours=3)),
        ("pv-t4", TxnKind.REFUND, 1_500, RICH + 4_280, timedelta(days=2)),
        ("pv-t3", TxnKind.PAYMENT, -6_800, RICH + 2_780, timedelta(days=5)),
        ("pv-t2", TxnKind.REVERSAL, 2_000, RICH + 9_580, timedelta(days=9)),
        ("pv-t1", TxnKind.TOPUP, 50_000, RICH + 7_580, timedelta(days=30)),
    ]
    rows = tuple(Transaction(tid, kind, amount, after, NOW - ago, "") for tid, kind, amount, after, ago in moves)
    # where a card system gives them, rows name the store and the order: the preview shows how
    rows = (replace(rows[0], store="静安寺店"), replace(rows[1], order_id="20261125-0001"), *rows[2:])
    return Loaded(rows, pages=1, more=False)


def sample_number(rule: CardNumberRule) -> str:
    """A number that passes the merchant's rule, as a shopper would have typed it ('' if none is easy to make)."""
    found = SIMPLE_NUMBER.fullmatch(rule.pattern)
    if not found or int(found.group(2)) == 0:
        return ""
    number = found.group(1) + FILLER[: int(found.group(2)) - 1]
    number += next(d for d in "0123456789" if not rule.luhn or luhn_ok(number + d))
    return number if number_fits(rule, number) else ""


@dataclass(frozen=True)
class Scenario:
    """An order on the checkout page and the cards picked for it."""

    amount: int
    picked: list[str]


def scenario(rules: CheckoutRules, state: str) -> Scenario:
    """The order and picked cards that show a checkout state under these rules."""
    rich, modest = "pv-card-1", "pv-card-2"
    both = [rich, modest] if rules.max_cards >= 2 else [rich]
    if state == "split":
        return Scenario(SPLIT_AMOUNT, both)
    if state == "remainder":
        return Scenario(SHORT_AMOUNT, both)
    if state in ("pin", "wrong_pin"):
        return Scenario(max(ONE_CARD_AMOUNT, rules.pin.above_amount + 1_000), both)
    below_pin = rules.pin.above_amount if rules.pin.required == "above" else ONE_CARD_AMOUNT
    return Scenario(min(ONE_CARD_AMOUNT, below_pin) or ONE_CARD_AMOUNT, [rich])


def usable_reasons(views: list[CardView]) -> dict[str, Unusable | None]:
    return {v.card.card_id: unusable_reason(v) for v in views}


def checkout(merchant_id: str, currency: str, amount: int, status: CheckoutStatus) -> Checkout:
    return Checkout(CHECKOUT_ID, merchant_id, "preview", ORDER_ID, amount, currency, "", status, NOW.timestamp())


def _leg(position: int, card: Card, amount: int, status: LegStatus, error: str | None = None) -> LegRecord:
    sent = NOW.timestamp()
    return LegRecord(
        f"{CHECKOUT_ID}-1-{position}",
        CHECKOUT_ID,
        1,
        position,
        card.card_id,
        card.last4,
        amount,
        status,
        error,
        0,
        sent,
        0,
        None,
    )


def result(config: MerchantConfig, merchant_id: str, state: str) -> tuple[Checkout, Outcome]:
    """A checkout after one attempt and what it amounts to, by the same rule the real result page uses."""
    rules = config.checkout
    rich, modest = cards(config)[:2]
    two = rules is not None and rules.max_cards >= 2
    amount = SHORT_AMOUNT if state == "partly_paid" else (SPLIT_AMOUNT if two else ONE_CARD_AMOUNT)
    first = min(amount, rich.balance or 0)
    legs = [(rich, first)] + ([(modest, min(amount - first, modest.balance or 0))] if two else [])
    remainder = amount - sum(share for _, share in legs)
    if state in ("paid", "partly_paid"):
        records = [_leg(i, card, share, LegStatus.SUCCEEDED) for i, (card, share) in enumerate(legs)]
        attempt_status, checkout_status, failure = AttemptStatus.PAID, CheckoutStatus.PAID, None
    elif state == "failed":
        # with a split, the first card paid and was given back when the second was refused
        last = len(legs) - 1
        records = [
            _leg(
                i,
                card,
                share,
                LegStatus.FAILED if i == last else LegStatus.REVERSED,
                "INSUFFICIENT_BALANCE" if i == last else None,
            )
            for i, (card, share) in enumerate(legs)
        ]
        attempt_status, checkout_status, failure = AttemptStatus.FAILED, CheckoutStatus.OPEN, "INSUFFICIENT_BALANCE"
    else:
        records = [_leg(i, card, share, LegStatus.PENDING) for i, (card, share) in enumerate(legs)]
        attempt_status, checkout_status, failure = AttemptStatus.PENDING, CheckoutStatus.PENDING, None
    order = checkout(merchant_id, config.currency, amount, checkout_status)
    attempt = Attempt(CHECKOUT_ID, 1, attempt_status, remainder, failure, NOW.timestamp())
    return order, outcome_of(order, attempt, records)
