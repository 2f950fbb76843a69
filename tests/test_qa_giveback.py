"""A deployed test gives back what it spent even when it stops half-way: its payments refunded, its binds undone."""

from __future__ import annotations

from e2e.giveback import PROPERTY, GiveBack
from e2e.qa_file import TestCard

CARD = TestCard("6012345678909012", "105726", None, None, bound=False, pay_up_to=0, lock_after=None)


class FakeHostApi:
    """Orders as the host API would answer them, and the refunds asked for."""

    def __init__(self, orders: dict[str, dict]) -> None:
        self.orders = orders
        self.refunds: list[tuple[str, str, int]] = []

    def order(self, merchant_id: str, order_id: str) -> dict | None:
        return self.orders.get(order_id)

    def refund(self, merchant_id: str, order_id: str, refund_id: str, amount: int) -> dict:
        self.refunds.append((order_id, refund_id, amount))
        return {"refund_id": refund_id, "amount": amount, "status": "SUCCEEDED"}


class FakeBackend:
    def __init__(self, api: FakeHostApi) -> None:
        self.api = api

    def host_api(self) -> FakeHostApi:
        return self.api


def test_what_the_cards_paid_and_is_not_back_yet_is_refunded_and_a_bound_card_unbound():
    api = FakeHostApi({"E2E-1": {"status": "PARTLY_PAID", "paid_by_cards": 300, "refunded": 100}})
    unbound: list[str] = []
    properties: list[tuple[str, object]] = []
    spent = GiveBack(FakeBackend(api), "lime-market", lambda card: unbound.append(card.last4), properties)
    spent.paid("E2E-1")
    spent.bound(CARD)

    said = spent.now()

    assert api.refunds == [("E2E-1", "E2E-1-back", 200)]
    assert unbound == ["9012"]
    assert said == ["order E2E-1: refunded ¥2.00 (SUCCEEDED)", "card …9012 unbound"]
    assert properties == [(PROPERTY, "order E2E-1: refunded ¥2.00 (SUCCEEDED); card …9012 unbound")]
    assert spent.now() == said and api.refunds == [("E2E-1", "E2E-1-back", 200)]  # once only


def test_an_order_never_opened_or_never_charged_costs_no_refund():
    api = FakeHostApi({"E2E-2": {"status": "FAILED", "paid_by_cards": 0, "refunded": 0}})
    spent = GiveBack(FakeBackend(api), "lime-market", lambda card: None, [])
    spent.paid("E2E-2")
    spent.paid("E2E-3")  # the test stopped before the checkout opened

    said = spent.now()

    assert api.refunds == []
    assert said == ["order E2E-2: FAILED, nothing taken from the cards", "order E2E-3: never opened, nothing taken"]


def test_a_card_the_test_unbound_itself_is_not_unbound_again():
    unbound: list[str] = []
    spent = GiveBack(FakeBackend(FakeHostApi({})), "lime-market", lambda card: unbound.append(card.last4), [])
    spent.bound(CARD)
    spent.unbound(CARD)

    assert spent.now() == ["card …9012 unbound by the test"]
    assert unbound == []
