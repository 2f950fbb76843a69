"""Answers about something else are never success: another payment's echo (payment.id), a refund's own status."""

from __future__ import annotations

import logging

import pytest
import responses
from dialect_fake import BASE, DIALECT, NUMBER, adapter, dialect
from pydantic import ValidationError

from bff.cards.errors import CardSystemError, CardSystemUnavailable
from bff.cards.models import PaymentStatus, PayRequest

ECHOED = {**DIALECT["payment"], "id": "orderNo"}
REFUND = {
    "status": "refundStatus",
    "status_map": {"SUCCESS": "SUCCEEDED", "PROCESSING": "PROCESSING", "ABNORMAL": "FAILED", "CLOSED": "FAILED"},
    "amount": "refundAmount",
}
REVERSE = {"reverse": {"path": "/reverse", "params": {"orderNo": "{payment_id}"}}}
CARD = {"cardNo": NUMBER, "balance": 5000, "state": "OK"}


def pay(gateway, payment_id="kb-1-1-1"):
    responses.post(f"{BASE}/cards", json={"success": True, "cards": [CARD]})
    card_id = gateway.list_cards("u1")[0].card_id
    return gateway.pay(PayRequest(payment_id, "u1", card_id, "O-1", 1200, "CNY"))


# payment.id: an answer naming another payment is unknown -----------------------------------------


@responses.activate
def test_a_pay_answer_about_another_payment_is_unknown_never_paid(caplog):
    responses.post(f"{BASE}/pay", json={"success": True, "status": "PAID", "amount": 1200, "orderNo": "kb-9-9-9"})
    caplog.set_level(logging.WARNING)
    with pytest.raises(CardSystemUnavailable, match="another payment"):
        pay(adapter(dialect(payment=ECHOED)))
    assert "unseen pay: answer about another payment ('kb-9-9-9' at orderNo, asked about 'kb-1-1-1')" in caplog.text


@responses.activate
def test_a_pay_answer_naming_the_payment_is_paid():
    responses.post(f"{BASE}/pay", json={"success": True, "status": "PAID", "amount": 1200, "orderNo": "kb-1-1-1"})
    assert pay(adapter(dialect(payment=ECHOED))).status is PaymentStatus.SUCCEEDED


@responses.activate
def test_a_pay_answer_without_the_echo_is_unknown_where_the_dialect_says_it_echoes():
    responses.post(f"{BASE}/pay", json={"success": True, "status": "PAID", "amount": 1200})
    with pytest.raises(CardSystemUnavailable):
        pay(adapter(dialect(payment=ECHOED)))


@responses.activate
def test_a_status_answer_about_another_payment_is_unknown_in_progress_too():
    gateway = adapter(dialect(payment=ECHOED, result={**DIALECT["result"], "pending": ["PAYING"]}))
    responses.post(f"{BASE}/query", json={"success": True, "status": "PAID", "amount": 1200, "orderNo": "kb-2"})
    with pytest.raises(CardSystemUnavailable, match="another payment"):
        gateway.payment_status("kb-1")
    responses.replace(responses.POST, f"{BASE}/query", json={"success": False, "errorCode": "PAYING", "amount": 5})
    with pytest.raises(CardSystemUnavailable, match="another payment"):
        gateway.payment_status("kb-1")


@responses.activate
def test_a_reversal_answer_about_another_payment_is_not_a_reversal():
    gateway = adapter(dialect(payment=ECHOED, operations=REVERSE))
    responses.post(f"{BASE}/reverse", json={"success": True, "orderNo": "kb-2"})
    with pytest.raises(CardSystemUnavailable, match="another payment"):
        gateway.reverse("kb-1")
    responses.replace(responses.POST, f"{BASE}/reverse", json={"success": True, "orderNo": "kb-1"})
    assert gateway.reverse("kb-1").status is PaymentStatus.REVERSED


@responses.activate
def test_a_refund_answer_about_another_payment_is_not_confirmed():
    responses.post(f"{BASE}/refund", json={"success": True, "orderNo": "kb-2"})
    with pytest.raises(CardSystemUnavailable, match="another payment"):
        adapter(dialect(payment=ECHOED)).refund("kb-1", "r-1", 500)


def test_a_payment_id_that_is_no_expression_is_refused_by_key_path():
    with pytest.raises(ValidationError) as raised:
        dialect(payment={**ECHOED, "id": "order No["})
    assert raised.value.errors()[0]["loc"][:2] == ("payment", "id")


# refund: a refund answer's own status --------------------------------------------------------------


@responses.activate
def test_without_a_refund_map_an_ok_refund_is_refunded_without_a_misleading_log(caplog):
    responses.post(f"{BASE}/refund", json={"success": True})
    caplog.set_level(logging.INFO)
    refund = adapter(dialect()).refund("kb-1", "r-1", 500)
    assert (refund.status, refund.refunded_amount) == (PaymentStatus.SUCCEEDED, 500)
    assert "without a known status" not in caplog.text


@responses.activate
@pytest.mark.parametrize("status", ["PROCESSING", "WEIRD", None])
def test_a_refund_in_progress_or_with_an_unknown_status_is_not_confirmed(status, caplog):
    answer = {"success": True, "refundAmount": 500, **({"refundStatus": status} if status else {})}
    responses.post(f"{BASE}/refund", json=answer)
    caplog.set_level(logging.INFO)
    with pytest.raises(CardSystemUnavailable, match="in progress" if status == "PROCESSING" else "missing or unknown"):
        adapter(dialect(refund=REFUND)).refund("kb-1", "r-1", 500)
    if status == "PROCESSING":
        assert "unseen refund: in progress (status 'PROCESSING')" in caplog.text
    else:
        assert "unseen refund: refund answer without a known status" in caplog.text


@responses.activate
def test_a_refund_the_system_says_failed_is_refused():
    responses.post(f"{BASE}/refund", json={"success": True, "refundStatus": "ABNORMAL", "refundAmount": 500})
    with pytest.raises(CardSystemError, match="ABNORMAL"):
        adapter(dialect(refund=REFUND)).refund("kb-1", "r-1", 500)


@responses.activate
def test_a_refund_its_status_confirms_is_refunded_for_the_amount_asked():
    responses.post(f"{BASE}/refund", json={"success": True, "refundStatus": "SUCCESS", "refundAmount": 500})
    refund = adapter(dialect(refund=REFUND)).refund("kb-1", "r-1", 500)
    assert (refund.status, refund.refunded_amount) == (PaymentStatus.SUCCEEDED, 500)
    with pytest.raises(CardSystemUnavailable, match="another amount"):
        adapter(dialect(refund=REFUND)).refund("kb-1", "r-2", 400)


@pytest.mark.parametrize(
    ("change", "where", "words"),
    [
        ({"refund": {**REFUND, "status_map": {"PROCESSING": "PROCESSING"}}}, ("refund",), "no status means SUCCEEDED"),
        ({"refund": {**REFUND, "status_map": {"SUCCESS": "REFUNDED"}}}, ("refund", "status_map", "SUCCESS"), ""),
        ({"refund": REFUND, "operations": {"refund": None}}, (), "needs the refund operation"),
    ],
)
def test_a_wrong_refund_map_is_refused_by_key_path(change, where, words):
    with pytest.raises(ValidationError) as raised:
        dialect(**change)
    error = raised.value.errors()[0]
    assert error["loc"][: len(where)] == where and words in error["msg"]
