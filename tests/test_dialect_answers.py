"""Answers in the mapping language: JMESPath fields, result codes at two levels, flags, HTTP statuses, flat lists."""

from __future__ import annotations

import pytest
import responses
from dialect_fake import BASE, NUMBER, UnseenSystem, adapter, dialect
from pydantic import ValidationError

from bff.cards.errors import CardSystemError, CardSystemUnavailable, ErrorCode
from bff.cards.models import PaymentStatus, PayRequest

CARD = {"cardNo": NUMBER, "balance": 5000, "state": "OK"}
TWO_LEVELS = {
    "code": "return_code",
    "ok": ["SUCCESS"],
    "errors": {"FAIL": "UNAVAILABLE"},
    "business": {
        "code": "result_code",
        "ok": ["SUCCESS"],
        "error": "err_code",
        "errors": {"NOTENOUGH": "INSUFFICIENT_BALANCE", "SYSTEMERROR": "UNAVAILABLE"},
    },
}


def pay_request(amount=1200):
    return PayRequest("kb-1-1-1", "u1", "k-card", "O-1", amount, "CNY")


def list_cards_with(result, answer, status=200):
    responses.post(f"{BASE}/cards", json=answer, status=status)
    return adapter(dialect(result=result)).list_cards("u1")


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ({"return_code": "SUCCESS", "result_code": "SUCCESS", "cards": [CARD]}, "ok"),
        ({"return_code": "SUCCESS", "result_code": "FAIL", "err_code": "NOTENOUGH"}, ErrorCode.INSUFFICIENT_BALANCE),
        ({"return_code": "FAIL", "return_msg": "签名错误"}, "unknown"),
        ({"return_code": "SUCCESS", "result_code": "FAIL", "err_code": "NEW_CODE"}, "unknown"),
        ({"return_code": "SUCCESS", "result_code": "FAIL"}, "unknown"),
        ({"return_code": "SUCCESS", "cards": [CARD]}, "unknown"),  # no business code: never success
        ({"result_code": "SUCCESS", "cards": [CARD]}, "unknown"),  # no communication code either
    ],
)
@responses.activate
def test_two_level_result_codes(answer, outcome):
    if outcome == "ok":
        assert list_cards_with(TWO_LEVELS, answer)[0].balance == 5000
    elif outcome == "unknown":
        with pytest.raises(CardSystemUnavailable):
            list_cards_with(TWO_LEVELS, answer)
    else:
        with pytest.raises(CardSystemError) as caught:
            list_cards_with(TWO_LEVELS, answer)
        assert caught.value.code is outcome


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ({"success": True, "cards": [CARD]}, "ok"),
        ({"success": "true", "cards": [CARD]}, "ok"),
        ({"success": False, "errorCode": "NO_MONEY"}, ErrorCode.INSUFFICIENT_BALANCE),
        ({"success": False, "errorCode": "WHAT"}, "unknown"),
        ({"success": "yes", "cards": [CARD]}, "unknown"),
        ({"cards": [CARD]}, "unknown"),
    ],
)
@responses.activate
def test_success_by_a_boolean_flag(answer, outcome):
    result = {"flag": "success", "error": "errorCode", "errors": {"NO_MONEY": "INSUFFICIENT_BALANCE"}}
    if outcome == "ok":
        assert list_cards_with(result, answer)[0].last4 == NUMBER[-4:]
    elif outcome == "unknown":
        with pytest.raises(CardSystemUnavailable):
            list_cards_with(result, answer)
    else:
        with pytest.raises(CardSystemError) as caught:
            list_cards_with(result, answer)
        assert caught.value.code is outcome


@pytest.mark.parametrize(
    ("status", "answer", "outcome"),
    [
        (200, {"cards": [CARD]}, "ok"),
        (402, {"error": {"code": "balance_low"}}, ErrorCode.INSUFFICIENT_BALANCE),
        (404, {"error": {"code": "no_such_thing"}}, "unknown"),
        (400, {"cards": [CARD]}, "unknown"),
    ],
)
@responses.activate
def test_success_by_http_status(status, answer, outcome):
    result = {"http_ok": [200], "error": "error.code", "errors": {"balance_low": "INSUFFICIENT_BALANCE"}}
    if outcome == "ok":
        assert list_cards_with(result, answer, status)[0].balance == 5000
    elif outcome == "unknown":
        with pytest.raises(CardSystemUnavailable):
            list_cards_with(result, answer, status)
    else:
        with pytest.raises(CardSystemError) as caught:
            list_cards_with(result, answer, status)
        assert caught.value.code is outcome


@responses.activate
def test_a_declined_payment_reads_its_error_from_a_flagged_answer():
    system = UnseenSystem()
    system.install()
    system.declines.add(NUMBER)
    gateway = adapter(dialect())
    card_id = gateway.list_cards("u1")[0].card_id
    payment = gateway.pay(PayRequest("kb-1-1-1", "u1", card_id, "O-1", 1200, "CNY"))
    assert (payment.status, payment.error_code) == (PaymentStatus.FAILED, "INSUFFICIENT_BALANCE")


FLAT = {
    "return_code": "SUCCESS",
    "result_code": "SUCCESS",
    "card_count": "2",
    "card_no_0": "6200000000001111",
    "balance_0": 100,
    "state_0": "OK",
    "card_no_1": "6200000000002222",
    "balance_1": 250,
    "state_1": "OK",
    "balance_10": 999,  # a distractor: item 10 of a list of two
}


def flat_lists():
    card = {"id_from_number": "card_no", "last4": "card_no", "status": "state", "status_map": {"OK": "ACTIVE"}}
    card["balance"] = "balance"
    operation = {"path": "/cards", "params": {"user": "{user_id}"}, "indexed": {"count": "card_count"}}
    return adapter(dialect(result=TWO_LEVELS, card=card, operations={"list_cards": operation}))


@responses.activate
def test_flattened_indexed_lists_read_as_a_list():
    responses.post(f"{BASE}/cards", json=FLAT)
    cards = flat_lists().list_cards("u1")
    assert [(c.last4, c.balance) for c in cards] == [("1111", 100), ("2222", 250)]


@pytest.mark.parametrize("change", [{"card_count": "3"}, {"card_count": None}, {"card_count": True}])
@responses.activate
def test_a_flat_list_that_does_not_add_up_is_unknown(change):
    responses.post(f"{BASE}/cards", json={k: v for k, v in {**FLAT, **change}.items() if v is not None})
    with pytest.raises(CardSystemUnavailable):
        flat_lists().list_cards("u1")


@responses.activate
def test_fields_are_jmespath_expressions():
    answer = {
        "success": True,
        "cards": [{**CARD, "balance": None, "accounts": [{"t": "GIFT", "v": 7}, {"t": "CNY", "v": 4200}]}],
    }
    responses.post(f"{BASE}/cards", json=answer)
    card = {**dialect().card.model_dump(exclude_none=True), "balance": "accounts[?t=='CNY'].v | [0]"}
    assert adapter(dialect(card=card)).list_cards("u1")[0].balance == 4200


@pytest.mark.parametrize(
    ("result", "problem"),
    [
        ({"code": "rc"}, "code needs ok"),
        ({"ok": ["0"]}, "ok needs code"),
        ({"flag": "success", "http_ok": [200]}, "exactly one way"),
        ({"code": "rc", "ok": ["0"], "business": {"errors": {"X": "UNAVAILABLE"}}}, "exactly one way"),
        ({"code": "rc[", "ok": ["0"]}, "not a JMESPath expression"),
    ],
)
def test_a_result_config_that_cannot_be_read_is_refused(result, problem):
    with pytest.raises(ValidationError) as caught:
        dialect(result=result)
    assert problem in str(caught.value)


def test_numbered_fields_are_refused_where_no_list_is_answered():
    pay = {"path": "/pay", "params": {"orderNo": "{payment_id}"}, "indexed": {"count": "n"}}
    with pytest.raises(ValidationError) as caught:
        dialect(operations={"pay": pay})
    assert "only list_cards and transactions" in str(caught.value)
