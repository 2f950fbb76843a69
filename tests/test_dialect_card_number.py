"""card.number: where cards have a real id, {card_number} (and a PIN salted with it) is filled by one card list."""

from __future__ import annotations

import copy
import hashlib
import logging

import pytest
import responses
from dialect_fake import DIALECT, NUMBER, UnseenSystem, adapter
from pydantic import ValidationError

from bff.cards.models import PaymentStatus, PayRequest
from bff.merchants.dialect import Dialect

CARD = {**DIALECT["card"], "id": "cardId", "number": "cardNo"}
del CARD["id_from_number"]


def with_ids(card=CARD, **changes):
    config = copy.deepcopy(DIALECT)
    config["card"] = card
    config["operations"]["pay"]["params"]["pwd"] = "{secret}"
    config["wire_secret"] = {"form": "md5", "text": "{card_number}{secret}"}
    config.update(changes)
    return config


@responses.activate
def test_a_pay_on_a_card_with_an_id_carries_its_number_and_a_salted_pin_never_logged(caplog):
    system = UnseenSystem()
    system.install()
    gateway = adapter(Dialect.model_validate(with_ids()))
    card = gateway.list_cards("u1")[0]
    assert card.card_id == f"C-{NUMBER[-6:]}"
    with caplog.at_level(logging.DEBUG):
        payment = gateway.pay(PayRequest("kb-1-1-1", "u1", card.card_id, "O-1", 1200, "CNY", secret="123456"))
    assert payment.status is PaymentStatus.SUCCEEDED and system.paid == {"kb-1-1-1": 1200}
    op, body = system.calls[-1]
    assert (op, body["cardNo"]) == ("pay", NUMBER)
    assert body["pwd"] == hashlib.md5(f"{NUMBER}123456".encode()).hexdigest()
    assert [op for op, _ in system.calls] == ["cards", "cards", "pay"]  # one list_cards call per pay
    assert NUMBER not in caplog.text and "123456" not in caplog.text


@responses.activate
def test_history_by_card_number_on_a_card_with_an_id():
    system = UnseenSystem(rows=3)
    system.install()
    gateway = adapter(Dialect.model_validate(with_ids()))
    page = gateway.transactions("u1", f"C-{NUMBER[-6:]}", None, 10)
    assert len(page.transactions) == 3 and system.calls[-1][1]["cardNo"] == NUMBER


def refused(config):
    with pytest.raises(ValidationError) as caught:
        Dialect.model_validate(config)
    return caught.value.errors()[0]["msg"]


def test_card_number_on_a_card_operation_without_card_number_is_refused():
    card = {k: v for k, v in CARD.items() if k != "number"}
    assert "operations.transactions: {card_number} needs card.number" in refused(with_ids(card=card))


def test_a_pin_salted_with_the_number_on_pay_needs_card_number():
    card = {k: v for k, v in CARD.items() if k != "number"}
    config = with_ids(card=card)
    config["operations"]["transactions"]["params"]["cardNo"] = "{card_id}"
    config["operations"]["pay"]["params"]["cardNo"] = "{card_id}"
    assert "operations.pay: {card_number} needs card.number" in refused(config)


def test_card_number_where_no_card_is_named_is_refused():
    config = with_ids()
    config["operations"]["refund"]["params"]["cardNo"] = "{card_number}"
    assert "operations.refund: {card_number} is unknown here" in refused(config)


def test_number_beside_id_from_number_is_refused():
    card = {**DIALECT["card"], "number": "cardNo"}
    assert "number is for cards with an id" in refused(with_ids(card=card))
