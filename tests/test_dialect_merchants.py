"""Merchants on legacy dialects work end to end through the BFF: wallet, bind, history, pay."""

from __future__ import annotations

import logging

import pytest
import requests
from kabao_testing import add_fault, card_path, csrf_token, sandbox_cards, text_of, wait_for
from test_checkout import Shopper

SYSTEMS: dict[str, str] = {
    "olive-fresh": "olive",
    "maple-cinema": "maple",
    "birch-tea": "birch",
    "cedar-noodles": "cedar",
    "aspen-fitness": "aspen",
    "willow-mall": "willow",
    "jade-pharmacy": "jade",
}


@pytest.mark.parametrize("merchant", SYSTEMS)
def test_wallet_shows_live_balances(client, launch, card_system, merchant):
    launch(merchant_id=merchant)
    page = text_of(client.get("/wallet?js=0"))
    assert "¥500.00" in page and "¥36.50" in page and "余额暂时无法获取" not in page


@pytest.mark.parametrize("merchant", SYSTEMS)
def test_bind_with_the_merchants_method(client, launch, card_system, merchant):
    system = SYSTEMS[merchant]
    launch(merchant_id=merchant)
    card = next(c for c in sandbox_cards(card_system, system, bound="0") if c["status"] == "ACTIVE")
    form = {"csrf_token": csrf_token(client, "/bind"), "card_number": card["card_number"]}
    if merchant == "maple-cinema":
        client.post("/bind", data={**form, "action": "send_code"})
        code = requests.get(
            f"{card_system.url}/_sandbox/sms", params={"system": system, "card_number": card["card_number"]}, timeout=5
        ).json()["code"]
        form |= {"sms_code": code, "action": "bind"}
    else:
        form["secret"] = card["secret"]
    assert client.post("/bind", data=form).status_code == 303
    owner = next(c["user_id"] for c in sandbox_cards(card_system, system) if c["card_id"] == card["card_id"])
    assert owner == "u1001"


@pytest.mark.parametrize(
    ("merchant", "history"),
    [
        ("olive-fresh", True),
        ("maple-cinema", True),
        ("birch-tea", False),
        ("cedar-noodles", True),
        ("aspen-fitness", True),
        ("willow-mall", True),
        ("jade-pharmacy", True),
    ],
)
def test_history_is_shown_only_where_the_card_system_has_it(client, launch, card_system, merchant, history):
    launch(merchant_id=merchant)
    rich = next(c for c in sandbox_cards(card_system, SYSTEMS[merchant], user_id="u1001") if c["balance"] == 50000)
    page = text_of(client.get(card_path(client, rich)))
    assert ("交易记录" in page) is history
    assert ("解除绑定" in page) is history  # birch has no unbind either
    if history:
        assert "加载更多" in page


@pytest.mark.parametrize("merchant", SYSTEMS)
def test_pay_one_card_is_paid_once(app, client, card_system, merchant):
    system = SYSTEMS[merchant]
    rich = next(c for c in sandbox_cards(card_system, system, user_id="u1001") if c["balance"] == 50000)
    shopper = Shopper(app, client, card_system, merchant=merchant, amount=12800)
    shopper.pay([rich["card_id"]])
    status = f"{shopper.path}/status"
    # birch's pay answer has no status: the payment is confirmed by the status query
    assert wait_for(lambda: "<h1>支付成功" in client.get(status).get_data(as_text=True))
    after = next(c for c in sandbox_cards(card_system, system) if c["card_id"] == rich["card_id"])
    assert after["balance"] == 50000 - 12800


@pytest.mark.parametrize("merchant", ["maple-cinema", "olive-fresh"])  # the others: the tests below and elsewhere
def test_a_processing_pay_stays_pending_until_the_query_says_paid(app, client, card_system, merchant):
    system = SYSTEMS[merchant]
    rich = next(c for c in sandbox_cards(card_system, system, user_id="u1001") if c["balance"] == 50000)
    add_fault(card_system, system=system, op="pay", mode="processing", delay_ms=3000, count=1)
    shopper = Shopper(app, client, card_system, merchant=merchant, amount=12800)
    shopper.pay([rich["card_id"]])
    assert "<h1>支付成功" not in shopper.result().get_data(as_text=True)  # not paid while the card system works
    status = f"{shopper.path}/status"
    assert wait_for(lambda: "<h1>支付成功" in client.get(status).get_data(as_text=True), seconds=30)
    after = next(c for c in sandbox_cards(card_system, system) if c["card_id"] == rich["card_id"])
    assert after["balance"] == 50000 - 12800  # charged once


def test_a_userpaying_pay_stays_pending_until_the_query_says_paid(app, client, card_system, caplog):
    """gateway_xml answers a slow pay with err_code USERPAYING: pending (never paid, never declined), then polled."""
    caplog.set_level(logging.INFO, logger="bff.adapters.mapped")
    rich = next(c for c in sandbox_cards(card_system, "cedar", user_id="u1001") if c["balance"] == 50000)
    add_fault(card_system, system="cedar", op="pay", mode="processing", delay_ms=4000)
    shopper = Shopper(app, client, card_system, merchant="cedar-noodles", amount=12800)
    shopper.pay([rich["card_id"]])
    pending = shopper.result().get_data(as_text=True)
    assert "正在确认支付结果" in pending and "<h1>支付成功" not in pending
    assert "cedar-noodles pay: in progress (code 'USERPAYING')" in caplog.text  # result.business.pending
    assert "unknown result code" not in caplog.text
    status = f"{shopper.path}/status"
    assert wait_for(lambda: "<h1>支付成功" in client.get(status).get_data(as_text=True), seconds=30)
    after = next(c for c in sandbox_cards(card_system, "cedar") if c["card_id"] == rich["card_id"])
    assert after["balance"] == 50000 - 12800


def test_an_in_progress_10003_pay_stays_pending_until_the_query_says_paid(app, client, card_system):
    """open_gateway answers a held pay with code 10003 (a `pending` code): pending, polled, charged once."""
    rich = next(c for c in sandbox_cards(card_system, "willow", user_id="u1001") if c["balance"] == 50000)
    add_fault(card_system, system="willow", op="pay", mode="processing", delay_ms=4000)
    shopper = Shopper(app, client, card_system, merchant="willow-mall", amount=12800)
    shopper.pay([rich["card_id"]])
    pending = shopper.result().get_data(as_text=True)
    assert "正在确认支付结果" in pending and "<h1>支付成功" not in pending
    status = f"{shopper.path}/status"
    assert wait_for(lambda: "<h1>支付成功" in client.get(status).get_data(as_text=True), seconds=30)
    after = next(c for c in sandbox_cards(card_system, "willow") if c["card_id"] == rich["card_id"])
    assert after["balance"] == 50000 - 12800
