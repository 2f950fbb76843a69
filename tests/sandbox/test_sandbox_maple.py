"""The maple dialect over real HTTP: JSON envelopes in fen, HMAC headers, no status while a payment processes."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from datetime import datetime

import pytest

from sandbox.dialects.signing import maple_signature

MASKED = re.compile(r"^77\*{12}[0-9]{4}$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@pytest.fixture
def maple(seeded):
    """The maple system's seeded cards by role."""
    return seeded("maple")


def error_of(response) -> tuple[int, str]:
    """The HTTP status and resultCode of an answer."""
    return response.status_code, response.json()["header"]["resultCode"]


def sms_bind(maple_api, admin, customer: str, number: str):
    """Send a code for the card and bind with it."""
    maple_api.ok(maple_api.post("/cards/otp", {"customerRef": customer, "cardNumber": number}))
    code = admin.latest_sms_code("maple", number)
    return maple_api.post("/cards/binding", {"customerRef": customer, "cardNumber": number, "smsCode": code})


def test_maple_signature_is_hex_hmac_sha256_of_timestamp_dot_payload() -> None:
    expected = hmac.new(b"k3y", b'1700000000000.{"body":{}}', hashlib.sha256).hexdigest()
    assert maple_signature("k3y", "1700000000000", '{"body":{}}') == expected
    assert maple_signature("k3y", "1700000000000", b'{"body":{}}') == expected


def test_sms_then_bind_answers_the_card_with_its_account(maple_api, maple, admin) -> None:
    card = maple["unbound"][0]
    sent = maple_api.ok(maple_api.post("/cards/otp", {"customerRef": "u1003", "cardNumber": card["card_number"]}))
    assert sent == {"expiresIn": 300, "maskedMobile": sent["maskedMobile"]}
    assert re.fullmatch(r"1\d\d\*{4}\d{4}", sent["maskedMobile"])
    code = admin.latest_sms_code("maple", card["card_number"])
    body = {"customerRef": "u1003", "cardNumber": card["card_number"], "smsCode": code}
    bound = maple_api.ok(maple_api.post("/cards/binding", body))["card"]
    assert bound == {
        "cardRef": card["card_id"],
        "maskedPan": "77" + "*" * 12 + card["card_number"][-4:],
        "product": {"code": card["card_type"].upper()},
        "state": "NORMAL",
        "validThru": card["expires_on"],
        "account": {"available": {"value": 10000, "currency": "CNY"}},
    }
    assert MASKED.match(bound["maskedPan"]) and DATE.match(bound["validThru"])
    assert admin.card("maple", card["card_id"])["user_id"] == "u1003"


def test_maple_cards_have_maple_numbers(maple) -> None:
    for role in ("main", "small", "frozen", "expired", "u1002"):
        number = maple[role]["card_number"]
        assert len(number) == 18 and number.startswith("77") and number.isdigit()


def test_binding_another_users_card_answers_card_taken(maple_api, maple, admin) -> None:
    assert error_of(sms_bind(maple_api, admin, "u1003", maple["u1002"]["card_number"])) == (409, "CARD_TAKEN")


@pytest.mark.parametrize(
    ("role", "expected"), [("unbound_frozen", (409, "CARD_BLOCKED")), ("unbound_expired", (409, "CARD_EXPIRED"))]
)
def test_no_code_is_sent_for_a_card_that_cannot_bind(maple_api, maple, role, expected) -> None:
    number = maple[role]["card_number"]
    assert error_of(maple_api.post("/cards/otp", {"customerRef": "u1003", "cardNumber": number})) == expected


def test_a_wrong_sms_code_fails_then_locks(maple_api, maple) -> None:
    number = maple["unbound"][1]["card_number"]
    maple_api.ok(maple_api.post("/cards/otp", {"customerRef": "u1003", "cardNumber": number}))
    body = {"customerRef": "u1003", "cardNumber": number, "smsCode": "000000x"}
    codes = [error_of(maple_api.post("/cards/binding", body)) for _ in range(5)]
    assert codes == [(400, "AUTH_FAILED")] * 4 + [(423, "AUTH_LOCKED")]


def test_unknown_cards_and_missing_fields_are_refused(maple_api) -> None:
    unknown = maple_api.post("/cards/otp", {"customerRef": "u1003", "cardNumber": "77" + "0" * 16})
    assert error_of(unknown) == (404, "CARD_MISSING")
    no_code = maple_api.post("/cards/binding", {"customerRef": "u1003", "cardNumber": "77" + "0" * 16})
    assert error_of(no_code) == (400, "PARAM_INVALID")


def test_too_many_sms_codes_answer_quota_exceeded(maple_api, maple) -> None:
    body = {"customerRef": "u1003", "cardNumber": maple["unbound"][2]["card_number"]}
    answers = [error_of(maple_api.post("/cards/otp", body)) for _ in range(6)]
    assert answers == [(200, "SUCCESS")] * 5 + [(429, "QUOTA_EXCEEDED")]


def test_list_has_no_account_and_says_each_state(maple_api, maple) -> None:
    listed = maple_api.ok(maple_api.get("/customers/u1001/cards"))["cardList"]
    by_ref = {card["cardRef"]: card for card in listed}
    assert set(by_ref) == {maple[role]["card_id"] for role in ("main", "small", "frozen", "expired")}
    assert all("account" not in card for card in listed)
    states = {role: by_ref[maple[role]["card_id"]]["state"] for role in ("main", "frozen", "expired")}
    assert states == {"main": "NORMAL", "frozen": "BLOCKED", "expired": "EXPIRED"}
    assert by_ref[maple["small"]["card_id"]]["validThru"] is None
    assert {card["product"]["code"] for card in listed} <= {"BOOK", "GIFT"}


def test_detail_answers_the_balance_and_refuses_another_customers_card(maple_api, maple) -> None:
    assert maple_api.balance(maple["main"]["card_id"]) == 50000
    other = maple_api.get(f"/customers/u1002/cards/{maple['main']['card_id']}")
    assert error_of(other) == (404, "CARD_MISSING")
    assert other.json()["body"] == {}


def test_ledger_pages_by_page_token(maple_api, maple) -> None:
    path = f"/customers/u1001/cards/{maple['main']['card_id']}/ledger"
    params = {"pageSize": "10"}
    pages = []
    while True:
        page = maple_api.ok(maple_api.get(path, params))
        pages.append(page)
        if page["nextPageToken"] is None:
            break
        params["pageToken"] = page["nextPageToken"]
    assert [len(page["entries"]) for page in pages] == [10, 10, 5]
    entries = [entry for page in pages for entry in page["entries"]]
    assert len({entry["entryId"] for entry in entries}) == 25
    booked = [datetime.fromisoformat(entry["bookedAt"]) for entry in entries]
    assert all(moment.utcoffset() is not None for moment in booked) and booked == sorted(booked, reverse=True)
    assert entries[0]["balanceAfter"] == {"value": 50000, "currency": "CNY"}
    assert entries[-1]["entryType"] == "RECHARGE" and entries[-1]["amount"]["value"] > 0
    assert entries[-1]["paymentRef"] is None
    consumed = [entry for entry in entries if entry["entryType"] == "CONSUME"]
    assert consumed and all(entry["amount"]["value"] < 0 and entry["paymentRef"] for entry in consumed)
    assert {entry["entryType"] for entry in entries} <= {"CONSUME", "RECHARGE"}


def test_ledger_defaults_to_ten_entries(maple_api, maple) -> None:
    page = maple_api.ok(maple_api.get(f"/customers/u1001/cards/{maple['main']['card_id']}/ledger"))
    assert len(page["entries"]) == 10 and page["nextPageToken"]


@pytest.mark.parametrize("params", [{"pageSize": "0"}, {"pageSize": "51"}, {"pageToken": "not-a-token"}])
def test_ledger_refuses_bad_paging(maple_api, maple, params) -> None:
    response = maple_api.get(f"/customers/u1001/cards/{maple['main']['card_id']}/ledger", params)
    assert error_of(response) == (400, "PARAM_INVALID")


def test_unbind_releases_the_card(maple_api, maple, admin) -> None:
    card_ref = maple["small"]["card_id"]
    assert maple_api.ok(maple_api.post("/cards/unbinding", {"customerRef": "u1001", "cardRef": card_ref})) == {}
    assert admin.card("maple", card_ref)["user_id"] is None
    again = maple_api.post("/cards/unbinding", {"customerRef": "u1001", "cardRef": card_ref})
    assert error_of(again) == (404, "CARD_MISSING")


def test_pay_charges_in_fen(maple_api, maple) -> None:
    card_ref = maple["main"]["card_id"]
    payment = maple_api.ok(maple_api.pay(card_ref, "mp-1", 1234))["payment"]
    assert payment == {
        "paymentRef": "mp-1",
        "amount": {"value": 1234, "currency": "CNY"},
        "status": "PAID",
        "refunded": {"value": 0, "currency": "CNY"},
    }
    assert maple_api.balance(card_ref) == 50000 - 1234
    status = maple_api.ok(maple_api.get("/payments/mp-1"))["payment"]
    assert status == payment


def test_pay_with_the_right_pin_charges_and_a_wrong_one_fails(maple_api, maple) -> None:
    card = maple["main"]
    assert (
        maple_api.ok(maple_api.pay(card["card_id"], "mp-pin", 100, pin=card["secret"]))["payment"]["status"] == "PAID"
    )
    assert error_of(maple_api.pay(card["card_id"], "mp-badpin", 100, pin="000000x")) == (400, "AUTH_FAILED")


def test_the_same_payment_ref_twice_charges_once(maple_api, maple, admin) -> None:
    card_ref = maple["main"]["card_id"]
    first = maple_api.pay(card_ref, "mp-same", 2500)
    second = maple_api.pay(card_ref, "mp-same", 2500)
    assert maple_api.ok(first) == maple_api.ok(second)
    assert [p["payment_id"] for p in admin.payments("maple")["payments"]] == ["mp-same"]
    assert maple_api.balance(card_ref) == 50000 - 2500


def test_the_same_payment_ref_with_other_parameters_is_refused(maple_api, maple, admin) -> None:
    card_ref = maple["main"]["card_id"]
    maple_api.ok(maple_api.pay(card_ref, "mp-other", 2500))
    assert error_of(maple_api.pay(card_ref, "mp-other", 2600)) == (409, "REQUEST_REPEATED")
    assert maple_api.balance(card_ref) == 50000 - 2500
    assert len(admin.payments("maple")["payments"]) == 1


def test_a_declined_pay_answers_its_code_with_the_declined_payment(maple_api, maple) -> None:
    card_ref = maple["small"]["card_id"]
    declined = maple_api.pay(card_ref, "mp-low", 3651)
    assert error_of(declined) == (402, "BALANCE_LOW")
    assert declined.json()["body"]["payment"]["status"] == "DECLINED"
    assert maple_api.ok(maple_api.get("/payments/mp-low"))["payment"]["status"] == "DECLINED"
    assert maple_api.balance(card_ref) == 3650


@pytest.mark.parametrize(
    ("role", "value", "expected"),
    [
        ("frozen", 100, (409, "CARD_BLOCKED")),
        ("expired", 100, (409, "CARD_EXPIRED")),
        ("main", 200001, (429, "QUOTA_EXCEEDED")),
        ("u1002", 100, (404, "CARD_MISSING")),
    ],
)
def test_pay_refusals_answer_maple_codes(maple_api, maple, role, value, expected) -> None:
    assert error_of(maple_api.pay(maple[role]["card_id"], f"mp-{role}", value)) == expected


@pytest.mark.parametrize(
    "amount",
    [
        {"value": 12.5, "currency": "CNY"},
        {"value": "100", "currency": "CNY"},
        {"value": 100},
        {"value": 100, "currency": "USD"},
        100,
    ],
)
def test_pay_refuses_amounts_that_are_not_fen_objects(maple_api, maple, admin, amount) -> None:
    assert error_of(maple_api.pay(maple["main"]["card_id"], "mp-fmt", 1, amount=amount)) == (400, "PARAM_INVALID")
    assert admin.payments("maple")["payments"] == []


def test_void_gives_the_money_back_once(maple_api, maple) -> None:
    card_ref = maple["main"]["card_id"]
    maple_api.ok(maple_api.pay(card_ref, "mp-void", 4000))
    voided = maple_api.ok(maple_api.post("/payments/mp-void/void", {}))["payment"]
    assert voided["status"] == "VOIDED"
    assert maple_api.ok(maple_api.post("/payments/mp-void/void", {}))["payment"] == voided
    assert maple_api.balance(card_ref) == 50000
    newest = maple_api.ok(maple_api.get(f"/customers/u1001/cards/{card_ref}/ledger", {"pageSize": "1"}))["entries"][0]
    assert (newest["entryType"], newest["amount"]["value"], newest["paymentRef"]) == ("VOID", 4000, "mp-void")


def test_void_refuses_a_refunded_payment_and_an_unknown_one(maple_api, maple) -> None:
    maple_api.ok(maple_api.pay(maple["main"]["card_id"], "mp-rv", 4000))
    refund = {"refundRef": "mr-1", "amount": {"value": 100, "currency": "CNY"}}
    maple_api.ok(maple_api.post("/payments/mp-rv/refunds", refund))
    assert error_of(maple_api.post("/payments/mp-rv/void", {})) == (409, "NOT_VOIDABLE")
    assert error_of(maple_api.post("/payments/mp-none/void", {})) == (404, "ORDER_MISSING")
    assert error_of(maple_api.get("/payments/mp-none")) == (404, "ORDER_MISSING")


def test_refunds_add_up_repeat_safely_and_stop_at_the_amount(maple_api, maple) -> None:
    card_ref = maple["main"]["card_id"]
    maple_api.ok(maple_api.pay(card_ref, "mp-rf", 3000))

    def refund(ref: str, value: int):
        return maple_api.post(
            "/payments/mp-rf/refunds", {"refundRef": ref, "amount": {"value": value, "currency": "CNY"}}
        )

    first = maple_api.ok(refund("mr-a", 1000))["payment"]
    assert (first["status"], first["refunded"]) == ("PAID", {"value": 1000, "currency": "CNY"})
    assert maple_api.ok(refund("mr-a", 1000))["payment"] == first
    assert error_of(refund("mr-a", 1500)) == (409, "REQUEST_REPEATED")
    assert error_of(refund("mr-b", 2001)) == (409, "REFUND_TOO_LARGE")
    assert maple_api.ok(refund("mr-b", 2000))["payment"]["refunded"]["value"] == 3000
    assert maple_api.balance(card_ref) == 50000


def test_a_processing_pay_answers_without_a_status_then_pending_then_paid(maple_api, maple, admin) -> None:
    admin.add_fault(system="maple", op="pay", mode="processing", delay_ms=400, count=1)
    started = time.monotonic()
    answer = maple_api.pay(maple["main"]["card_id"], "mp-slow", 2000)
    payment = maple_api.ok(answer)["payment"]
    assert answer.json()["header"]["resultCode"] == "SUCCESS"
    assert "status" not in payment
    assert payment == {
        "paymentRef": "mp-slow",
        "amount": {"value": 2000, "currency": "CNY"},
        "refunded": {"value": 0, "currency": "CNY"},
    }
    status = maple_api.ok(maple_api.get("/payments/mp-slow"))["payment"]["status"]
    if time.monotonic() - started < 0.4:
        assert status == "PENDING"
    time.sleep(0.45)
    assert maple_api.ok(maple_api.get("/payments/mp-slow"))["payment"]["status"] == "PAID"
    assert maple_api.ok(maple_api.pay(maple["main"]["card_id"], "mp-slow", 2000))["payment"]["status"] == "PAID"
    assert maple_api.balance(maple["main"]["card_id"]) == 48000


@pytest.mark.parametrize(
    "signing",
    [
        {"headers": False},
        {"key": "not-the-key"},
        {"signature": "0" * 64},
        {"timestamp": "yesterday"},
        {"signed_payload": b'{"header": {}, "body": {}}'},
    ],
)
def test_a_missing_or_wrong_signature_answers_401_and_nothing_happens(maple_api, maple, admin, signing) -> None:
    card_ref = maple["main"]["card_id"]
    body = {
        "paymentRef": "mp-sig",
        "customerRef": "u1001",
        "cardRef": card_ref,
        "orderRef": "o",
        "amount": {"value": 100, "currency": "CNY"},
    }
    response = maple_api.post("/payments", body, **signing)
    assert error_of(response) == (401, "SIGN_INVALID")
    assert response.json()["body"] == {}
    assert admin.payments("maple")["payments"] == []
    assert maple_api.balance(card_ref) == 50000


def test_a_get_is_signed_over_its_path_and_query(maple_api, maple) -> None:
    path = f"/customers/u1001/cards/{maple['main']['card_id']}/ledger"
    assert maple_api.get(path, {"pageSize": "2"}).status_code == 200
    without_query = f"/openapi/maple/v2{path}".encode()
    response = maple_api.get(path, {"pageSize": "2"}, signed_payload=without_query)
    assert error_of(response) == (401, "SIGN_INVALID")


def test_the_signature_may_be_upper_case_hex(maple_api) -> None:
    stamp = str(time.time_ns() // 1_000_000)
    signature = maple_signature(maple_api.sandbox.maple_hmac_key, stamp, b"/openapi/maple/v2/customers/u1001/cards")
    response = maple_api.get("/customers/u1001/cards", timestamp=stamp, signature=signature.upper())
    assert response.status_code == 200


def test_a_write_needs_the_header_and_body_envelope(maple_api, http) -> None:
    raw = b'{"customerRef": "u1001", "cardRef": "c_1"}'
    stamp = "1700000000000"
    headers = {
        "X-Maple-Timestamp": stamp,
        "X-Maple-Signature": maple_signature(maple_api.sandbox.maple_hmac_key, stamp, raw),
        "Content-Type": "application/json",
    }
    response = http.post(maple_api.url + "/cards/unbinding", data=raw, headers=headers, timeout=10)
    assert error_of(response) == (400, "PARAM_INVALID")


def test_unknown_paths_answer_in_maple_shape(maple_api) -> None:
    assert error_of(maple_api.get("/teleport")) == (404, "PARAM_INVALID")
    assert error_of(maple_api.post("/customers/u1001/cards", {})) == (405, "PARAM_INVALID")
