"""The flows QA run against any deployment (`--kabao-mode=deployed`, docs/qa.md), and in sandbox mode once.

They reach the world only through e2e/backends.py: test shoppers and cards from the QA file (or the sandbox's
seed), tokens signed as the host app would, money checked by what the wallet and the order-status API say.
Each gives back what it spent (given_back): payments refunded through the host API, bound cards unbound.
In sandbox mode test_bind, test_card and test_checkout cover these flows in depth, for every merchant, with
the sandbox's own records; here they run for the first merchant only.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from e2e.backends import Backend
from e2e.cardnumbers import other_than, unknown_number
from e2e.flows import balance, open_wallet, pay_with_only
from e2e.giveback import PROPERTY, GiveBack
from e2e.merchants import Merchant
from e2e.modes import deployed, qa_file
from e2e.pages import HostApp
from e2e.pages.host_app import new_order_id
from e2e.pages.htmx import expect_settled
from e2e.pages.money import AMOUNT, yuan
from e2e.wrong_tries import WrongTries

pytestmark = [pytest.mark.deployed, pytest.mark.any_merchant]
ORDER = 100  # ¥1.00, or less if the card may pay less: a test card's money is the merchant's


def test_the_wallet_shows_the_test_shoppers_cards_with_balances(
    host_app: HostApp, backend: Backend, merchant: Merchant, need: Any, key_page: Any, request: pytest.FixtureRequest
) -> None:
    wallet = need(lambda: open_wallet(host_app, backend, merchant))
    held = need(lambda: backend.bound_cards(merchant.id))
    assert held, f"{merchant.id}: the test shopper holds no test card (bound: true)"
    for card in held:
        if card.pay_up_to > 0:  # usable: listed with its balance
            expect(wallet.card(card.last4)).to_be_visible()
            expect(wallet.balance(card.last4)).to_have_text(AMOUNT)
        elif merchant.shows_unusable_cards:  # frozen, expired or just not for paying: listed all the same
            expect(wallet.card(card.last4)).to_be_visible()
    request.node.user_properties.append((PROPERTY, "nothing spent"))
    key_page("wallet")


def test_bind_a_test_card_then_unbind_it(
    host_app: HostApp, backend: Backend, merchant: Merchant, need: Any, given_back: GiveBack, key_page: Any
) -> None:
    if not merchant.unbind:
        pytest.skip(f"{merchant.id}: unbind is off, so a card bound here could not be given back")
    card = need(lambda: backend.bindable_card(merchant.id))
    read_sms = need(lambda: backend.sms_reader(merchant.id)) if merchant.bind_method == "sms" else None
    wallet = need(lambda: open_wallet(host_app, backend, merchant))
    bind = wallet.open_bind(read_sms)
    given_back.bound(card)  # from the moment it may be bound
    bind.bind(card.number, card.secret)

    wallet.expect_loaded()
    expect(wallet.message("bind.done", last4=card.last4)).to_be_visible()
    expect(wallet.balance(card.last4)).to_have_text(AMOUNT)
    key_page("bound")
    card_page = wallet.open_card(card.last4)
    card_page.ask_to_unbind(card.last4)
    card_page.confirm_unbind()

    wallet.expect_loaded()
    expect(wallet.message("unbind.done", last4=card.last4)).to_be_visible()
    expect(wallet.card(card.last4)).to_have_count(0)
    given_back.unbound(card)
    expect_settled(wallet.page)
    key_page("unbound")


def test_a_wrong_secret_is_refused_one_short_of_any_lock(
    host_app: HostApp,
    backend: Backend,
    merchant: Merchant,
    need: Any,
    pytestconfig: pytest.Config,
    key_page: Any,
    request: pytest.FixtureRequest,
) -> None:
    card = need(lambda: backend.bindable_card(merchant.id))
    read_sms = need(lambda: backend.sms_reader(merchant.id)) if merchant.bind_method == "sms" else None
    if merchant.bind_method != "number_only":  # a wrong number instead: no card's tries are spent
        attempts, window = merchant.wrong_secret_per_card
        limit = min(attempts, card.lock_after or attempts)
        kept = qa_file(pytestconfig).path.with_suffix(".wrong-tries.json") if deployed(pytestconfig) else None
        too_close = WrongTries(kept).take_one(f"{merchant.id}:…{card.last4}", limit, window)
        if too_close:
            pytest.skip(too_close)
    wallet = need(lambda: open_wallet(host_app, backend, merchant))
    bind = wallet.open_bind(read_sms)

    if merchant.bind_method == "password":
        bind.bind(card.number, other_than(card.secret))
    elif merchant.bind_method == "sms":
        bind.sms_code.fill(other_than(bind.send_code(card.number)))
        bind.submit.click()
    else:
        taken = {c.number for c in backend.bound_cards(merchant.id)} | {card.number}
        bind.bind(unknown_number(merchant.card_number, card.number, taken))

    expect(bind.problem).to_have_text(bind.no_match_message)
    if bind.secret_field() is not None:
        expect(bind.secret_field()).to_have_value("")
    key_page("refused")
    spent = f"nothing spent: one wrong {merchant.bind_method} try at …{card.last4}"
    request.node.user_properties.append((PROPERTY, spent))
    wallet = open_wallet(host_app, backend, merchant)
    expect(wallet.card(card.last4)).to_have_count(0)


def test_pay_then_refund_gives_the_money_back(
    host_app: HostApp, backend: Backend, merchant: Merchant, need: Any, given_back: GiveBack, key_page: Any
) -> None:
    if merchant.checkout is None:
        pytest.skip(f"{merchant.id}: checkout is off")
    if not merchant.refunds:
        pytest.skip(f"{merchant.id}: its card system has no refund, so a payment here could not be given back")
    card = need(lambda: backend.payable_card(merchant.id))
    api = need(backend.host_api)
    amount = min(ORDER, card.pay_up_to)
    if merchant.checkout.pin_needed(amount) and card.pin is None:
        pytest.skip(f"{merchant.id}: checkout asks a PIN for {yuan(amount)} and card …{card.last4} has none (pin)")
    shopper = backend.shopper(merchant.id)
    before = balance(need(lambda: open_wallet(host_app, backend, merchant)), card)
    order_id = new_order_id()
    link = need(lambda: backend.checkout_url(merchant.id, shopper, amount, order_id, "zh-CN"))
    checkout = host_app.follow_checkout_link(link, merchant, order_id)
    pay_with_only(checkout, card)
    if merchant.checkout.pin_needed(amount):
        checkout.fill_pins({card.last4: card.pin})
    given_back.paid(order_id)  # from the moment money may move
    result = checkout.pay()

    result.expect_status("PAID")
    result.expect_paid_legs([(card.last4, amount)])
    key_page("paid")
    order = api.order(merchant.id, order_id)
    assert order, f"the order-status API does not know {order_id}"
    assert (order["status"], order["paid_by_cards"], order["refunded"]) == ("PAID", amount, 0)
    assert balance(open_wallet(host_app, backend, merchant), card) == before - amount
    assert backend.recorded_balance(merchant.id, card) in (None, before - amount)  # the sandbox's own record

    given_back.now()
    order = api.order(merchant.id, order_id)
    assert (order["status"], order["refunded"]) == ("PAID", amount), order
    wallet = open_wallet(host_app, backend, merchant)
    assert balance(wallet, card) == before, "the refund did not reach the card"
    assert backend.recorded_balance(merchant.id, card) in (None, before)
    key_page("given back")
