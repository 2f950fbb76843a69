"""An answer with HTTP 204 No Content reads as an empty object: a success where the dialect says success by status.

An empty answer is never a payment: without a status it stays unknown, whatever its HTTP status.
"""

from __future__ import annotations

import pytest
import responses

from bff.adapters.breaker import CircuitBreaker
from bff.adapters.guarded import make_session
from bff.adapters.http import HttpClient
from bff.adapters.mapped import MappedAdapter
from bff.cards.errors import CardSystemUnavailable
from bff.cards.models import PayRequest
from bff.merchants.dialect import Dialect

BASE = "http://rest.test/v3/gym"


def adapter(result: dict) -> MappedAdapter:
    config = Dialect.model_validate(
        {
            "result": result,
            "card": {"id": "id", "last4": "no", "status": "state", "status_map": {"A": "ACTIVE"}, "balance": "bal"},
            "payment": {"status": "state", "status_map": {"SUCCESS": "SUCCEEDED"}, "amount": "amount"},
            "operations": {
                "list_cards": {"method": "GET", "path": "/users/{user_id}/cards", "answer": "data"},
                "unbind": {"method": "DELETE", "path": "/users/{user_id}/cards/{card_id}"},
                "pay": {"path": "/pay", "params": {"no": "{payment_id}", "amount": "{amount}"}},
                "payment_status": {"method": "GET", "path": "/pay/{payment_id}"},
            },
        }
    )
    client = HttpClient(BASE, make_session(), (0.5, 0.5), {}, CircuitBreaker(50, 60), "gym")
    return MappedAdapter(client, config, {})


BY_STATUS = {"http_ok": [200, 202, 204], "error": "code", "errors": {"PARAM_ERROR": "INVALID_REQUEST"}}


@responses.activate
def test_a_204_unbind_is_done():
    responses.add(responses.DELETE, f"{BASE}/users/u1/cards/c1", status=204)
    assert adapter(BY_STATUS).unbind("u1", "c1") is None


@responses.activate
def test_a_204_is_no_success_where_success_is_a_code():
    responses.add(responses.DELETE, f"{BASE}/users/u1/cards/c1", status=204)
    with pytest.raises(CardSystemUnavailable):
        adapter({"code": "code", "ok": ["OK"], "errors": {}}).unbind("u1", "c1")


@pytest.mark.parametrize("status", [200, 204])
@responses.activate
def test_an_empty_pay_answer_is_unknown_never_paid(status):
    responses.add(responses.POST, f"{BASE}/pay", status=status, body=b"")
    request = PayRequest(payment_id="p1", user_id="u1", card_id="c1", order_id="o1", amount=100, currency="CNY")
    with pytest.raises(CardSystemUnavailable):
        adapter(BY_STATUS).pay(request)
