"""Give back what the check spent on the provider's test cards, and say so line by line."""

from __future__ import annotations

from dataclasses import dataclass, field

from bff.cards.errors import CardSystemError, CardSystemUnavailable
from bff.cards.gateway import CardGateway
from bff.cards.models import PaymentStatus
from bff.connector.rows import PASS, WRONG, Row


@dataclass
class Spending:
    """What the check charged, by payment id, and what it has given back so far."""

    charged: dict[str, int] = field(default_factory=dict)
    given: dict[str, int] = field(default_factory=dict)
    untracked: int = 0  # charged with no payment of its own (a duplicate charged twice): can't be given back
    maybe: dict[str, int] = field(default_factory=dict)  # outcome unknown when paid: asked again at the end

    def charge(self, payment_id: str, amount: int) -> None:
        self.charged[payment_id] = amount

    def give(self, payment_id: str, amount: int) -> None:
        self.given[payment_id] = self.given.get(payment_id, 0) + amount

    @property
    def spent(self) -> int:
        return sum(self.charged.values()) + self.untracked

    @property
    def back(self) -> int:
        return sum(self.given.values())


def _give_back_one(gateway: CardGateway, payment_id: str, left: int, refunded: int) -> str:
    if gateway.supports("reverse") and refunded == 0:
        gateway.reverse(payment_id)
        return "reversed"
    if gateway.supports("refund"):
        gateway.refund(payment_id, f"{payment_id}-back", left)
        return "refunded"
    raise CardSystemUnavailable("neither reverse nor refund is offered")


def give_back(gateway: CardGateway, spending: Spending) -> list[Row]:
    """Reverse (or refund) every payment still holding money; a line for each, then the sum."""
    rows = []
    for payment_id, amount in spending.maybe.items():
        try:
            known = gateway.payment_status(payment_id)
        except (CardSystemError, CardSystemUnavailable):
            known = None  # still unknown: the summary says what could not be given back
            rows.append(Row(f"give back {payment_id}", "its outcome known", WRONG, "outcome unknown", False))
        if known is not None and known.status in (PaymentStatus.SUCCEEDED, PaymentStatus.PROCESSING):
            spending.charge(payment_id, amount)
    for payment_id, amount in spending.charged.items():
        left = amount - spending.given.get(payment_id, 0)
        if left <= 0:
            continue
        row = Row(f"give back {payment_id}", f"{left} fen back on the card", required=False)
        rows.append(row)
        try:
            known = gateway.payment_status(payment_id)
            if known is not None and known.status in (PaymentStatus.REVERSED, PaymentStatus.FAILED):
                spending.give(payment_id, left)
                row.outcome, row.received = PASS, f"already {known.status}"
                continue
            refunded = known.refunded_amount if known is not None else 0
            how = _give_back_one(gateway, payment_id, left, refunded)
        except (CardSystemError, CardSystemUnavailable) as exc:
            row.outcome, row.received = WRONG, f"not given back: {exc}"
            continue
        spending.give(payment_id, left)
        row.outcome, row.received = PASS, f"{how} {left} fen"
    return rows


def summary(spending: Spending, start: int | None, end: int | None) -> Row:
    """The last line: spent X fen, gave back Y fen, and whether the balance says the same."""
    row = Row("give back", "everything spent given back", required=False)
    text = f"spent {spending.spent} fen, gave back {spending.back} fen"
    if spending.untracked:
        text += f" ({spending.untracked} fen charged without a payment of its own)"
    if start is not None and end is not None:
        text += f"; balance {end} fen, {start} fen at the start"
    whole = spending.back == spending.spent and (start is None or end is None or start == end)
    row.outcome, row.received = (PASS if whole else WRONG), text
    return row
