"""The optional short balance cache of the wallet home (issue 12): reused for a few seconds when a merchant allows
it, never at checkout, and never once money moved (pay, refund, reverse, bind, unbind), in any BFF process."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from kabao_testing import (
    checkout_handle,
    handle_in_wallet,
    mint_checkout_token,
    mint_launch_token,
    sandbox_cards,
    text_of,
)

from bff.cards.models import BindRequest, Card, CardStatus, PayRequest
from bff.checkout.ledger import payment_id_for
from bff.store import open_store
from bff.wallet.balance_cache import BalanceCache, MoneyMoved
from bff.wallet.marking_gateway import MarkingGateway

HX = {"HX-Request": "true"}


def allow_cache(config: Path, seconds: int = 10) -> None:
    path = config / "lime-market.yaml"
    path.write_text(path.read_text().replace("  wallet:\n", f"  wallet:\n    balance_cache_seconds: {seconds}\n", 1))


@pytest.fixture
def app(make_app, config):
    """lime-market lets its wallet home reuse a balance for 10 seconds."""
    allow_cache(config)
    return make_app(config)


def gateway_of(app):
    services = app.extensions["kabao"]
    return services.gateways.for_merchant(services.registry.get("lime-market"))


@pytest.fixture
def balance_calls(app, monkeypatch) -> list[str]:
    """The card ids lime's card system is asked the balance of, from now on."""
    calls: list[str] = []
    gateway = gateway_of(app)
    real = gateway.card_detail

    def counted(user_id, card_id):
        calls.append(card_id)
        return real(user_id, card_id)

    monkeypatch.setattr(gateway, "card_detail", counted)
    return calls


def rich(card_system) -> dict:
    return next(c for c in sandbox_cards(card_system, "lime", user_id="u1001") if c["balance"] == 50000)


def wallet_card(client, handle: str):
    """What the wallet home's card loads by itself."""
    return client.get(f"/wallet/cards/{handle}?list=1", headers=HX)


def rich_handle(client, card_system) -> str:
    client.get("/wallet?js=0")  # the cards are remembered
    return handle_in_wallet(client.get("/wallet").get_data(as_text=True), rich(card_system)["card_number"][-4:])


def pay(client, card_system, amount: int, last4: str) -> str:
    """Pay `amount` with this card through the checkout; the checkout id."""
    secret = client.application.config["KABAO_HOST_SECRET"]
    token = mint_checkout_token(
        secret, "u1001", "lime-market", f"C-{uuid.uuid4().hex[:8]}", amount, f"{card_system.url}/sim/return"
    )
    path = client.get(f"/checkout?token={token}").headers["Location"]
    html = client.get(f"{path}?js=0").get_data(as_text=True)
    form = {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
        "attempt": "1",
        "card": checkout_handle(html, last4),
    }
    assert client.post(f"{path}/pay", data=form).status_code == 303
    assert "支付成功" in text_of(client.get(f"{path}/result"))
    return path.rsplit("/", 1)[1]


def test_two_wallet_visits_make_one_balance_call(client, launch, card_system, balance_calls):
    launch()
    card = rich(card_system)
    handle = rich_handle(client, card_system)  # the first visit asks
    first, second = wallet_card(client, handle), wallet_card(client, handle)
    assert "¥500.00" in text_of(first) and "¥500.00" in text_of(second)
    assert balance_calls.count(card["card_id"]) == 1


def test_the_complete_wallet_reuses_them_too(client, launch, card_system, balance_calls):
    launch()
    client.get("/wallet?js=0")
    asked = len(balance_calls)
    assert "¥500.00" in text_of(client.get("/wallet?js=0"))
    assert asked and len(balance_calls) == asked


def test_after_a_payment_the_next_visit_asks_again_and_shows_the_new_balance(
    client, launch, card_system, balance_calls
):
    launch()
    card = rich(card_system)
    handle = rich_handle(client, card_system)
    wallet_card(client, handle)
    pay(client, card_system, 12800, card["card_number"][-4:])
    launch()  # back to the wallet from the app
    balance_calls.clear()
    after = wallet_card(client, handle)
    assert "¥372.00" in text_of(after) and balance_calls == [card["card_id"]]


def test_after_a_reverse_or_a_refund_the_next_visit_asks_again(app, client, launch, card_system, balance_calls):
    launch()
    card = rich(card_system)
    last4, handle = card["card_number"][-4:], rich_handle(client, card_system)
    # every reverse and refund (checkout, host API, ops after-sales, the worker) goes through the merchant's gateway
    voided = pay(client, card_system, 12800, last4)
    launch()
    assert "¥372.00" in text_of(wallet_card(client, handle))
    gateway_of(app).reverse(payment_id_for(voided, 1, 1))
    balance_calls.clear()
    assert "¥500.00" in text_of(wallet_card(client, handle)) and len(balance_calls) == 1
    refunded = pay(client, card_system, 12800, last4)
    launch()
    assert "¥372.00" in text_of(wallet_card(client, handle))
    gateway_of(app).refund(payment_id_for(refunded, 1, 1), f"r-{uuid.uuid4().hex[:6]}", 2800)
    balance_calls.clear()
    assert "¥400.00" in text_of(wallet_card(client, handle)) and len(balance_calls) == 1


def test_binding_or_unbinding_a_card_voids_the_kept_balances(app, client, launch, card_system, balance_calls):
    launch()
    handle = rich_handle(client, card_system)
    wallet_card(client, handle)
    spare = next(c for c in sandbox_cards(card_system, "lime") if c["user_id"] is None and c["status"] == "ACTIVE")
    gateway_of(app).bind(BindRequest("u1001", spare["card_number"], secret=spare["secret"]))
    balance_calls.clear()
    wallet_card(client, handle)
    assert len(balance_calls) == 1
    wallet_card(client, handle)
    assert len(balance_calls) == 1  # kept again
    gateway_of(app).unbind("u1001", spare["card_id"])
    wallet_card(client, handle)
    assert len(balance_calls) == 2


def test_the_checkout_always_asks_the_card_system(client, launch, card_system, balance_calls):
    launch()
    handle = rich_handle(client, card_system)
    wallet_card(client, handle)
    secret = client.application.config["KABAO_HOST_SECRET"]
    token = mint_checkout_token(secret, "u1001", "lime-market", "K-1", 100, f"{card_system.url}/sim/return")
    path = client.get(f"/checkout?token={token}").headers["Location"]
    balance_calls.clear()
    client.get(f"{path}/cards", headers=HX)
    assert rich(card_system)["card_id"] in balance_calls


def test_the_pay_code_always_asks_the_card_system(client, launch, card_system, balance_calls):
    launch()
    handle = rich_handle(client, card_system)
    wallet_card(client, handle)
    balance_calls.clear()
    assert client.get("/paycode").status_code == 200
    assert rich(card_system)["card_id"] in balance_calls


def test_a_card_page_and_its_retry_always_ask(client, launch, card_system, balance_calls):
    launch()
    handle = rich_handle(client, card_system)
    wallet_card(client, handle)
    balance_calls.clear()
    client.get(f"/wallet/cards/{handle}", headers=HX)  # the card page's retry: not the wallet home
    assert len(balance_calls) == 1


def test_a_payment_in_another_process_voids_what_this_one_kept(make_app, config, launch, card_system, client):
    """Two BFF processes share the store: one pays, the other's next wallet visit asks again."""
    other = make_app(config).test_client()  # the same store and ledger, another app
    launch()
    card = rich(card_system)
    handle = rich_handle(client, card_system)
    assert "¥500.00" in text_of(wallet_card(client, handle))
    pay(other, card_system, 12800, card["card_number"][-4:])  # the shopper's payment, served by the other process
    assert "¥372.00" in text_of(wallet_card(client, handle))


def test_off_by_default(make_app, card_system, monkeypatch):
    client = make_app().test_client()  # the merchant files as shipped
    calls: list[str] = []
    gateway = gateway_of(client.application)
    real = gateway.card_detail
    monkeypatch.setattr(gateway, "card_detail", lambda u, c: calls.append(c) or real(u, c))
    secret = client.application.config["KABAO_HOST_SECRET"]
    client.get(f"/launch?token={mint_launch_token(secret, 'u1001', 'lime-market')}")
    handle = rich_handle(client, card_system)
    calls.clear()
    wallet_card(client, handle)
    wallet_card(client, handle)
    assert len(calls) == 2


def test_a_balance_read_while_a_payment_runs_is_not_reused_after_it(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite3'}")
    moved = MoneyMoved(store, "test-secret")
    cache = BalanceCache(store, "test-secret", moved)
    before = Card("c1", "0001", "gift", CardStatus.ACTIVE, "CNY", None, balance=50000)

    seen_while_paying = []

    class CardSystem:
        def pay(self, request):
            # a wallet visit in another tab, while the charge is on its way: it asks, and reads the old balance
            kept, marks = cache.look("lime-market", "u1", "c1", "h1", 30)
            seen_while_paying.append(kept)
            cache.keep("lime-market", "u1", "h1", before, marks, 30)
            return "paid"

    _, marks = cache.look("lime-market", "u1", "c1", "h1", 30)
    cache.keep("lime-market", "u1", "h1", before, marks, 30)  # kept before the payment

    gateway = MarkingGateway(CardSystem(), "lime-market", moved, owner=lambda payment_id: None)
    gateway.pay(PayRequest("kb-x-1-1", "u1", "c1", "O-1", 100, "CNY"))
    assert seen_while_paying == [None]  # not reused once the charge was on its way
    assert cache.look("lime-market", "u1", "c1", "h1", 30)[0] is None
    _, marks = cache.look("lime-market", "u1", "c1", "h1", 30)
    cache.keep("lime-market", "u1", "h1", before, marks, 30)  # read after the payment: reused until money moves
    assert cache.look("lime-market", "u1", "c1", "h1", 30)[0] == before
    store.close()
