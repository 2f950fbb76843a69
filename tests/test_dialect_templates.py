"""Request values as Jinja2 expressions (sandboxed, typed output) beside the old {placeholder} form."""

from __future__ import annotations

import copy
import json
import re
import time

import pytest
import responses
from dialect_fake import DIALECT, UnseenSystem, adapter, dialect
from pydantic import ValidationError

from bff.cards.errors import CardSystemUnavailable
from bff.cards.models import PaymentStatus, PayRequest
from bff.merchants.dialect import Dialect
from bff.merchants.dialect_templates import SAMPLE, TemplateProblem, render

PAY = DIALECT["operations"]["pay"]


def pay_with(params, secret=None, **changes):
    """Pay 12.00 through the fake with these pay params; the body the fake received."""
    system = UnseenSystem()
    system.install()
    gateway = adapter(dialect(operations={"pay": {"path": "/pay", "params": params}}, **changes))
    card = gateway.list_cards("u1")[0]
    try:
        outcome = gateway.pay(PayRequest("kb-1-1-1", "u1", card.card_id, "O-1", 1200, "CNY", secret=secret))
    except CardSystemUnavailable as exc:
        outcome = exc
    return outcome, system.calls[-1][1]


@responses.activate
def test_expressions_write_typed_values_ints_stay_ints_and_mixed_text_is_text():
    params = {
        **PAY["params"],
        "amount": "{{ amount }}",
        "total": "{{ amount | yuan }}",
        "mills": "{{ amount | cents(3) }}",
        "at": "{{ now | strftime('%Y-%m-%d %H:%M:%S') }}",
        "ref": "{{ 'ORD-' ~ order_id }}",
        "memo": "order {{ order_id }} of {{ amount }} fen",
        "who": "{{ user_id | upper }}",
    }
    payment, body = pay_with(params)
    assert payment.status is PaymentStatus.SUCCEEDED
    assert (body["amount"], body["total"], body["mills"]) == (1200, "12.00", 12000)
    assert (body["ref"], body["memo"], body["who"]) == ("ORD-O-1", "order O-1 of 1200 fen", "U1")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", body["at"])
    shanghai = time.strftime("%Y-%m-%d %H", time.gmtime(time.time() + 8 * 3600))  # the dialect's zone
    assert body["at"].startswith(shanghai) or body["at"][:13] > shanghai  # an hour may turn between


@responses.activate
def test_in_a_yuan_dialect_the_placeholder_writes_yuan_and_the_expression_fen():
    params = {**PAY["params"], "amount": "{{ amount }}", "yuan": "{amount}"}
    _, body = pay_with(params, amount_unit="yuan")
    assert (body["amount"], body["yuan"]) == (1200, "12.00")


@responses.activate
def test_a_lone_expression_with_no_value_is_left_out_and_default_fills_one():
    params = {**PAY["params"], "amount": "{{ amount }}", "pwd": "{{ secret }}", "pin": "{{ secret | default('-') }}"}
    _, body = pay_with(params)
    assert "pwd" not in body and body["pin"] == "-"
    _, body = pay_with(params, secret="123456")
    assert body["pwd"] == body["pin"] == "123456"


@responses.activate
def test_a_template_that_fails_on_the_day_sends_nothing():
    system = UnseenSystem()
    system.install()
    config = copy.deepcopy(DIALECT)  # fine on the sample values; too long for a long order id and a large amount
    config["operations"]["pay"]["params"]["ref"] = "{{ (order_id ~ '') * (amount // 100) }}"
    gateway = adapter(Dialect.model_validate(config))
    card = gateway.list_cards("u1")[0]
    with pytest.raises(CardSystemUnavailable):
        gateway.pay(PayRequest("kb-1-1-1", "u1", card.card_id, "O" * 40, 1_000_000_00, "CNY"))
    assert [op for op, _ in system.calls] == ["cards", "cards"] and not system.paid


def refusal(value, where=("operations", "pay", "params")):
    config = copy.deepcopy(DIALECT)
    config["operations"]["pay"]["params"]["ref"] = value
    with pytest.raises(ValidationError) as caught:
        Dialect.model_validate(config)
    error = caught.value.errors()[0]
    assert error["loc"] == where
    assert error["msg"].startswith("Value error, ref: ")
    return error["msg"]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("{% for x in [1] %}{{ x }}{% endfor %}", "no statements"),
        ("{{ amout }}", "unknown value 'amout'"),
        ("{{ amount | yuan ", "not a template"),
        ("{{ amount | center(9999999) }}", "unknown filter 'center'"),
        ("{{ 'x' * 10**9 }}", "a repeat longer than 4096"),
        ("{{ 9 ** 9 ** 9 }}", "a power too large"),
        ("{{ '%999999999d' % 1 }}", "'%' formatting"),
        ("{{ amount / 100 }}", "'/' makes a float"),
        ("{{ ''.__class__ }}", "no attributes"),
        ("{{ lipsum(99999) }}", "unknown value 'lipsum'"),
        ("{{ range(99999999) }}", "unknown value 'range'"),
        ("{{ '" + "x" * 600 + "' }}", "longer than 500"),
        ("{{ {'a': 1} }}", "gave a dict"),
    ],
)
def test_templates_that_could_break_out_or_blow_up_are_refused_by_key_path(value, words):
    assert words in refusal(value)


def test_a_path_takes_placeholders_only():
    config = copy.deepcopy(DIALECT)
    config["operations"]["pay"]["path"] = "/pay/{{ user_id }}"
    with pytest.raises(ValidationError) as caught:
        Dialect.model_validate(config)
    assert caught.value.errors()[0]["loc"] == ("operations", "pay", "path")


def test_common_and_envelope_values_are_checked_too():
    config = copy.deepcopy(DIALECT)
    config["common"] = {"ts": "{{ now | strftime('%s') }}", "bad": {"deep": "{{ nope }}"}}
    with pytest.raises(ValidationError) as caught:
        Dialect.model_validate(config)
    error = caught.value.errors()[0]
    assert error["loc"] == ("common",) and "bad.deep: unknown value 'nope'" in error["msg"]


def test_the_sandbox_bounds_what_a_value_can_build_at_render_time():
    with pytest.raises(TemplateProblem, match="longer than 4096"):
        render("{{ card_number * page }}", {**SAMPLE, "page": 10**9})
    with pytest.raises(TemplateProblem, match="more than 4096"):
        render("{{ card_number * 200 ~ card_number * 200 }}", SAMPLE)
    assert render("{{ amount | cents(0) if amount is divisibleby 100 else amount }}", SAMPLE) == 1234
    assert json.dumps(render("{{ now | epoch }}", SAMPLE)) == "1767323045"
