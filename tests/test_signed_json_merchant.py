"""Aspen Fitness, on the sandbox's signed_json dialect (WeChat Pay v3 manner), through the BFF.

What a shopper notices: a slow payment (202 USERPAYING) stays pending until the query says paid; an answer
whose platform signature is wrong is unknown, never success; a PIN travels encrypted and is checked; a failed
split gives the first leg back by refund (the system has no void); unbinding is a 204.
"""

from __future__ import annotations

import requests
from kabao_testing import add_fault, card_path, csrf_token, sandbox_cards, text_of, wait_for
from test_checkout import Shopper
from test_refunds import refund

from bff.checkout.reconcile import reconcile

MERCHANT, SYSTEM = "aspen-fitness", "aspen"


def cards_by_balance(card_system, user_id="u1001"):
    return {c["balance"]: c for c in sandbox_cards(card_system, SYSTEM, user_id=user_id)}


def balance_of(card_system, card_id):
    return next(c for c in sandbox_cards(card_system, SYSTEM) if c["card_id"] == card_id)["balance"]


def test_a_userpaying_pay_stays_pending_until_the_query_says_paid(app, client, card_system):
    rich = cards_by_balance(card_system)[50000]
    add_fault(card_system, system=SYSTEM, op="pay", mode="processing", delay_ms=4000)
    shopper = Shopper(app, client, card_system, merchant=MERCHANT, amount=12800)
    shopper.pay([rich["card_id"]])
    pending = shopper.result().get_data(as_text=True)
    assert "正在确认支付结果" in pending and "<h1>支付成功" not in pending
    status = f"{shopper.path}/status"
    assert wait_for(lambda: "<h1>支付成功" in client.get(status).get_data(as_text=True), seconds=30)
    assert balance_of(card_system, rich["card_id"]) == 50000 - 12800
    shopper.assert_ledger_agrees()


def test_a_pay_answer_with_a_corrupted_signature_is_unknown_never_paid(app, client, card_system, caplog):
    rich = cards_by_balance(card_system)[50000]
    add_fault(card_system, system=SYSTEM, op="pay", mode="bad_signature", count=1)
    shopper = Shopper(app, client, card_system, merchant=MERCHANT, amount=12800)
    shopper.pay([rich["card_id"]])
    first = shopper.result().get_data(as_text=True)
    assert "<h1>支付成功" not in first and "支付失败" not in first  # unknown: pending, neither paid nor declined
    assert "answer signature does not verify" in caplog.text
    status = f"{shopper.path}/status"
    assert wait_for(lambda: "<h1>支付成功" in client.get(status).get_data(as_text=True), seconds=30)
    assert balance_of(card_system, rich["card_id"]) == 50000 - 12800  # charged once
    assert [p["status"] for p in shopper.payments()] == ["SUCCEEDED"]


def test_a_card_list_with_a_corrupted_signature_is_unavailable(client, launch, card_system):
    add_fault(card_system, system=SYSTEM, op="list_cards", mode="bad_signature")
    launch(merchant_id=MERCHANT)
    page = text_of(client.get("/wallet?js=0"))
    assert "¥500.00" not in page and "暂时无法获取您的卡片" in page


def test_the_pin_is_checked_after_travelling_encrypted(app, client, card_system):
    rich = cards_by_balance(card_system)[50000]
    shopper = Shopper(app, client, card_system, merchant=MERCHANT, amount=35000)  # above ¥300: PIN asked
    wrong = "000000" if rich["secret"] != "000000" else "111111"
    shopper.pay([rich["card_id"]], pins={rich["card_id"]: wrong})
    assert "支付密码不正确" in text_of(shopper.result())
    assert balance_of(card_system, rich["card_id"]) == 50000
    again = Shopper(app, client, card_system, merchant=MERCHANT, amount=35000)
    again.pay([rich["card_id"]], pins={rich["card_id"]: rich["secret"]})
    assert "支付成功" in text_of(again.result())
    assert balance_of(card_system, rich["card_id"]) == 50000 - 35000


def test_a_decline_on_the_second_card_refunds_the_first_in_full(app, client, card_system):
    cards = cards_by_balance(card_system)
    first, second = cards[50000], cards[3650]
    add_fault(card_system, system=SYSTEM, op="pay", card_id=second["card_id"], mode="decline_insufficient")
    shopper = Shopper(app, client, card_system, merchant=MERCHANT, amount=52000)
    shopper.pay([first["card_id"], second["card_id"]], pins={c["card_id"]: c["secret"] for c in (first, second)})
    page = text_of(shopper.result())
    assert "支付失败" in page and "卡内余额不足" in page
    assert f"已退回 ¥500.00 到尾号 {first['card_number'][-4:]} 的卡" in page
    legs = {p["card_id"]: (p["status"], p["refunded_amount"]) for p in shopper.payments()}
    assert legs == {first["card_id"]: ("SUCCEEDED", 50000), second["card_id"]: ("FAILED", 0)}
    assert balance_of(card_system, first["card_id"]) == 50000


def test_unbinding_answers_204_and_the_card_leaves_the_wallet(client, launch, card_system):
    launch(merchant_id=MERCHANT)
    small = cards_by_balance(card_system)[3650]
    path = f"{card_path(client, small)}/unbind"
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 303 and response.headers["Location"] == "/wallet"
    wallet = text_of(client.get("/wallet?js=0"))
    assert f"尾号 {small['card_number'][-4:]} 的卡已解绑" in wallet and "¥36.50" not in wallet
    assert all(c["card_id"] != small["card_id"] for c in sandbox_cards(card_system, SYSTEM, user_id="u1001"))


def test_every_sandbox_answer_is_platform_signed(card_system):
    """Even an unauthenticated request's 401 carries the platform's signature headers."""
    answer = requests.get(f"{card_system.url}/v3/{SYSTEM}/users/u1001/cards", timeout=5)
    assert answer.status_code == 401 and answer.json()["code"] == "SIGN_ERROR"
    assert {"Aspenpay-Timestamp", "Aspenpay-Nonce", "Aspenpay-Signature", "Aspenpay-Serial"} <= set(answer.headers)


def test_a_stale_signed_pay_answer_is_unknown_never_paid(app, client, card_system, caplog):
    rich = cards_by_balance(card_system)[50000]
    add_fault(card_system, system=SYSTEM, op="pay", mode="stale_signature", count=1)
    shopper = Shopper(app, client, card_system, merchant=MERCHANT, amount=12800)
    shopper.pay([rich["card_id"]])
    first = shopper.result().get_data(as_text=True)
    assert "<h1>支付成功" not in first and "支付失败" not in first  # a replayed "paid" proves nothing
    assert "more than max_age_seconds 300" in caplog.text
    status = f"{shopper.path}/status"
    assert wait_for(lambda: "<h1>支付成功" in client.get(status).get_data(as_text=True), seconds=30)
    assert balance_of(card_system, rich["card_id"]) == 50000 - 12800  # charged once


def test_a_refund_answered_processing_stays_pending_until_asked_again(app, client, card_system):
    rich = cards_by_balance(card_system)[50000]
    shopper = Shopper(app, client, card_system, merchant=MERCHANT, amount=12800)
    shopper.pay([rich["card_id"]])
    assert "支付成功" in text_of(shopper.result())
    add_fault(card_system, system=SYSTEM, op="refund", mode="refund_processing", count=1)
    first = refund(client, shopper, 3000, "R-aspen-1").get_json()["refund"]
    assert first["status"] == "PENDING"  # the card system hasn't said it is done
    second = refund(client, shopper, 3000, "R-aspen-1").get_json()["refund"]
    assert second["status"] == "SUCCEEDED"
    assert balance_of(card_system, rich["card_id"]) == 50000 - 12800 + 3000  # refunded once
    assert [p["refunded_amount"] for p in shopper.payments()] == [3000]


def test_a_refund_still_processing_is_confirmed_by_reconcile_once_the_system_says_success(app, client, card_system):
    rich = cards_by_balance(card_system)[50000]
    shopper = Shopper(app, client, card_system, merchant=MERCHANT, amount=12800)
    shopper.pay([rich["card_id"]])
    add_fault(card_system, system=SYSTEM, op="refund", mode="refund_processing", count=1)
    assert refund(client, shopper, 2000, "R-aspen-2").get_json()["refund"]["status"] == "PENDING"
    lines = reconcile(app.extensions["kabao"], window=900)
    assert any("R-aspen-2" in line and "SUCCEEDED" in line for line in lines), lines
    assert refund(client, shopper, 2000, "R-aspen-2").get_json()["refund"]["status"] == "SUCCEEDED"
    assert balance_of(card_system, rich["card_id"]) == 50000 - 12800 + 2000  # refunded once
