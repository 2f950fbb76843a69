"""One gateway URL with the operation named in a field (gateway: {path, field}), in JSON and biz_content forms."""

from __future__ import annotations

import copy
import hashlib
import json
from urllib.parse import parse_qsl

import pytest
import responses
from dialect_fake import BASE, DIALECT, NUMBER, UnseenSystem, adapter
from pydantic import ValidationError

from bff.cards.models import PaymentStatus, PayRequest
from bff.merchants.dialect import Dialect

NAMES = {
    "bind": "card.bind",
    "list_cards": "card.list",
    "transactions": "card.history",
    "pay": "trade.pay",
    "payment_status": "trade.query",
    "refund": "trade.refund",
}
FAKE_OP = {"card.bind": "bind", "card.list": "cards", "card.history": "history", "trade.pay": "pay"}
FAKE_OP |= {"trade.query": "query", "trade.refund": "refund"}


def gateway_config(**changes):
    """The unseen system's dialect, every operation sent to /gw with its name in `service`."""
    config = copy.deepcopy(DIALECT)
    for name, op in config["operations"].items():
        del op["path"]
        op["name"] = NAMES[name]
    config["gateway"] = {"path": "/gw", "field": "service"}
    config["common"] = {"app_id": "A1"}
    config.update(changes)
    return config


def serve_gateway(system: UnseenSystem, read=json.loads):
    """One URL; the fake's own handlers chosen by the service field."""
    seen = []

    def callback(request):
        body = read(request.body)
        seen.append(body)
        params = json.loads(body["biz_content"]) if "biz_content" in body else body
        return 200, {}, json.dumps(getattr(system, f"_{FAKE_OP[body['service']]}")(params))

    responses.add_callback(responses.POST, f"{BASE}/gw", callback=callback)
    return seen


def pay_once(gateway):
    card = gateway.list_cards("u1")[0]
    return gateway.pay(PayRequest("kb-1-1-1", "u1", card.card_id, "O-1", 1200, "CNY"))


@responses.activate
def test_every_operation_goes_to_one_url_named_in_its_field_beside_the_common_ones():
    system = UnseenSystem()
    seen = serve_gateway(system)
    payment = pay_once(adapter(Dialect.model_validate(gateway_config())))
    assert payment.status is PaymentStatus.SUCCEEDED and system.paid == {"kb-1-1-1": 1200}
    assert [body["service"] for body in seen] == ["card.list", "card.list", "trade.pay"]
    assert seen[-1] == {"app_id": "A1", "service": "trade.pay", "cardNo": NUMBER, "orderNo": "kb-1-1-1", "amount": 1200}


@responses.activate
def test_with_biz_content_the_name_is_a_form_field_outside_the_json_and_is_signed():
    system = UnseenSystem()
    seen = serve_gateway(system, read=lambda raw: dict(parse_qsl(raw.decode())))
    signing = {
        "key_env": "KABAO_MERCHANT_UNSEEN_KEY",
        "signed": {"source": "params", "append": "&key={key}"},
        "algorithm": "md5",
        "encoding": "hex_upper",
        "put": {"field": "sign"},
    }
    config = gateway_config(encoding="form", json_in_field="biz_content", signing=signing)
    pay_once(adapter(Dialect.model_validate(config)))
    sent = seen[-1]
    assert sent["service"] == "trade.pay" and "service" not in json.loads(sent["biz_content"])
    text = "&".join(f"{k}={v}" for k, v in sorted(sent.items()) if k != "sign") + "&key=k3y"
    assert "service=trade.pay" in text
    assert sent["sign"] == hashlib.md5(text.encode()).hexdigest().upper()


def refused(config):
    with pytest.raises(ValidationError) as caught:
        Dialect.model_validate(config)
    return caught.value.errors()[0]["msg"]


def test_a_path_on_an_operation_of_a_gateway_is_refused_by_key_path():
    config = gateway_config()
    config["operations"]["pay"]["path"] = "/pay"
    assert "operations.pay.path: every operation goes to gateway.path" in refused(config)


def test_an_operation_of_a_gateway_without_a_name_is_refused():
    config = gateway_config()
    del config["operations"]["refund"]["name"]
    assert "operations.refund: say its name, written in service" in refused(config)


def test_a_name_without_a_gateway_and_an_operation_without_path_are_refused():
    config = copy.deepcopy(DIALECT)
    config["operations"]["pay"]["name"] = "trade.pay"
    assert "operations.pay.name: an operation's name is for a gateway" in refused(config)
    del config["operations"]["pay"]["name"], config["operations"]["pay"]["path"]
    assert "operations.pay: say its path" in refused(config)


def test_the_gateway_field_written_by_hand_is_refused():
    config = gateway_config()
    config["operations"]["pay"]["params"]["service"] = "trade.pay"
    assert "operations.pay.params: service is gateway.field" in refused(config)
