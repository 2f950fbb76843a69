"""The open_gateway dialect over real HTTP: one URL, biz_content, RSA2 both ways over the answer object's text."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import timedelta

import pytest
from dialects_testing import OpenGatewayClient, sha256_digest

from bff.adapters.raw_json import member
from sandbox import clock
from sandbox.dialects.signing import rsa2_verifies

PAY = "willow.trade.pay"


def settled(check, seconds: float = 15.0) -> bool:
    """Poll until check() holds (a processing payment settles by itself)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def willow(seeded):
    """The willow system's seeded cards by role."""
    return seeded("willow")


def pay(api: OpenGatewayClient, card: dict, out_trade_no: str, amount: str = "12.34", **more) -> dict:
    biz = {"user_id": "u1001", "card_id": card["card_id"], "out_trade_no": out_trade_no, "total_amount": amount}
    return api.call(PAY, **biz, **more)


def test_answers_are_named_after_the_method_and_signed_over_the_objects_exact_text(willow_api, willow) -> None:
    response = willow_api.post("willow.card.list", {"user_id": "u1001"})
    assert response.headers["Content-Type"] == "application/json;charset=utf-8"
    raw = member(response.text, "willow_card_list_response")[1]
    sign = response.json()["sign"]
    assert rsa2_verifies(raw, sign, willow_api.platform_key)
    # the same object written another way (spacing, key order) is not what was signed
    rewritten = json.dumps(json.loads(raw), ensure_ascii=False, indent=1)
    assert not rsa2_verifies(rewritten, sign, willow_api.platform_key)
    answer = json.loads(raw)
    assert (answer["code"], answer["msg"]) == ("10000", "Success")
    main = next(c for c in answer["card_list"] if c["card_id"] == willow["main"]["card_id"])
    assert main["balance"] == "500.00" and main["card_no"].startswith("2088") and "*" in main["card_no"]


def _changed_after_signing(form: dict) -> None:
    form["biz_content"] = form["biz_content"].replace("1.00", "9.00")


@pytest.mark.parametrize(
    ("spoil", "code", "sub_code"),
    [
        (_changed_after_signing, "40002", "isv.invalid-signature"),
        (lambda form: form.update(sign="AAAA"), "40002", "isv.invalid-signature"),
        (lambda form: form.update(sign=""), "40001", "isv.missing-sign"),
    ],
)
def test_a_bad_sign_is_refused_with_a_signed_answer_and_nothing_happens(
    willow_api, willow, admin, spoil, code, sub_code
) -> None:
    card = willow["main"]
    biz = {"user_id": "u1001", "card_id": card["card_id"], "out_trade_no": "wb-1", "total_amount": "1.00"}
    form = willow_api.fields(PAY, biz)
    spoil(form)
    answer = willow_api.read(willow_api.session.post(willow_api.url, data=form, timeout=30), PAY)
    assert (answer["code"], answer["sub_code"]) == (code, sub_code)
    assert admin.card("willow", card["card_id"])["balance"] == card["balance"]
    assert not admin.payments("willow")["payments"]


def test_amounts_are_yuan_strings_and_a_number_or_three_decimals_is_refused(willow_api, willow, admin) -> None:
    card = willow["main"]
    paid = pay(willow_api, card, "wy-1", "12.34")
    assert (paid["code"], paid["total_amount"], paid["trade_status"]) == ("10000", "12.34", "TRADE_SUCCESS")
    assert admin.card("willow", card["card_id"])["balance"] == card["balance"] - 1234
    for wrong in ("12.345", "12", 12.34, "-1.00", "0.00"):
        answer = pay(willow_api, card, f"wy-{wrong}", wrong)
        assert answer["code"] == "40002" and answer["sub_code"].startswith("isv.invalid-"), wrong
    assert admin.card("willow", card["card_id"])["balance"] == card["balance"] - 1234


def test_a_wrong_pin_digest_or_a_clear_pin_is_a_password_error(willow_api, willow) -> None:
    card = willow["main"]
    clear = pay(willow_api, card, "wp-1", password=card["secret"])
    assert (clear["code"], clear["sub_code"]) == ("40004", "WILLOW.PASSWORD_ERROR")
    right = pay(willow_api, card, "wp-2", password=sha256_digest("u1001", card["secret"]))
    assert right["trade_status"] == "TRADE_SUCCESS"


def test_bind_takes_the_digest_over_the_user_id(willow_api, willow) -> None:
    card = willow["unbound"][0]
    number = card["card_number"]
    for wrong_pin in (card["secret"], sha256_digest("u1003", "000000")):  # a clear PIN; a digest of a wrong one
        wrong = willow_api.call("willow.card.bind", user_id="u1003", card_no=number, password=wrong_pin)
        assert (wrong["code"], wrong["sub_code"]) == ("40004", "WILLOW.PASSWORD_ERROR")
    bound = willow_api.ok(
        "willow.card.bind", user_id="u1003", card_no=number, password=sha256_digest("u1003", card["secret"])
    )
    assert bound["card_id"] == card["card_id"] and number not in json.dumps(bound)


def _age_payment(sandbox, out_trade_no: str, minutes: int) -> None:
    """Move a payment's time back by the sandbox clock (what 16 minutes of waiting would do)."""
    earlier = clock.iso(clock.now() - timedelta(minutes=minutes))
    with sqlite3.connect(sandbox.db_path) as conn:
        conn.execute(
            "UPDATE payments SET created_at = ? WHERE system = 'willow' AND payment_id = ?", (earlier, out_trade_no)
        )


def test_cancel_within_fifteen_minutes_voids_after_that_only_refund(willow_api, willow, admin) -> None:
    card = willow["main"]
    pay(willow_api, card, "wc-1", "2.00")
    cancelled = willow_api.ok("willow.trade.cancel", out_trade_no="wc-1")
    assert cancelled["trade_status"] == "TRADE_CANCELED"
    pay(willow_api, card, "wc-2", "3.00")
    _age_payment(willow_api.sandbox, "wc-2", 16)
    late = willow_api.call("willow.trade.cancel", out_trade_no="wc-2")
    assert (late["code"], late["sub_code"]) == ("40004", "WILLOW.CANCEL_TIME_EXPIRED")
    refunded = willow_api.ok("willow.trade.refund", out_trade_no="wc-2", out_request_no="wr-1", refund_amount="3.00")
    assert refunded["refund_amount"] == "3.00"
    assert admin.card("willow", card["card_id"])["balance"] == card["balance"]


def test_a_repeated_out_request_no_refunds_once(willow_api, willow, admin) -> None:
    card = willow["main"]
    pay(willow_api, card, "wr-pay", "5.00")
    for _ in range(2):
        answer = willow_api.ok(
            "willow.trade.refund", out_trade_no="wr-pay", out_request_no="wr-2", refund_amount="2.00"
        )
        assert answer["refund_amount"] == "2.00"
    assert admin.card("willow", card["card_id"])["balance"] == card["balance"] - 300
    other = willow_api.call("willow.trade.refund", out_trade_no="wr-pay", out_request_no="wr-2", refund_amount="1.00")
    assert (other["code"], other["sub_code"]) == ("40004", "WILLOW.OUT_TRADE_NO_USED")


def test_history_pages_by_number_with_a_total(willow_api, willow) -> None:
    biz = {"user_id": "u1001", "card_id": willow["main"]["card_id"], "page_size": "10"}
    first = willow_api.ok("willow.card.bill.query", page_no="1", **biz)
    assert int(first["total_count"]) == 25 and len(first["bill_list"]) == 10
    last = willow_api.ok("willow.card.bill.query", page_no="3", **biz)
    assert len(last["bill_list"]) == 5
    row = last["bill_list"][0]
    assert set(row) >= {"bill_no", "bill_type", "amount", "balance", "gmt_create"} and "." in row["amount"]


def test_a_held_pay_answers_10003_then_the_query_says_success(willow_api, willow, admin) -> None:
    card = willow["main"]
    admin.add_fault(system="willow", op="pay", mode="processing", delay_ms=300)
    held = pay(willow_api, card, "wh-1", "1.00")
    assert (held["code"], held["trade_status"]) == ("10003", "WAIT_BUYER_PAY")
    assert "sub_code" not in held

    def status() -> str:
        return willow_api.ok("willow.trade.query", out_trade_no="wh-1")["trade_status"]

    assert settled(lambda: status() == "TRADE_SUCCESS")


def test_an_unknown_method_answers_error_response_signed(willow_api) -> None:
    response = willow_api.post("willow.card.fly", {"user_id": "u1001"})
    answer = willow_api.read(response, "willow.card.fly")
    assert (answer["code"], answer["sub_code"]) == ("40002", "isv.invalid-method")


def test_a_stale_timestamp_or_a_wrong_fixed_field_is_refused(willow_api, willow) -> None:
    biz = {"user_id": "u1001"}
    stale = willow_api.read(
        willow_api.post("willow.card.list", biz, timestamp="2020-01-01 00:00:00"), "willow.card.list"
    )
    assert (stale["code"], stale["sub_code"]) == ("40002", "isv.invalid-timestamp")
    wrong = willow_api.read(willow_api.post("willow.card.list", biz, sign_type="RSA"), "willow.card.list")
    assert (wrong["code"], wrong["sub_code"]) == ("40002", "isv.invalid-sign-type")


def test_an_unknown_path_answers_a_signed_error_response(willow_api) -> None:
    response = willow_api.session.post(willow_api.url.replace("gateway.do", "nowhere"), data={}, timeout=30)
    assert willow_api.read(response, None)["code"] == "40002"


def test_faults_name_the_standard_operations(willow_api, willow, admin) -> None:
    card = willow["main"]
    admin.add_fault(system="willow", op="pay", mode="drop_response", count=1)
    lost = willow_api.post(
        PAY, {"user_id": "u1001", "card_id": card["card_id"], "out_trade_no": "wf-1", "total_amount": "1.00"}
    )
    assert lost.status_code == 502  # the answer is lost, the charge happened
    assert admin.card("willow", card["card_id"])["balance"] == card["balance"] - 100
    admin.add_fault(system="willow", op="reverse", mode="error_5xx", count=1)
    assert willow_api.post("willow.trade.cancel", {"out_trade_no": "wf-1"}).status_code == 500
    assert willow_api.ok("willow.trade.cancel", out_trade_no="wf-1")["trade_status"] == "TRADE_CANCELED"
