"""A card gateway that marks "money moved" around every call that moves money or changes a shopper's cards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bff.cards.gateway import CardGateway
from bff.cards.models import BindRequest, Card, Payment, PayRequest, SmsSent, TransactionPage
from bff.merchants.loader import Merchant
from bff.wallet.balance_cache import MoneyMoved

# whose money a payment id moves: (user id, card id), or None when no ledger row names it
Owner = Callable[[str], tuple[str, str] | None]


class MarkingGateway(CardGateway):
    """Delegates every call; pay, reverse, refund, bind, unbind and lost reports mark before and after.

    Before: a balance kept while the call runs is not reused. After: nor is one read meanwhile.
    """

    def __init__(self, inner: CardGateway, merchant_id: str, moved: MoneyMoved, owner: Owner) -> None:
        self.inner = inner
        self.merchant_id = merchant_id
        self.moved = moved
        self.owner = owner

    @contextmanager
    def _marked(self, user_id: str | None, card_ids: list[str]) -> Iterator[None]:
        self.moved.mark(self.merchant_id, user_id, card_ids)
        try:
            yield
        finally:
            self.moved.mark(self.merchant_id, user_id, card_ids)

    def _by_payment(self, payment_id: str):  # noqa: ANN202 - a context manager
        found = self.owner(payment_id)
        return self._marked(None, []) if found is None else self._marked(found[0], [found[1]])

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)  # what an adapter offers beyond the port (its client, say)

    def close(self) -> None:
        self.inner.close()

    def supports(self, operation: str) -> bool:
        return self.inner.supports(operation)

    def give_back_by(self, age_seconds: float | None) -> str | None:
        return self.inner.give_back_by(age_seconds)

    def report_lost(self, user_id: str, card_id: str, secret: str) -> None:
        with self._marked(user_id, [card_id]):
            self.inner.report_lost(user_id, card_id, secret)

    def bind(self, request: BindRequest) -> Card:
        with self._marked(request.user_id, []):
            card = self.inner.bind(request)
        self.moved.mark(self.merchant_id, request.user_id, [card.card_id])
        return card

    def list_cards(self, user_id: str) -> list[Card]:
        return self.inner.list_cards(user_id)

    def card_detail(self, user_id: str, card_id: str) -> Card:
        return self.inner.card_detail(user_id, card_id)

    def transactions(self, user_id: str, card_id: str, cursor: str | None, limit: int) -> TransactionPage:
        return self.inner.transactions(user_id, card_id, cursor, limit)

    def unbind(self, user_id: str, card_id: str) -> None:
        with self._marked(user_id, [card_id]):
            self.inner.unbind(user_id, card_id)

    def send_sms_code(self, user_id: str, card_number: str) -> SmsSent:
        return self.inner.send_sms_code(user_id, card_number)

    def pay(self, request: PayRequest) -> Payment:
        with self._marked(request.user_id, [request.card_id]):
            return self.inner.pay(request)

    def payment_status(self, payment_id: str) -> Payment | None:
        return self.inner.payment_status(payment_id)

    def reverse(self, payment_id: str) -> Payment:
        with self._by_payment(payment_id):
            return self.inner.reverse(payment_id)

    def refund(self, payment_id: str, refund_id: str, amount: int) -> Payment:
        with self._by_payment(payment_id):
            return self.inner.refund(payment_id, refund_id, amount)


def marking(moved: MoneyMoved, ledger: Any) -> Callable[[Merchant, CardGateway], CardGateway]:
    """What Gateways puts around each merchant's gateway; whose money a payment id moves comes from the ledger's
    leg and checkout (duck-typed: wallet code doesn't import checkout code)."""

    def owner(payment_id: str) -> tuple[str, str] | None:
        leg = ledger.leg(payment_id)
        checkout = None if leg is None else ledger.checkout(leg.checkout_id)
        return None if checkout is None else (checkout.user_id, leg.card_id)

    return lambda merchant, gateway: MarkingGateway(gateway, merchant.id, moved, owner)
