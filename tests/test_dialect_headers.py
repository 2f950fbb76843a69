"""Extra request headers (dialect-wide and per operation): constants, templates, never a clash or a broken line."""

from __future__ import annotations

import pytest
import responses
from dialect_fake import UnseenSystem, adapter, dialect
from pydantic import ValidationError

from bff.cards.errors import CardSystemUnavailable
from bff.cards.models import PaymentStatus, PayRequest


def pay_once(gateway, user: str = "u1"):
    card = gateway.list_cards(user)[0]
    return gateway.pay(PayRequest("kb-1-1-1", user, card.card_id, "O-1", 1200, "CNY"))


@responses.activate
def test_dialect_and_operation_headers_go_on_every_request_beside_the_signature():
    system = UnseenSystem()
    system.install()
    pay = {
        "path": "/pay",
        "params": {"cardNo": "{card_number}", "orderNo": "{payment_id}", "amount": "{amount}"},
        "headers": {"Idempotency-Key": "{payment_id}", "X-Amount-Yuan": "{{ amount | yuan }}"},
    }
    gateway = adapter(
        dialect(headers={"X-Api-Version": "2024-06-01", "X-Request-Id": "{uuid}"}, operations={"pay": pay})
    )
    assert pay_once(gateway).status is PaymentStatus.SUCCEEDED
    sent = [call.request.headers for call in responses.calls]
    assert all(h["X-Api-Version"] == "2024-06-01" and h["X-Api-Key"] == "k3y" for h in sent)
    assert len({h["X-Request-Id"] for h in sent}) == len(sent)  # a fresh id per request
    assert sent[-1]["Idempotency-Key"] == "kb-1-1-1" and sent[-1]["X-Amount-Yuan"] == "12.00"
    assert "Idempotency-Key" not in sent[0]  # list_cards: the pay operation's headers are its own


@responses.activate
def test_a_header_value_that_would_break_the_line_sends_nothing():
    system = UnseenSystem()
    system.install()
    gateway = adapter(dialect(headers={"X-User": "{user_id}"}))
    with pytest.raises(CardSystemUnavailable):
        gateway.list_cards("u1\r\nX-Injected: yes")
    assert len(responses.calls) == 0  # nothing sent, no header smuggled


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"Content-Type": "text/plain"}, "Content-Type: Kabao writes this header itself"),
        ({"X-Api-Key": "other"}, "headers.X-Api-Key: the signing pipeline writes this header"),
        ({"Bad Name": "1"}, "a header name is letters, digits and '-'"),
        ({"X-Version": 2}, "a header's value is text"),
        ({"X-Who": "{shopper}"}, "unknown placeholder {shopper}"),
    ],
)
def test_bad_headers_are_refused_by_key_path(headers, message):
    with pytest.raises(ValidationError, match=message) as refused:
        dialect(headers=headers)
    where = str(refused.value).splitlines()[1]  # the key path: pydantic's, or the message's own
    assert where == "headers" or "headers." in where


def test_an_operations_header_that_clashes_with_the_signature_names_its_operation():
    pay = {"path": "/pay", "params": {"orderNo": "{payment_id}"}, "headers": {"x-api-key": "k"}}
    with pytest.raises(ValidationError, match="operations.pay.headers.x-api-key: the signing pipeline writes"):
        dialect(operations={"pay": pay})
