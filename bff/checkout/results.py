"""What a checkout amounts to, for the result page and for the host app."""

from __future__ import annotations

from dataclasses import dataclass

from bff.checkout.records import Attempt, Checkout, LegRecord
from bff.checkout.states import AttemptStatus, CheckoutStatus, LegStatus


@dataclass(frozen=True)
class Outcome:
    status: str  # PAID, PARTLY_PAID, FAILED, PENDING, CANCELLED, OPEN
    paid_by_cards: int
    remainder: int
    legs: tuple[LegRecord, ...]
    failure: str | None


def outcome_of(checkout: Checkout, attempt: Attempt | None, legs: list[LegRecord]) -> Outcome:
    """Never says paid unless every leg of the attempt is confirmed by its card system."""
    mine = tuple(leg for leg in legs if attempt is not None and leg.seq == attempt.seq)
    paid = sum(leg.amount for leg in mine if leg.status is LegStatus.SUCCEEDED)
    if attempt is None:
        status = "CANCELLED" if checkout.status is CheckoutStatus.CANCELLED else "OPEN"
        return Outcome(status, 0, checkout.amount, mine, None)
    if attempt.status is AttemptStatus.PAID:
        status = "PARTLY_PAID" if attempt.remainder else "PAID"
        return Outcome(status, paid, attempt.remainder, mine, None)
    if attempt.status is AttemptStatus.FAILED:
        return Outcome("FAILED", 0, checkout.amount, mine, attempt.failure)
    return Outcome("PENDING", 0, checkout.amount, mine, None)


def host_result(checkout: Checkout, outcome: Outcome) -> dict[str, object]:
    """The signed payload the host app gets back (docs/host-app-contract.md)."""
    status = outcome.status
    if status == "OPEN":
        status = "CANCELLED"
    return {
        "order_id": checkout.order_id,
        "mch": checkout.merchant_id,
        "sub": checkout.user_id,
        "checkout_id": checkout.checkout_id,
        "status": status,
        "amount": checkout.amount,
        "paid_by_cards": outcome.paid_by_cards,
        "remainder": outcome.remainder if status in ("PAID", "PARTLY_PAID") else checkout.amount,
    }


def order_status(checkout: Checkout, outcome: Outcome, legs: list[LegRecord], refunded: int) -> dict[str, object]:
    """The order as the host app's status API and notifications show it (docs/host-app-contract.md)."""
    status = "CANCELLED" if outcome.status == "OPEN" else outcome.status
    late = [leg for leg in legs if leg.late]
    return {
        "order_id": checkout.order_id,
        "status": status,
        "amount": checkout.amount,
        "paid_by_cards": outcome.paid_by_cards,
        "remainder": outcome.remainder if status in ("PAID", "PARTLY_PAID") else checkout.amount,
        "refunded": refunded,
        "late_charges": [
            {
                "last4": leg.last4,
                "amount": leg.amount,
                "status": "GIVEN_BACK" if leg.status is LegStatus.REVERSED else "CHARGED",
            }
            for leg in late
        ],
    }
