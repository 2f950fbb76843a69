"""What the ledger holds: checkouts, their attempts, and each attempt's legs (one per card)."""

from __future__ import annotations

from dataclasses import dataclass

from bff.checkout.states import AttemptStatus, CheckoutStatus, LegStatus


@dataclass(frozen=True)
class Checkout:
    checkout_id: str
    merchant_id: str
    user_id: str
    order_id: str
    amount: int
    currency: str
    return_url: str
    status: CheckoutStatus
    created_at: float


@dataclass(frozen=True)
class Attempt:
    checkout_id: str
    seq: int
    status: AttemptStatus
    remainder: int
    failure: str | None
    created_at: float


@dataclass(frozen=True)
class LegRecord:
    payment_id: str
    checkout_id: str
    seq: int
    position: int
    card_id: str
    last4: str
    amount: int
    status: LegStatus
    error_code: str | None
    refunded: int
    sent_at: float | None
    queries: int
    next_query_at: float | None
    watch_until: float | None = None  # set when the leg was judged NOT_FOUND: watched for a late charge till then

    @property
    def late(self) -> bool:
        """Charged (or given back) after we had judged it never seen: a late charge."""
        return self.watch_until is not None and self.status in (LegStatus.SUCCEEDED, LegStatus.REVERSED)


@dataclass(frozen=True)
class PlannedLeg:
    card_id: str
    last4: str
    amount: int


class OrderMismatch(Exception):
    """The same order id came back with another amount, shopper or currency."""


class AttemptRefused(ValueError):
    """No attempt can start: the checkout was closed (e.g. in another tab) before any attempt was made."""
