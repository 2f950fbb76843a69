"""The signed_json dialect over real HTTP: RSA-signed requests, platform-signed answers, OAEP PINs, v3 REST."""

from __future__ import annotations

import time
from datetime import datetime

import pytest
from signed_json_testing import MCHID, SignedJsonClient

from sandbox.app import create_app
from sandbox.keys import rsa_private_pem
from sandbox.merchants import system_in_url


@pytest.fixture
def aspen_api(sandbox, http) -> SignedJsonClient:
    return SignedJsonClient(sandbox, http)


@pytest.fixture
def aspen(seeded):
    """The aspen system's seeded cards by role."""
    return seeded("aspen")


def settled(check, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_a_signed_read_is_answered_and_the_answer_is_platform_signed(aspen_api, aspen) -> None:
    response = aspen_api.call("GET", "/users/u1001/cards", query={"mchid": MCHID})
    answer = aspen_api.json(response)
    assert answer["total_count"] == len(answer["data"]) == 4
    main = next(card for card in answer["data"] if card["card_id"] == aspen["main"]["card_id"])
    assert main["balance"] == {"total": 50000, "currency": "CNY"}
    assert main["masked_card_no"].endswith(aspen["main"]["card_number"][-4:]) and "*" in main["masked_card_no"]
    assert len(response.headers["Aspenpay-Serial"]) == 40
    forged = response.content.replace(b'"total":50000', b'"total":90000')
    assert forged != response.content
    assert not aspen_api.signed(type("Forged", (), {"headers": response.headers, "content": forged})())


@pytest.mark.parametrize(
    "how",
    [
        {"key": rsa_private_pem({})},  # signed with a key the sandbox doesn't know
        {"tamper": b'{"mchid":"1900009191","openid":"u1001","amount":{"total":1,"currency":"CNY"}}'},
    ],
)
def test_a_bad_signature_is_401_sign_error_and_nothing_happens(aspen_api, aspen, admin, how) -> None:
    card = aspen["main"]
    body = {"mchid": MCHID, "openid": "u1001", "card_id": card["card_id"], "out_trade_no": "sj-bad"}
    body["amount"] = {"total": 100, "currency": "CNY"}
    response = aspen_api.call("POST", "/transactions/card", body, **how)
    assert aspen_api.json(response, 401)["code"] == "SIGN_ERROR"
    assert admin.card("aspen", card["card_id"])["balance"] == card["balance"]
    assert admin.payments("aspen")["payments"] == []


def test_a_missing_authorization_is_refused(aspen_api, sandbox, http) -> None:
    response = http.get(f"{sandbox.url}/v3/aspen/users/u1001/cards?mchid={MCHID}", timeout=10)
    assert aspen_api.json(response, 401)["code"] == "SIGN_ERROR"


@pytest.mark.parametrize("skew", [-301, 301, -3600])
def test_a_timestamp_more_than_5_minutes_off_is_refused(aspen_api, skew) -> None:
    response = aspen_api.call("GET", "/users/u1001/cards", query={"mchid": MCHID}, timestamp=int(time.time()) + skew)
    answer = aspen_api.json(response, 401)
    assert answer["code"] == "SIGN_ERROR" and "5 minutes" in answer["message"]


def test_error_answers_are_signed_too(aspen_api) -> None:
    missing = aspen_api.call("GET", "/users/u1001/cards/no-such-card", query={"mchid": MCHID})
    assert aspen_api.json(missing, 404)["code"] == "CARD_NOT_EXISTS"
    unrouted = aspen_api.call("POST", "/transactions/out-trade-no/x/reverse", {"mchid": MCHID})
    assert aspen_api.json(unrouted, 404)["code"] == "NOT_FOUND"  # no void of a paid trade: only refund


def test_the_pin_is_decrypted_with_the_platform_key(aspen_api, aspen, admin) -> None:
    card = aspen["main"]
    wrong = "000000" if card["secret"] != "000000" else "111111"
    refused = aspen_api.pay(card["card_id"], "sj-pin-1", 500, pin=aspen_api.pin(wrong))
    assert aspen_api.json(refused, 403)["code"] == "PASSWORD_ERROR"
    garbage = aspen_api.pay(card["card_id"], "sj-pin-2", 500, pin="bm90IGEgY2lwaGVydGV4dA==")
    assert aspen_api.json(garbage, 403)["code"] == "PASSWORD_ERROR"
    clear = aspen_api.pay(card["card_id"], "sj-pin-3", 500, pin=card["secret"])  # a clear PIN isn't a ciphertext
    assert aspen_api.json(clear, 403)["code"] == "PASSWORD_ERROR"
    paid = aspen_api.json(aspen_api.pay(card["card_id"], "sj-pin-4", 500, pin=aspen_api.pin(card["secret"])))
    assert paid["trade_state"] == "SUCCESS" and paid["amount"]["total"] == 500
    assert admin.card("aspen", card["card_id"])["balance"] == card["balance"] - 500


def test_a_refund_id_refunds_once_and_a_reused_one_is_refused(aspen_api, aspen, admin) -> None:
    card = aspen["main"]
    aspen_api.json(aspen_api.pay(card["card_id"], "sj-r", 1000))
    first = aspen_api.json(aspen_api.refund("sj-r", "sj-r-1", 400))
    again = aspen_api.json(aspen_api.refund("sj-r", "sj-r-1", 400))
    assert first == again and first["status"] == "SUCCESS" and first["amount"]["refund"] == 400
    assert admin.card("aspen", card["card_id"])["balance"] == card["balance"] - 600
    reused = aspen_api.refund("sj-r", "sj-r-1", 300)
    assert aspen_api.json(reused, 409)["code"] == "OUT_REFUND_NO_USED"
    query = aspen_api.call("GET", "/transactions/out-trade-no/sj-r", query={"mchid": MCHID})
    trade = aspen_api.json(query)
    assert trade["trade_state"] == "REFUND" and trade["amount"] == {"total": 1000, "currency": "CNY", "refund": 400}
    too_much = aspen_api.json(aspen_api.refund("sj-r", "sj-r-2", 700), 403)
    assert too_much["code"] == "REFUND_AMOUNT_INVALID"


def test_a_slow_pay_is_202_userpaying_then_success(aspen_api, aspen, admin) -> None:
    admin.add_fault(system="aspen", op="pay", mode="processing", delay_ms=500)
    card = aspen["main"]
    answer = aspen_api.json(aspen_api.pay(card["card_id"], "sj-slow", 700), 202)
    assert answer["trade_state"] == "USERPAYING"

    def state() -> str:
        query = aspen_api.call("GET", "/transactions/out-trade-no/sj-slow", query={"mchid": MCHID})
        return aspen_api.json(query)["trade_state"]

    assert settled(lambda: state() == "SUCCESS")


def test_a_declined_pay_is_notenough_and_recorded_failed(aspen_api, aspen) -> None:
    card = aspen["small"]
    declined = aspen_api.json(aspen_api.pay(card["card_id"], "sj-poor", card["balance"] + 1), 403)
    assert declined["code"] == "NOTENOUGH"
    query = aspen_api.call("GET", "/transactions/out-trade-no/sj-poor", query={"mchid": MCHID})
    assert aspen_api.json(query)["trade_state"] == "PAYERROR"


def test_bills_have_no_id_and_page_by_offset_with_a_total(aspen_api, aspen) -> None:
    card_id = aspen["main"]["card_id"]
    path = f"/users/u1001/cards/{card_id}/bills"
    first = aspen_api.json(aspen_api.call("GET", path, query={"mchid": MCHID, "offset": 0, "limit": 10}))
    last = aspen_api.json(aspen_api.call("GET", path, query={"mchid": MCHID, "offset": 20, "limit": 10}))
    assert first["total_count"] == last["total_count"] == 25
    assert (len(first["data"]), len(last["data"])) == (10, 5)
    row = first["data"][0]
    assert set(row) == {"type", "amount", "balance", "success_time", "description", "out_trade_no"}
    assert row["amount"]["currency"] == "CNY" and isinstance(row["amount"]["total"], int)
    assert datetime.fromisoformat(row["success_time"]).utcoffset().total_seconds() == 8 * 3600
    assert last["data"][-1]["type"] == "RECHARGE"  # the opening top-up is the oldest


def test_unbind_is_a_signed_204(aspen_api, aspen, admin) -> None:
    card = aspen["small"]
    response = aspen_api.call("DELETE", f"/users/u1001/cards/{card['card_id']}")
    assert response.status_code == 204 and response.content == b"" and aspen_api.signed(response)
    assert admin.card("aspen", card["card_id"])["user_id"] is None


def test_the_bad_signature_fault_corrupts_the_answer_signature_only(aspen_api, aspen, admin) -> None:
    admin.add_fault(system="aspen", op="pay", mode="bad_signature", count=1)
    card = aspen["main"]
    response = aspen_api.pay(card["card_id"], "sj-forged", 300)
    assert response.status_code == 200 and response.json()["trade_state"] == "SUCCESS"
    assert not aspen_api.signed(response)
    assert admin.card("aspen", card["card_id"])["balance"] == card["balance"] - 300  # it did happen
    assert aspen_api.signed(aspen_api.pay(card["card_id"], "sj-forged-2", 300))  # count 1: the next is fine


def test_the_stale_signature_fault_signs_rightly_but_stamps_the_answer_10_minutes_old(aspen_api, aspen, admin):
    admin.add_fault(system="aspen", op="pay", mode="stale_signature", count=1)
    card = aspen["main"]
    response = aspen_api.pay(card["card_id"], "sj-stale", 300)
    assert response.status_code == 200 and aspen_api.signed(response)  # a valid signature, an old stamp
    assert 590 <= time.time() - int(response.headers["Aspenpay-Timestamp"]) <= 700
    fresh = aspen_api.pay(card["card_id"], "sj-stale-2", 300)
    assert abs(time.time() - int(fresh.headers["Aspenpay-Timestamp"])) < 60


def test_the_refund_processing_fault_answers_processing_then_success(aspen_api, aspen, admin) -> None:
    card = aspen["main"]
    aspen_api.json(aspen_api.pay(card["card_id"], "sj-rp", 1000))
    admin.add_fault(system="aspen", op="refund", mode="refund_processing", count=1)
    first = aspen_api.json(aspen_api.refund("sj-rp", "sj-rp-1", 400))
    again = aspen_api.json(aspen_api.refund("sj-rp", "sj-rp-1", 400))
    assert (first["status"], again["status"]) == ("PROCESSING", "SUCCESS")
    assert admin.card("aspen", card["card_id"])["balance"] == card["balance"] - 600  # refunded once


OPS = {  # fault op → (method, path, body) with {main}, {small}, {number} from the seeded cards
    "bind": ("POST", "/cards/bind", {"mchid": MCHID, "openid": "u1003", "card_no": "{number}", "password": "x"}),
    "list_cards": ("GET", "/users/u1001/cards", None),
    "card_detail": ("GET", "/users/u1001/cards/{main}", None),
    "transactions": ("GET", "/users/u1001/cards/{main}/bills", None),
    "unbind": ("DELETE", "/users/u1001/cards/{small}", None),
    "pay": ("POST", "/transactions/card", {"mchid": MCHID, "openid": "u1001", "card_id": "{main}"}),
    "payment_status": ("GET", "/transactions/out-trade-no/f", None),
    "refund": ("POST", "/refunds", {"mchid": MCHID, "out_trade_no": "f", "out_refund_no": "r"}),
}


def _send(aspen_api, aspen, op):
    method, path, body = OPS[op]
    names = {"main": aspen["main"]["card_id"], "small": aspen["small"]["card_id"]}
    names["number"] = aspen["unbound"][0]["card_number"]
    filled = {k: v.format(**names) if isinstance(v, str) else v for k, v in (body or {}).items()} if body else None
    query = {"mchid": MCHID} if method == "GET" else None
    return aspen_api.call(method, path.format(**names), filled, query=query)


@pytest.mark.parametrize("op", OPS)
def test_faults_match_signed_json_requests_by_the_standard_op_names(aspen_api, aspen, admin, op) -> None:
    admin.add_fault(system="aspen", op=op, mode="error_5xx", count=1)
    other = "payment_status" if op == "list_cards" else "list_cards"
    assert _send(aspen_api, aspen, other).status_code != 500
    failed = _send(aspen_api, aspen, op)
    assert failed.status_code == 500 and admin.faults() == []


def test_a_badly_signed_request_takes_no_fault(aspen_api, admin) -> None:
    admin.add_fault(system="aspen", op="*", mode="error_5xx", count=1)
    refused = aspen_api.call("GET", "/users/u1001/cards", query={"mchid": MCHID}, key=rsa_private_pem({}))
    assert refused.status_code == 401
    assert [fault["count"] for fault in admin.faults()] == [1]


def test_a_merchants_system_is_read_from_the_v3_face() -> None:
    assert system_in_url("${KABAO_MERCHANT_SANDBOX_URL}/v3/aspen") == "aspen"
    assert system_in_url("http://127.0.0.1:8000/v3/aspen/") == "aspen"
    assert system_in_url("https://cards.example.com/api/v3") is None


def test_without_keys_every_request_is_refused_and_answers_unsigned(tmp_path) -> None:
    client = create_app(tmp_path / "s.sqlite3", tmp_path, "http://bff.test", "k", "h", keys={}).test_client()
    answer = client.get("/v3/aspen/users/u1001/cards", headers={"Authorization": "ASPEN-SHA256-RSA2048 x"})
    assert answer.status_code == 401 and answer.get_json()["code"] == "SIGN_ERROR"
    assert "Aspenpay-Signature" not in answer.headers
