"""The gateway_xml dialect over real HTTP: one URL, GBK XML, MD5 signs both ways, numbered lists, USERPAYING."""

from __future__ import annotations

import hashlib
import time

import pytest
import xmltodict
from dialects_testing import GatewayXmlClient, pin_digest

from sandbox.dialects.signing import md5_key_sign


@pytest.fixture
def cedar(seeded):
    """The cedar system's seeded cards by role."""
    return seeded("cedar")


def settled(check, seconds: float = 15.0) -> bool:
    """Poll until check() holds (a processing payment settles by itself)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_the_sign_is_upper_md5_of_sorted_non_empty_fields_and_key_over_gbk_bytes() -> None:
    fields = {"service": "trade.pay", "body": "雪松面馆", "attach": "", "sign": "ignored"}
    expected = hashlib.md5("body=雪松面馆&service=trade.pay&key=k3y".encode("gbk")).hexdigest().upper()
    assert md5_key_sign(fields, "k3y") == expected


def test_answers_are_gbk_xml_signed_by_the_sandbox(cedar_api: GatewayXmlClient, cedar) -> None:
    number = cedar["main"]["card_number"]
    response = cedar_api.post("card.history", user_id="u1001", card_no=number, page_no="1", page_size="2")
    assert response.headers["Content-Type"] == "text/xml; charset=GBK"
    assert "门店消费".encode("gbk") in response.content  # GBK bytes, not UTF-8
    fields = cedar_api.read(response)  # its sign verifies over the GBK bytes
    assert fields["result_code"] == "SUCCESS"
    forged = response.content.replace(b"<fee_0>", b"<fee_0>1")
    forged_fields = xmltodict.parse(forged.decode("gbk"))["xml"]
    assert forged_fields["sign"] != md5_key_sign(forged_fields, cedar_api.sandbox.cedar_key)


@pytest.mark.parametrize("signing", [{"key": "not-the-key"}, {"sign": "0" * 32}, {"sign": ""}])
def test_a_bad_sign_fails_at_the_first_level_and_nothing_happens(cedar_api, cedar, admin, signing) -> None:
    card = cedar["main"]
    response = cedar_api.post(
        "trade.pay", user_id="u1001", card_no=card["card_number"], out_trade_no="cx-bad", total_fee="100", **signing
    )
    fields = cedar_api.read(response)
    assert fields["return_code"] == "FAIL" and "result_code" not in fields
    assert admin.card("cedar", card["card_id"])["balance"] == card["balance"]


def test_a_utf8_body_with_chinese_does_not_pass_the_gbk_sign(cedar_api, cedar) -> None:
    fields = {"service": "card.list", "mch_id": "M", "nonce_str": "n1", "user_id": "u1001", "body": "雪松"}
    fields["sign"] = (
        hashlib.md5(
            (
                "body=雪松&mch_id=M&nonce_str=n1&service=card.list&user_id=u1001&key=" + cedar_api.sandbox.cedar_key
            ).encode()
        )
        .hexdigest()
        .upper()
    )  # signed over UTF-8 bytes
    text = "<xml>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items()) + "</xml>"
    answer = cedar_api.read(cedar_api.raw(text, charset="gbk"))
    assert answer["return_code"] == "FAIL"


def test_a_dtd_or_entity_is_refused(cedar_api) -> None:
    bomb = '<!DOCTYPE xml [<!ENTITY a "aaaa">]><xml><service>&a;</service></xml>'
    assert cedar_api.read(cedar_api.raw(bomb))["return_code"] == "FAIL"


def test_cards_are_listed_as_numbered_fields_with_a_count(cedar_api, cedar) -> None:
    fields = cedar_api.ok("card.list", user_id="u1001")
    assert fields["card_count"] == "4"
    numbers = [fields[f"card_no_{i}"] for i in range(4)]
    assert cedar["main"]["card_number"] in numbers and "card_no_4" not in fields
    main = numbers.index(cedar["main"]["card_number"])
    assert fields[f"balance_{main}"] == "50000" and fields[f"card_id_{main}"] == cedar["main"]["card_id"]
    assert {fields[f"card_state_{i}"] for i in range(4)} == {"NORMAL", "FROZEN", "EXPIRED"}


def test_history_pages_by_number_with_a_has_more_flag(cedar_api, cedar) -> None:
    number = cedar["main"]["card_number"]
    first = cedar_api.ok("card.history", user_id="u1001", card_no=number, page_no="1", page_size="20")
    last = cedar_api.ok("card.history", user_id="u1001", card_no=number, page_no="2", page_size="20")
    assert (first["record_count"], first["has_more"]) == ("20", "true")
    assert (last["record_count"], last["has_more"]) == ("5", "false")
    assert "trade_no_5" not in last and last["trade_type_4"] == "RECHARGE"


def test_the_pin_travels_as_md5_of_number_and_pin(cedar_api, cedar, admin) -> None:
    card = cedar["main"]
    pay = {"user_id": "u1001", "card_no": card["card_number"], "total_fee": "1234"}
    clear = cedar_api.call("trade.pay", out_trade_no="cx-clear", pay_pwd=card["secret"], **pay)
    assert (clear["result_code"], clear["err_code"]) == ("FAIL", "PASSWORD_ERROR")
    paid = cedar_api.ok(
        "trade.pay", out_trade_no="cx-digest", pay_pwd=pin_digest(card["card_number"], card["secret"]), **pay
    )
    assert (paid["trade_state"], paid["total_fee"]) == ("SUCCESS", "1234")
    assert admin.card("cedar", card["card_id"])["balance"] == card["balance"] - 1234


def test_a_repeated_out_trade_no_is_refused_and_charges_once(cedar_api, cedar, admin) -> None:
    card = cedar["main"]
    pay = {"user_id": "u1001", "card_no": card["card_number"], "out_trade_no": "cx-once", "total_fee": "500"}
    cedar_api.ok("trade.pay", **pay)
    again = cedar_api.call("trade.pay", **pay)
    assert (again["result_code"], again["err_code"]) == ("FAIL", "OUT_TRADE_NO_USED")
    assert admin.card("cedar", card["card_id"])["balance"] == card["balance"] - 500


def test_a_slow_pay_answers_userpaying_and_the_query_says_when_it_is_paid(cedar_api, cedar, admin) -> None:
    card = cedar["main"]
    admin.add_fault(system="cedar", op="pay", mode="processing", delay_ms=300, count=1)
    pay = cedar_api.call(
        "trade.pay", user_id="u1001", card_no=card["card_number"], out_trade_no="cx-slow", total_fee="2000"
    )
    assert (pay["return_code"], pay["result_code"], pay["err_code"]) == ("SUCCESS", "FAIL", "USERPAYING")
    assert pay["trade_state"] == "USERPAYING"
    assert cedar_api.ok("trade.query", out_trade_no="cx-slow")["trade_state"] in ("USERPAYING", "SUCCESS")
    assert settled(lambda: cedar_api.ok("trade.query", out_trade_no="cx-slow")["trade_state"] == "SUCCESS")
    assert admin.card("cedar", card["card_id"])["balance"] == card["balance"] - 2000


def test_a_declined_pay_answers_notenough_with_payerror(cedar_api, cedar) -> None:
    small = cedar["small"]
    pay = {"user_id": "u1001", "card_no": small["card_number"], "out_trade_no": "cx-low", "total_fee": "5000"}
    fields = cedar_api.call("trade.pay", **pay)
    assert (fields["err_code"], fields["trade_state"]) == ("NOTENOUGH", "PAYERROR")
    assert cedar_api.ok("trade.query", out_trade_no="cx-low")["trade_state"] == "PAYERROR"


def test_reverse_and_refund(cedar_api, cedar, admin) -> None:
    card = cedar["main"]
    for trade in ("cx-r1", "cx-r2"):
        cedar_api.ok("trade.pay", user_id="u1001", card_no=card["card_number"], out_trade_no=trade, total_fee="1000")
    assert cedar_api.ok("trade.reverse", out_trade_no="cx-r1")["trade_state"] == "REVOKED"
    refund = {"out_trade_no": "cx-r2", "out_refund_no": "cx-r2-1", "refund_fee": "400"}
    assert cedar_api.ok("trade.refund", **refund)["refund_fee"] == "400"
    assert cedar_api.ok("trade.refund", **refund)["refund_fee"] == "400"  # once per out_refund_no
    assert admin.card("cedar", card["card_id"])["balance"] == card["balance"] - 600


def test_an_unknown_service_fails_at_the_first_level(cedar_api) -> None:
    assert cedar_api.call("card.nothing")["return_code"] == "FAIL"


def test_bind_takes_the_password_digest_and_refuses_it_in_clear(cedar_api, cedar, admin) -> None:
    card = cedar["unbound"][0]
    clear = cedar_api.call("card.bind", user_id="u1003", card_no=card["card_number"], card_pwd=card["secret"])
    assert clear["err_code"] == "PASSWORD_ERROR"
    digest = pin_digest(card["card_number"], card["secret"])
    bound = cedar_api.ok("card.bind", user_id="u1003", card_no=card["card_number"], card_pwd=digest)
    assert (bound["card_id"], bound["card_state"], bound["balance"]) == (
        card["card_id"],
        "NORMAL",
        str(card["balance"]),
    )
    assert admin.card("cedar", card["card_id"])["user_id"] == "u1003"
