"""Checkout requests a shopper (or a confused tab) can send that must answer a clear page, never a 500."""

from __future__ import annotations

import uuid

import pytest
from kabao_testing import mint_checkout_token, text_of
from test_checkout import Shopper, cards_of

from bff.checkout.states import CheckoutStatus


@pytest.fixture
def shop(app, client, card_system):
    return lambda **kw: Shopper(app, client, card_system, **kw)


@pytest.mark.parametrize("attempt", ["2", "7", str(10**30), "0", "-1"])
def test_an_attempt_that_is_not_the_next_one_is_refused_with_a_fresh_form(shop, card_system, attempt):
    card = cards_of(card_system, "lime-market")[50000]
    shopper = shop()
    response = shopper.pay([card["card_id"]], attempt=attempt)
    assert response.status_code == 409
    page = text_of(response)
    assert "页面已过期" in page and 'name="attempt" value="1"' in response.get_data(as_text=True)
    assert shopper.payments() == []
    shopper.page = response  # the fresh form pays as usual
    assert shopper.pay([card["card_id"]]).status_code == 303
    assert [p["amount"] for p in shopper.payments()] == [12800]


def test_an_attempt_that_is_not_a_number_is_a_bad_request(shop, card_system):
    card = cards_of(card_system, "lime-market")[50000]
    shopper = shop()
    response = shopper.pay([card["card_id"]], attempt="1e3")
    assert response.status_code == 400 and "请求有误" in text_of(response)
    assert shopper.payments() == []


def _stale_once(monkeypatch, obj, name, value):
    """The next call of obj.name answers `value`, as a read made just before another tab wrote would."""
    original = getattr(obj, name)
    calls = []

    def stale(*args, **kwargs):
        calls.append(1)
        return value(*args, **kwargs) if len(calls) == 1 else original(*args, **kwargs)

    monkeypatch.setattr(obj, name, stale)


def test_a_cancel_in_another_tab_while_this_one_pays_shows_the_result(shop, card_system, monkeypatch):
    card = cards_of(card_system, "lime-market")[50000]
    shopper = shop()
    ledger = shopper.app.extensions["kabao"].ledger
    checkout = ledger.checkout_by_order("lime-market", shopper.order_id)
    # the other tab's "back to the app" lands after this tab read the checkout as open
    ledger.close_checkout(checkout.checkout_id, CheckoutStatus.CANCELLED)
    _stale_once(monkeypatch, ledger, "checkout", lambda _cid: checkout)
    response = shopper.pay([card["card_id"]])
    assert response.status_code == 303 and response.headers["Location"].endswith("/result")
    assert shopper.payments() == []
    monkeypatch.undo()
    assert "已取消" in text_of(shopper.result())


def test_a_double_tap_that_lands_after_the_first_paid_shows_the_result(shop, card_system, monkeypatch):
    card = cards_of(card_system, "lime-market")[3650]
    shopper = shop(amount=3650)  # the order takes the whole balance
    ledger = shopper.app.extensions["kabao"].ledger
    before = ledger.checkout_by_order("lime-market", shopper.order_id)
    data = {"csrf_token": shopper.csrf(), "attempt": shopper.attempt(), "card": [shopper.handle(card["card_id"])]}
    assert shopper.client.post(f"{shopper.path}/pay", data=data).status_code == 303
    # the second tap read the ledger before the first tap wrote; by the time it looks, the card is empty
    _stale_once(monkeypatch, ledger, "checkout", lambda _cid: before)
    _stale_once(monkeypatch, ledger, "attempts", lambda _cid: [])
    second = shopper.client.post(f"{shopper.path}/pay", data=data)
    assert second.status_code == 303 and second.headers["Location"].endswith("/result"), text_of(second)
    monkeypatch.undo()
    assert "支付成功" in text_of(shopper.result())
    assert len(shopper.payments()) == 1


@pytest.mark.parametrize("amount", [10**20, 2**63, -100, 0, 12.5, "12800", None, True])
def test_a_checkout_token_with_an_impossible_amount_is_refused(app, client, card_system, amount):
    token = mint_checkout_token(
        app.config["KABAO_HOST_SECRET"],
        "u1001",
        "lime-market",
        f"O-{uuid.uuid4().hex[:8]}",
        amount,
        f"{card_system.url}/sim/return",
    )
    response = client.get(f"/checkout?token={token}")
    assert response.status_code == 400
    assert "链接无效" in text_of(response) or "无效" in text_of(response)
