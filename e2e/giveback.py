"""What a test spent on a deployment, given back: its payments refunded through the host API, its binds undone.

A deployed run shares the merchant's test cards with the next run (and with people): each payment a test
makes is refunded as the host app would (POST /api/v1/refunds), each card it bound is unbound again. What
was given back is said per test (JUnit property and HTML report column `given_back`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from e2e.backends import Backend
from e2e.pages.money import yuan
from e2e.qa_file import TestCard

PROPERTY = "given_back"


@dataclass
class GiveBack:
    backend: Backend
    merchant_id: str
    unbind: Callable[[TestCard], None]  # unbinds a card as the shopper would, in the wallet
    properties: list[tuple[str, object]]  # the test's user_properties: the report says what was given back
    said: list[str] = field(default_factory=list)
    _orders: list[str] = field(default_factory=list)
    _bound: list[TestCard] = field(default_factory=list)

    def paid(self, order_id: str) -> None:
        """An order this test paid (or tried to pay) by card: whatever the cards paid goes back."""
        self._orders.append(order_id)

    def bound(self, card: TestCard) -> None:
        self._bound.append(card)

    def unbound(self, card: TestCard) -> None:
        """The test unbound it itself (its own flow): nothing left to do for it."""
        self._bound.remove(card)
        self._say(f"card …{card.last4} unbound by the test")

    def _say(self, line: str) -> None:
        self.said.append(line)
        self.properties[:] = [p for p in self.properties if p[0] != PROPERTY] + [(PROPERTY, "; ".join(self.said))]

    def now(self) -> list[str]:
        """Refund every order's card payments that are not back yet, unbind every card still bound."""
        while self._orders:
            self._refund(self._orders.pop(0))
        while self._bound:
            card = self._bound.pop(0)
            self.unbind(card)
            self._say(f"card …{card.last4} unbound")
        return self.said

    def _refund(self, order_id: str) -> None:
        api = self.backend.host_api()
        order = api.order(self.merchant_id, order_id)
        if order is None:  # the test stopped before the checkout was opened
            self._say(f"order {order_id}: never opened, nothing taken")
            return
        owed = order["paid_by_cards"] - order["refunded"]
        if owed <= 0:
            self._say(f"order {order_id}: {order['status']}, nothing taken from the cards")
            return
        refund = api.refund(self.merchant_id, order_id, f"{order_id}-back", owed)
        self._say(f"order {order_id}: refunded {yuan(owed)} ({refund['status']})")
