"""What a terminal is told about one of its transactions, read from the ledger as it stands."""

from __future__ import annotations

from dataclasses import dataclass, field

from bff.checkout.ledger import Ledger
from bff.checkout.records import Attempt, Checkout
from bff.checkout.states import AttemptStatus, CheckoutStatus, LegStatus
from bff.paycode.redemptions import Redemption, RedemptionState


@dataclass(frozen=True)
class PaidLeg:
    last4: str
    amount: int


@dataclass(frozen=True)
class TillAnswer:
    """SUCCEEDED, FAILED (with a reason the cashier can read), PROCESSING (query again) or CANCELLED."""

    txn_id: str
    status: str
    amount: int
    reason: str | None = None
    waiting_for: str | None = None  # "PIN": the shopper is asked on the phone
    legs: tuple[PaidLeg, ...] = field(default_factory=tuple)
    balance_after: int | None = None

    def as_json(self) -> dict:
        answer: dict = {"txn_id": self.txn_id, "status": self.status, "amount": self.amount}
        if self.reason:
            answer["reason"] = self.reason
        if self.waiting_for:
            answer["waiting_for"] = self.waiting_for
        if self.legs:
            answer["legs"] = [{"last4": leg.last4, "amount": leg.amount} for leg in self.legs]
        if self.balance_after is not None:
            answer["balance_after"] = self.balance_after
        return answer


def asks_again(checkout: Checkout, attempt: Attempt) -> bool:
    """Whether the card system refused the last try as a wrong PIN and the checkout is still open for another.

    The till is told PROCESSING, waiting for the PIN, meanwhile: a wrong PIN is not the end of the payment
    until the shopper's tries are used up (the checkout is then closed) or the shopper or the till says no.
    """
    return (
        attempt.status is AttemptStatus.FAILED
        and attempt.failure == "WRONG_SECRET"
        and checkout.status is CheckoutStatus.OPEN
    )


def refused(txn_id: str, amount: int, reason: str) -> TillAnswer:
    """A redemption refused before any money moved (nothing was written for it)."""
    return TillAnswer(txn_id, "FAILED", amount, reason)


def answer_of(ledger: Ledger, redemption: Redemption) -> TillAnswer:
    """Where the transaction stands; never SUCCEEDED unless the ledger has the card payment as paid."""
    txn, amount = redemption.txn_id, redemption.amount
    if redemption.state is RedemptionState.AWAITING_PIN:
        return TillAnswer(txn, "PROCESSING", amount, waiting_for="PIN")
    if redemption.state is RedemptionState.DECLINED:
        return TillAnswer(txn, "FAILED", amount, "SHOPPER_CANCELLED")
    if redemption.state is RedemptionState.PIN_LOCKED:
        return TillAnswer(txn, "FAILED", amount, "WRONG_SECRET")
    checkout = ledger.checkout_by_order(redemption.merchant_id, redemption.order_id)
    attempt = None if checkout is None else ledger.latest_attempt(checkout.checkout_id)
    if checkout is None or attempt is None:
        if checkout is not None and checkout.status is CheckoutStatus.CANCELLED:
            return TillAnswer(txn, "FAILED", amount, "NOT_STARTED")
        return TillAnswer(txn, "PROCESSING", amount)
    if asks_again(checkout, attempt):
        return TillAnswer(txn, "PROCESSING", amount, waiting_for="PIN")
    legs = ledger.legs(checkout.checkout_id, attempt.seq)
    if attempt.status is AttemptStatus.PAID:
        if legs and all(leg.status is LegStatus.REVERSED for leg in legs):
            return TillAnswer(txn, "CANCELLED", amount)
        return TillAnswer(txn, "SUCCEEDED", amount, legs=tuple(PaidLeg(leg.last4, leg.amount) for leg in legs))
    if attempt.status is AttemptStatus.FAILED:
        return TillAnswer(txn, "FAILED", amount, attempt.failure or "DECLINED")
    return TillAnswer(txn, "PROCESSING", amount)
