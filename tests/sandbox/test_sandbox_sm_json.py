"""The sm_json dialect over real HTTP: SM2-signed requests, HMAC-SM3-signed answers, SM4 PINs, cards by number."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
import requests

from sandbox.dialects.sm_crypto import hmac_sm3_hex, sm2_sign_hex, sm4_cbc_encrypt_b64
from sandbox.keys import sm2_private_hex, sm2_public_hex
from sandbox.runner import RunningSandbox

JADE = "KABAO_MERCHANT_JADE_"


class SmJsonClient:
    """JSON posts to /gm/{system}/api/<op>, SM2-signed with the sandbox's jade key; answers' HMAC-SM3 checked."""

    def __init__(self, sandbox: RunningSandbox, session: requests.Session, system: str = "jade") -> None:
        self.keys = sandbox.keys
        self.session = session
        self.url = f"{sandbox.url}/gm/{system}/api"

    def post(self, op: str, *, private_key: str | None = None, stamp: int | None = None, **fields: Any):
        """Post the fields as UTF-8 JSON, signed over timestamp, nonce and body (another key if given)."""
        body = json.dumps(fields, ensure_ascii=False).encode()
        stamp_text, nonce = str(stamp if stamp is not None else int(time.time() * 1000)), uuid.uuid4().hex
        private = private_key or self.keys[JADE + "SM2_PRIVATE_KEY"]
        text = f"{stamp_text}\n{nonce}\n".encode() + body
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Jade-Timestamp": stamp_text,
            "X-Jade-Nonce": nonce,
            "X-Jade-Sign": sm2_sign_hex(private, sm2_public_hex(private), text),
        }
        return self.session.post(f"{self.url}/{op}", data=body, headers=headers, timeout=30)

    def read(self, response: requests.Response) -> dict[str, Any]:
        """An answer's JSON, after checking its X-Jade-Sign over the raw bytes."""
        assert response.headers["X-Jade-Sign"] == hmac_sm3_hex(self.keys[JADE + "HMAC_KEY"], response.content)
        return response.json()

    def call(self, op: str, **fields: Any) -> dict[str, Any]:
        return self.read(self.post(op, **fields))

    def ok(self, op: str, **fields: Any) -> dict[str, Any]:
        answer = self.call(op, **fields)
        assert answer["success"] is True, answer
        return answer["data"]

    def sealed(self, pin: str) -> str:
        """A PIN as sm_json takes it: SM4-CBC with the shared key and IV, PKCS#7, base64."""
        return sm4_cbc_encrypt_b64(self.keys[JADE + "SM4_KEY"], self.keys[JADE + "SM4_IV"], pin)


@pytest.fixture
def jade_api(sandbox: RunningSandbox, http: requests.Session) -> SmJsonClient:
    return SmJsonClient(sandbox, http)


@pytest.fixture
def jade(seeded):
    """The jade system's seeded cards by role."""
    return seeded("jade")


def pay_fields(card: dict[str, Any], trade: str, amount: int = 1000) -> dict[str, Any]:
    return {"memberId": "u1001", "cardNo": card["card_number"], "outTradeNo": trade, "amount": amount}


@pytest.mark.parametrize(
    "forgery",
    [
        {"private_key": sm2_private_hex({})},  # another key
        {"stamp": int(time.time() * 1000) - 10 * 60 * 1000},  # stale
    ],
    ids=["other-key", "stale"],
)
def test_a_bad_signature_is_refused_with_401_sign_invalid_and_nothing_happens(jade_api, jade, admin, forgery):
    card = jade["main"]
    response = jade_api.post("trade/pay", **pay_fields(card, "jx-bad"), **forgery)
    assert response.status_code == 401
    assert jade_api.read(response)["errorCode"] == "SIGN_INVALID"  # refusals are signed too
    assert admin.card("jade", card["card_id"])["balance"] == card["balance"]


def test_a_changed_body_or_missing_headers_fail_the_signature(jade_api, jade, http):
    good = jade_api.post("card/list", memberId="u1001")
    assert good.status_code == 200
    tampered = dict(good.request.headers)
    again = http.post(f"{jade_api.url}/card/list", data=b'{"memberId":"u1002"}', headers=tampered, timeout=30)
    assert again.status_code == 401 and jade_api.read(again)["errorCode"] == "SIGN_INVALID"
    bare = http.post(f"{jade_api.url}/card/list", json={"memberId": "u1001"}, timeout=30)
    assert bare.status_code == 401 and jade_api.read(bare)["success"] is False


def test_answers_are_signed_hmac_sm3_over_their_raw_utf8_bytes(jade_api, jade):
    response = jade_api.post("card/trades", memberId="u1001", cardNo=jade["main"]["card_number"], pageSize=2)
    answer = jade_api.read(response)  # the signature holds over the exact bytes
    assert "充值" in response.content.decode("utf-8")
    assert response.headers["X-Jade-Sign"] != hmac_sm3_hex("another key", response.content)
    assert answer["success"] is True and len(answer["data"]["trades"]) == 2


def test_cards_carry_their_number_and_no_id(jade_api, jade):
    cards = jade_api.ok("card/list", memberId="u1001")["cards"]
    main = next(c for c in cards if c["cardNo"] == jade["main"]["card_number"])
    assert main == {"cardNo": jade["main"]["card_number"], "cardType": main["cardType"], "state": 0,
                    "expireDate": main["expireDate"], "balance": 50000}  # fmt: skip
    assert all(jade["main"]["card_id"] not in json.dumps(c) for c in cards)


def test_history_pages_by_next_cursor_with_ids_and_epoch_ms(jade_api, jade):
    number, rows, cursor = jade["main"]["card_number"], [], None
    for _ in range(10):
        page = jade_api.ok(
            "card/trades", memberId="u1001", cardNo=number, pageSize=10, **({"cursor": cursor} if cursor else {})
        )
        rows += page["trades"]
        cursor = page.get("nextCursor")
        if cursor is None:
            break
    assert len(rows) == 25 and len({r["tradeId"] for r in rows}) == 25
    assert all(isinstance(r["tradeTime"], int) and r["tradeTime"] > 1_600_000_000_000 for r in rows)


def test_the_pin_travels_sm4_encrypted_and_the_sandbox_decrypts_it(jade_api, jade, admin):
    card = jade["main"]
    clear = jade_api.call("trade/pay", **pay_fields(card, "jx-clear"), pin=card["secret"])
    assert clear["errorCode"] == "PIN_ERROR"  # a PIN in clear is no sealed PIN
    wrong = jade_api.call("trade/pay", **pay_fields(card, "jx-wrong"), pin=jade_api.sealed("000000x"))
    assert wrong["errorCode"] == "PIN_ERROR"
    paid = jade_api.ok("trade/pay", **pay_fields(card, "jx-pin", 1234), pin=jade_api.sealed(card["secret"]))
    assert paid["trade"]["tradeState"] == "SUCCESS"
    assert admin.card("jade", card["card_id"])["balance"] == card["balance"] - 1234


def test_bind_takes_the_sealed_password(jade_api, jade, admin):
    card = jade["unbound"][0]
    clear = jade_api.call("card/bind", memberId="u1003", cardNo=card["card_number"], cardPwd=card["secret"])
    assert clear["errorCode"] == "PIN_ERROR"
    bound = jade_api.ok(
        "card/bind", memberId="u1003", cardNo=card["card_number"], cardPwd=jade_api.sealed(card["secret"])
    )
    assert bound["card"]["cardNo"] == card["card_number"]
    assert admin.card("jade", card["card_id"])["user_id"] == "u1003"


def test_a_repeated_refund_id_refunds_once(jade_api, jade, admin):
    card = jade["main"]
    jade_api.ok("trade/pay", **pay_fields(card, "jx-r", 1000))
    refund = {"outTradeNo": "jx-r", "outRefundNo": "jr-1", "refundAmount": 400}
    assert jade_api.ok("trade/refund", **refund)["trade"]["refundedAmount"] == 400
    assert jade_api.ok("trade/refund", **refund)["trade"]["refundedAmount"] == 400  # once per outRefundNo
    other = jade_api.call("trade/refund", **{**refund, "refundAmount": 300})
    assert other["errorCode"] == "TRADE_NO_REUSED"
    assert admin.card("jade", card["card_id"])["balance"] == card["balance"] - 600


def test_pay_is_idempotent_on_out_trade_no_and_reverse_gives_it_back(jade_api, jade, admin):
    card = jade["main"]
    first = jade_api.ok("trade/pay", **pay_fields(card, "jx-p", 700))
    assert jade_api.ok("trade/pay", **pay_fields(card, "jx-p", 700)) == first
    assert jade_api.call("trade/pay", **pay_fields(card, "jx-p", 800))["errorCode"] == "TRADE_NO_REUSED"
    assert admin.card("jade", card["card_id"])["balance"] == card["balance"] - 700
    assert jade_api.ok("trade/reverse", outTradeNo="jx-p")["trade"]["tradeState"] == "REVERSED"
    assert jade_api.ok("trade/query", outTradeNo="jx-p")["trade"]["tradeState"] == "REVERSED"
    assert admin.card("jade", card["card_id"])["balance"] == card["balance"]


def test_a_declined_pay_is_refused_with_the_failed_trade(jade_api, jade):
    small = jade["small"]
    answer = jade_api.call("trade/pay", **pay_fields(small, "jx-low", small["balance"] + 1))
    assert answer["errorCode"] == "BALANCE_NOT_ENOUGH" and answer["data"]["tradeState"] == "FAIL"


def test_an_unknown_operation_is_a_signed_refusal(jade_api):
    response = jade_api.post("card/nothing")
    assert response.status_code == 404 and jade_api.read(response)["errorCode"] == "PARAM_INVALID"


def _requests(cards: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """A plausible request of each operation, by the standard op name a fault names."""
    main, user = cards["main"]["card_number"], {"memberId": "u1001"}
    return {
        "bind": ("card/bind", {"memberId": "u1003", "cardNo": cards["unbound"][0]["card_number"], "cardPwd": "x"}),
        "list_cards": ("card/list", user),
        "card_detail": ("card/query", {**user, "cardNo": main}),
        "transactions": ("card/trades", {**user, "cardNo": main}),
        "unbind": ("card/unbind", {**user, "cardNo": cards["small"]["card_number"]}),
        "pay": ("trade/pay", {**user, "cardNo": main, "outTradeNo": "jf", "amount": 100}),
        "payment_status": ("trade/query", {"outTradeNo": "jf"}),
        "reverse": ("trade/reverse", {"outTradeNo": "jf"}),
        "refund": ("trade/refund", {"outTradeNo": "jf", "outRefundNo": "jr", "refundAmount": 1}),
    }


@pytest.mark.parametrize(
    "op", ["bind", "list_cards", "card_detail", "transactions", "unbind", "pay", "payment_status", "reverse", "refund"]
)
def test_faults_match_requests_by_the_standard_op_names(jade_api, jade, admin, op):
    calls = _requests(jade)
    admin.add_fault(system="jade", op=op, mode="error_5xx", count=1)
    other = "payment_status" if op == "list_cards" else "list_cards"
    assert jade_api.post(calls[other][0], **calls[other][1]).status_code != 500
    failed = jade_api.post(calls[op][0], **calls[op][1])
    assert failed.status_code == 500 and "X-Jade-Sign" not in failed.headers  # a fault is no answer of theirs
    assert admin.faults() == []


def test_a_badly_signed_request_takes_no_fault(jade_api, admin):
    admin.add_fault(system="jade", op="*", mode="error_5xx", count=1)
    assert jade_api.post("card/list", private_key=sm2_private_hex({}), memberId="u1001").status_code == 401
    assert [fault["count"] for fault in admin.faults()] == [1]


def test_the_sandbox_says_which_system_a_gm_base_url_names(admin):
    named = admin.get("/system-of", base_url="http://x/gm/jade/api")
    assert named.status_code == 200 and named.json() == {"system": "jade"}


def test_a_replayed_request_is_refused_and_charges_nothing_more(jade_api, jade, admin, http):
    card = jade["main"]
    paid = jade_api.post("trade/pay", **pay_fields(card, "jx-replay", 500))
    assert jade_api.read(paid)["success"] is True
    replay = http.post(paid.request.url, data=paid.request.body, headers=dict(paid.request.headers), timeout=30)
    assert replay.status_code == 401 and jade_api.read(replay)["errorCode"] == "SIGN_INVALID"
    assert admin.card("jade", card["card_id"])["balance"] == card["balance"] - 500
