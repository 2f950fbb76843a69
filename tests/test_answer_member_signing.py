"""Answers signed over one member's exact text (open-API gateways), and per-operation top-level form fields."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qsl

import pytest
import responses
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from pydantic import ValidationError
from test_mapped_signing import BASE, adapter, pem_pair

from bff.adapters.raw_json import member, members
from bff.cards.errors import CardSystemUnavailable
from bff.cards.models import PaymentStatus, PayRequest
from bff.merchants.dialect import Dialect

MERCHANT_ENV, PLATFORM_ENV = "KABAO_MERCHANT_GW_PRIVATE", "KABAO_MERCHANT_GW_PLATFORM"
VERIFY = {
    "public_key_env": PLATFORM_ENV,
    "signature": {"field": "sign"},
    "signed": {"source": "member", "member": "*_response"},
    "algorithm": "rsa_sha256",
    "encoding": "base64",
}


def gateway_dialect(**verify_changes) -> Dialect:
    return Dialect.model_validate(
        {
            "gateway": {"path": "/gateway.do", "field": "method"},
            "encoding": "form",
            "json_in_field": "biz_content",
            "amount_unit": "yuan",
            "common": {"app_id": "A1", "sign_type": "RSA2"},
            "signing": {
                "private_key_env": MERCHANT_ENV,
                "signed": {"source": "params"},
                "algorithm": "rsa_sha256",
                "encoding": "base64",
                "put": {"field": "sign"},
                "verify": {**VERIFY, **verify_changes},
            },
            "result": {"code": "code", "ok": ["10000"], "error": "sub_code", "errors": {"NSF": "INSUFFICIENT_BALANCE"}},
            "card": {"id": "id", "last4": "no", "status": "state", "status_map": {"A": "ACTIVE"}, "balance": "bal"},
            "payment": {"status": "status", "status_map": {"PAID": "SUCCEEDED"}, "amount": "amt"},
            "operations": {
                "list_cards": {"name": "x.card.list", "params": {"user": "{user_id}"}, "answer": "cards"},
                "pay": {"name": "x.trade.pay", "params": {"no": "{payment_id}", "amt": "{amount}"}},
                "payment_status": {"name": "x.trade.query", "params": {"no": "{payment_id}"}},
            },
        }
    )


class MemberSigningGateway:
    """Checks RSA2 over the sorted form; answers {"<method>_response": {...}, "sign": …} signed over that text."""

    def __init__(self, merchant_public, platform_private, answer: str, extra: str = "") -> None:
        self.merchant_public, self.platform_private = merchant_public, platform_private
        self.answer, self.extra = answer, extra  # extra: raw members written after the signed one
        self.received: list[dict[str, str]] = []

    def __call__(self, request):
        form = dict(parse_qsl(request.body if isinstance(request.body, str) else request.body.decode()))
        signed = "&".join(f"{k}={v}" for k, v in sorted(form.items()) if k != "sign" and v)
        self.merchant_public.verify(
            base64.b64decode(form["sign"]), signed.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        self.received.append(form)
        sign = self.platform_private.sign(self.answer.encode(), padding.PKCS1v15(), hashes.SHA256())
        name = form["method"].replace(".", "_") + "_response"
        body = f'{{"{name}" :  {self.answer}{self.extra}, "sign":"{base64.b64encode(sign).decode()}"}}'
        return 200, {"Content-Type": "application/json"}, body


@pytest.fixture
def keys():
    merchant, merchant_private, _ = pem_pair()
    platform, _, platform_public = pem_pair()
    return merchant, platform, {MERCHANT_ENV: merchant_private, PLATFORM_ENV: platform_public}


def install(keys, answer: str, extra: str = "") -> MemberSigningGateway:
    merchant, platform, _ = keys
    fake = MemberSigningGateway(merchant.public_key(), platform, answer, extra)
    responses.add_callback(responses.POST, f"{BASE}/gateway.do", callback=fake)
    return fake


def pay_request() -> PayRequest:
    return PayRequest("kb-1", "u1", "c1", "O-1", 1234, "CNY")


# written with spaces and an order no serialiser would reproduce: only the exact text verifies
CARDS = '{ "cards": [ {"no": "****4321", "id": "C9", "state": "A", "bal": "50.00"} ],  "code":"10000" }'


@responses.activate
def test_answers_verify_over_the_members_exact_text_and_the_method_is_a_signed_top_level_field(keys):
    fake = install(keys, CARDS)
    cards = adapter(gateway_dialect(), keys[2]).list_cards("u1")
    assert [(c.card_id, c.balance, c.last4) for c in cards] == [("C9", 5000, "4321")]
    form = fake.received[0]
    assert form["method"] == "x.card.list" and json.loads(form["biz_content"]) == {"user": "u1"}


@responses.activate
def test_a_changed_member_is_unknown_never_paid(keys):
    install(keys, '{"code":"40004","sub_code":"NSF","status":"FAIL","amt":"12.34"}')
    spec = gateway_dialect()
    forged = responses.registered()[0]
    original = forged.callback

    def tamper(request):
        status, headers, body = original(request)
        return (
            status,
            headers,
            body.replace('"code":"40004","sub_code":"NSF","status":"FAIL"', '"code":"10000","status":"PAID"'),
        )

    forged.callback = tamper
    with pytest.raises(CardSystemUnavailable, match="signature"):
        adapter(spec, keys[2]).pay(pay_request())


@responses.activate
def test_only_the_signed_member_is_read_not_fields_beside_it(keys):
    # a declined pay, with an unsigned "success" written beside the signed object: the decline stands
    install(keys, '{"code":"40004","sub_code":"NSF"}', extra=', "code": "10000", "status": "PAID", "amt": "12.34"')
    payment = adapter(gateway_dialect(), keys[2]).pay(pay_request())
    assert payment.status is PaymentStatus.FAILED and payment.error_code == "INSUFFICIENT_BALANCE"


@responses.activate
@pytest.mark.parametrize(
    "extra",
    [', "y_response": {"code":"10000","status":"PAID","amt":"12.34"}', ', "x_trade_pay_response": {"code":"10000"}'],
)
def test_a_second_matching_or_repeated_member_is_unknown(keys, extra):
    install(keys, '{"code":"10000","status":"PAID","amt":"12.34"}', extra=extra)
    with pytest.raises(CardSystemUnavailable):
        adapter(gateway_dialect(), keys[2]).pay(pay_request())


def test_the_raw_member_text_is_cut_out_as_written():
    text = '{"a_response" : {"code":"10000", "x":[1,{"y":"}\\""}]} ,"sign":"abc"}'
    assert member(text, "*_response") == ("a_response", '{"code":"10000", "x":[1,{"y":"}\\""}]}')
    assert members("{}") == {}
    for bad in ('{"a":1,"a":2}', "[1]", '{"a":1} x', '{"a":1,}', "{", ""):
        with pytest.raises(ValueError):
            members(bad)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"signed": {"source": "member"}}, "member is given exactly when source is member"),
        ({"signed": {"source": "body", "member": "*_response"}}, "member is given exactly when source is member"),
    ],
)
def test_member_verification_is_validated(change, message):
    with pytest.raises(ValidationError, match=message):
        gateway_dialect(**change)


def test_member_is_for_answers():
    spec = gateway_dialect().model_dump(exclude_none=True)
    spec["signing"]["signed"] = {"source": "member", "member": "*_response"}
    with pytest.raises(ValidationError, match="source member is for verifying answers"):
        Dialect.model_validate(spec)
