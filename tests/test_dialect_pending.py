"""A result code that means "in progress" (result.pending): a pay is PROCESSING and polled, never failed or paid."""

from __future__ import annotations

import logging

import pytest
import responses
from dialect_fake import BASE, DIALECT, adapter, dialect
from pydantic import ValidationError

from bff.cards.errors import CardSystemUnavailable
from bff.cards.models import PaymentStatus, PayRequest
from bff.merchants.dialect import Dialect

PENDING = {**DIALECT["result"], "pending": ["PAYING"]}
PAYING = {"success": False, "errorCode": "PAYING"}
CARD = {"cardNo": "6200123456789012", "balance": 5000, "state": "OK"}


def pay_answered(answer, result):
    """Pay 12.00 on the fake's one card, the pay answered with answer."""
    responses.post(f"{BASE}/cards", json={"success": True, "cards": [CARD]})
    responses.post(f"{BASE}/pay", json=answer)
    gateway = adapter(dialect(result=result))
    card_id = gateway.list_cards("u1")[0].card_id
    return gateway.pay(PayRequest("kb-1-1-1", "u1", card_id, "O-1", 1200, "CNY"))


@responses.activate
def test_a_pay_answered_in_progress_is_processing_and_logged_as_in_progress(caplog):
    with caplog.at_level(logging.INFO):
        payment = pay_answered(PAYING, PENDING)
    assert (payment.status, payment.amount, payment.error_code) == (PaymentStatus.PROCESSING, 1200, None)
    assert "pay: in progress (code 'PAYING')" in caplog.text
    assert "unknown result code" not in caplog.text


@responses.activate
def test_a_status_query_answered_in_progress_is_processing_with_the_amount_it_gives():
    responses.post(f"{BASE}/query", json={**PAYING, "amount": 1200})
    payment = adapter(dialect(result=PENDING)).payment_status("kb-1-1-1")
    assert (payment.status, payment.amount) == (PaymentStatus.PROCESSING, 1200)


@responses.activate
def test_a_status_query_in_progress_without_an_amount_stays_unknown():
    responses.post(f"{BASE}/query", json=PAYING)
    with pytest.raises(CardSystemUnavailable):
        adapter(dialect(result=PENDING)).payment_status("kb-1-1-1")


@responses.activate
def test_any_other_operation_answered_in_progress_is_unavailable():
    responses.post(f"{BASE}/cards", json=PAYING)
    with pytest.raises(CardSystemUnavailable):
        adapter(dialect(result=PENDING)).list_cards("u1")


@responses.activate
def test_without_pending_the_same_code_stays_unknown_never_failed():
    with pytest.raises(CardSystemUnavailable) as caught:
        pay_answered(PAYING, DIALECT["result"])
    assert "unknown" in str(caught.value)


TWO_LEVELS = {
    "code": "return_code",
    "ok": ["SUCCESS"],
    "business": {"code": "result_code", "ok": ["SUCCESS"], "error": "err_code", "pending": ["USERPAYING"]},
}


@responses.activate
def test_pending_works_at_the_business_level():
    answer = {"return_code": "SUCCESS", "result_code": "FAIL", "err_code": "USERPAYING"}
    cards = {"return_code": "SUCCESS", "result_code": "SUCCESS", "cards": [CARD]}
    responses.post(f"{BASE}/cards", json=cards)
    responses.post(f"{BASE}/pay", json=answer)
    gateway = adapter(dialect(result=TWO_LEVELS))
    card_id = gateway.list_cards("u1")[0].card_id
    payment = gateway.pay(PayRequest("kb-1-1-1", "u1", card_id, "O-1", 1200, "CNY"))
    assert payment.status is PaymentStatus.PROCESSING


@pytest.mark.parametrize(
    ("result", "where", "words"),
    [
        ({**PENDING, "errors": {"PAYING": "UNAVAILABLE"}}, "result", "'PAYING' is also in ok or errors"),
        ({"code": "rc", "ok": ["OK", "PAYING"], "pending": ["PAYING"]}, "result", "'PAYING' is also in ok or errors"),
        (
            {**TWO_LEVELS, "business": {**TWO_LEVELS["business"], "errors": {"USERPAYING": "UNAVAILABLE"}}},
            "result.business",
            "'USERPAYING' is also in ok or errors",
        ),
        ({"flag": "success", "pending": ["PAYING"]}, "result", "pending needs error"),
    ],
)
def test_a_code_both_pending_and_ok_or_an_error_is_refused_by_key_path(result, where, words):
    with pytest.raises(ValidationError) as caught:
        Dialect.model_validate({**DIALECT, "result": result})
    error = caught.value.errors()[0]
    assert ".".join(str(p) for p in error["loc"]) == where
    assert words in error["msg"]
