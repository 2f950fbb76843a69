"""Jade Pharmacy (the 国密 sandbox system) through the BFF: a PAYING pay is polled; unverified answers are unknown."""

from __future__ import annotations

import pytest
from kabao_testing import add_fault, sandbox_cards, text_of, wait_for
from test_checkout import Shopper

MERCHANT, SYSTEM = "jade-pharmacy", "jade"


def rich_card(card_system):
    return next(c for c in sandbox_cards(card_system, SYSTEM, user_id="u1001") if c["balance"] == 50000)


def test_a_paying_trade_stays_pending_until_the_query_says_paid(app, client, card_system):
    rich = rich_card(card_system)
    add_fault(card_system, system=SYSTEM, op="pay", mode="processing", delay_ms=4000)
    shopper = Shopper(app, client, card_system, merchant=MERCHANT, amount=12800)
    shopper.pay([rich["card_id"]])
    pending = shopper.result().get_data(as_text=True)
    assert "正在确认支付结果" in pending and "<h1>支付成功" not in pending
    status = f"{shopper.path}/status"
    assert wait_for(lambda: "<h1>支付成功" in client.get(status).get_data(as_text=True), seconds=30)
    after = next(c for c in sandbox_cards(card_system, SYSTEM) if c["card_id"] == rich["card_id"])
    assert after["balance"] == 50000 - 12800


@pytest.fixture
def wrong_answer_key(make_app, monkeypatch):
    """The BFF checks answers with another key than the one the system signs them with."""
    monkeypatch.setenv("KABAO_MERCHANT_JADE_HMAC_KEY", "not-the-key-the-system-signs-with")


def test_answers_signed_with_another_hmac_key_are_not_believed(wrong_answer_key, app, client, launch, card_system):
    launch(merchant_id=MERCHANT)
    page = text_of(client.get("/wallet?js=0"))
    assert "¥500.00" not in page and "¥36.50" not in page  # the system said so, but unverified: unknown


def test_the_wallet_shows_the_verified_balances(app, client, launch, card_system):
    launch(merchant_id=MERCHANT)
    page = text_of(client.get("/wallet?js=0"))
    assert "¥500.00" in page and "¥36.50" in page
