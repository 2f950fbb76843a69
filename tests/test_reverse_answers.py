"""A reversal's answer: its success code alone says void, but a status it gives must be one we know."""

from __future__ import annotations

import json

import pytest
import responses
from dialect_fake import BASE, adapter, dialect

from bff.cards.errors import CardSystemUnavailable
from bff.cards.models import PaymentStatus

REVERSE = {"path": "/reverse", "params": {"orderNo": "{payment_id}"}}
PAYMENT = {"status": "status", "status_map": {"PAID": "SUCCEEDED", "FAILED": "FAILED", "VOID": "REVERSED"}}


def reverse_answering(answer: dict):
    responses.add(responses.POST, f"{BASE}/reverse", body=json.dumps({"success": True, **answer}))
    config = dialect(operations={"reverse": REVERSE}, payment={**PAYMENT, "amount": "amount"})
    return adapter(config).reverse("kb-1-1-1")


@responses.activate
def test_a_reversal_answering_success_without_a_status_is_void():
    assert reverse_answering({}).status is PaymentStatus.REVERSED


@responses.activate
def test_a_reversal_answering_a_status_we_map_is_that_status():
    assert reverse_answering({"status": "VOID"}).status is PaymentStatus.REVERSED


@responses.activate
def test_a_reversal_answering_a_status_we_dont_know_is_unknown_never_void():
    """A 'REVOKING' (still being voided, or not at all) taken as REVERSED would leave a shopper charged for nothing."""
    with pytest.raises(CardSystemUnavailable):
        reverse_answering({"status": "REVOKING"})
