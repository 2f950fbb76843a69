"""The standard adapter maps every answer to a domain object or one of our own errors."""

from __future__ import annotations

import pytest
import requests
import responses

from bff.adapters.breaker import CircuitBreaker
from bff.adapters.guarded import make_session
from bff.adapters.http import HttpClient
from bff.adapters.standard import StandardAdapter
from bff.cards.errors import CardSystemError, CardSystemUnavailable, ErrorCode
from bff.cards.models import BindRequest, CardStatus

BASE = "http://cards.test/v1"
CARD = {
    "card_id": "c_1",
    "last4": "4321",
    "card_type": "gift",
    "status": "ACTIVE",
    "balance": 12345,
    "currency": "CNY",
    "expires_on": "2027-12-31",
}


@pytest.fixture
def adapter():
    session = make_session()
    client = HttpClient(
        BASE,
        session,
        (0.5, 0.5),
        {"Authorization": "Bearer k"},
        CircuitBreaker(50, 60, CardSystemUnavailable),
        "test-shop",
        read_retries=2,
    )
    yield StandardAdapter(client)
    session.close()


@responses.activate
def test_card_detail_becomes_a_card_in_fen(adapter):
    responses.get(f"{BASE}/users/u1/cards/c_1", json={"result": "OK", "card": CARD})
    card = adapter.card_detail("u1", "c_1")
    assert (card.balance, card.status, card.last4) == (12345, CardStatus.ACTIVE, "4321")
    assert responses.calls[0].request.headers["Authorization"] == "Bearer k"


@responses.activate
@pytest.mark.parametrize("code", [c.value for c in ErrorCode if c is not ErrorCode.UNAVAILABLE])
def test_error_codes_become_card_system_errors(adapter, code):
    responses.post(f"{BASE}/bindings", json={"result": "ERROR", "error": {"code": code}}, status=400)
    with pytest.raises(CardSystemError) as caught:
        adapter.bind(BindRequest("u1", "6000000000000000", secret="123456"))
    assert caught.value.code == ErrorCode(code)


@responses.activate
@pytest.mark.parametrize(
    "answer",
    [
        {"json": {"result": "ERROR", "error": {"code": "SOMETHING_NEW"}}},
        {"json": {"result": "MAYBE"}},
        {"json": {"card": CARD}},
        {"json": {"result": "ERROR", "error": {"code": "UNAVAILABLE"}}, "status": 503},
        {"body": "<html>oops</html>", "status": 200},
        {"json": {"result": "OK", "card": {**CARD, "balance": "123.45"}}},
        {"json": {"result": "OK", "card": {**CARD, "balance": 1.5}}},
        {"json": {"result": "OK", "card": {**CARD, "status": "SLEEPING"}}},
        {"json": {"result": "OK", "card": {**CARD, "card_id": "c_2"}}},
        {"body": "Internal Server Error", "status": 500},
    ],
)
def test_unknown_or_malformed_answers_are_unavailable_never_success(adapter, answer):
    responses.get(f"{BASE}/users/u1/cards/c_1", **answer)
    with pytest.raises(CardSystemUnavailable):
        adapter.card_detail("u1", "c_1")


@responses.activate
def test_reads_are_retried_but_writes_never_resent(adapter):
    responses.get(f"{BASE}/users/u1/cards", body="busy", status=503)
    responses.delete(f"{BASE}/users/u1/cards/c_1", body="busy", status=503)
    with pytest.raises(CardSystemUnavailable):
        adapter.list_cards("u1")
    with pytest.raises(CardSystemUnavailable):
        adapter.unbind("u1", "c_1")
    methods = [call.request.method for call in responses.calls]
    assert methods.count("GET") == 3  # the first try and two retries
    assert methods.count("DELETE") == 1


@responses.activate
def test_timeouts_are_unavailable(adapter):
    responses.get(f"{BASE}/users/u1/cards", body=requests.ReadTimeout("slow"))
    with pytest.raises(CardSystemUnavailable):
        adapter.list_cards("u1")


@responses.activate
def test_ids_are_escaped_into_paths(adapter):
    responses.get(f"{BASE}/users/u%2F1/cards/c%2F..%2F1", json={"result": "OK", "card": {**CARD, "card_id": "c/../1"}})
    assert adapter.card_detail("u/1", "c/../1").card_id == "c/../1"


@responses.activate
def test_a_failing_card_system_is_short_circuited():
    session = make_session()
    breaker = CircuitBreaker(3, 60, CardSystemUnavailable)
    adapter = StandardAdapter(HttpClient(BASE, session, (0.5, 0.5), {}, breaker, "test-shop"))
    responses.get(f"{BASE}/users/u1/cards", body="down", status=500)
    for _ in range(5):
        with pytest.raises(CardSystemUnavailable):
            adapter.list_cards("u1")
    assert len(responses.calls) == 3
    session.close()


@responses.activate
def test_transactions_page_parses_signed_fen_and_cursor(adapter):
    responses.get(
        f"{BASE}/users/u1/cards/c_1/transactions",
        json={
            "result": "OK",
            "next_cursor": "abc",
            "transactions": [
                {
                    "txn_id": "t1",
                    "kind": "PAYMENT",
                    "amount": -2500,
                    "balance_after": 9845,
                    "created_at": "2026-11-25T12:00:00+08:00",
                    "description": "Order 1",
                    "payment_id": "kb_1",
                }
            ],
        },
    )
    page = adapter.transactions("u1", "c_1", None, 10)
    assert page.next_cursor == "abc"
    assert page.transactions[0].amount == -2500
    assert "limit=10" in responses.calls[0].request.url
