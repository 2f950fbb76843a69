"""The mapped adapter against tiny fake card systems that sign as real ones do, and sign their answers."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import responses
import yaml
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from kabao_testing import REPO
from pydantic import ValidationError

from bff.adapters.breaker import CircuitBreaker
from bff.adapters.factory import Gateways
from bff.adapters.guarded import make_session
from bff.adapters.http import HttpClient
from bff.adapters.mapped import MappedAdapter
from bff.cards.errors import CardSystemUnavailable
from bff.cards.models import PaymentStatus, PayRequest
from bff.merchants.dialect import Dialect
from bff.merchants.loader import InvalidConfig, load_merchant

BASE = "http://cards.test/api"
KEY_ENV = "KABAO_MERCHANT_FAKE_KEY"
KEY = "s3cr3t-hmac-key"
PIN = "901234"

RAW_BODY_HMAC = {
    "key_env": KEY_ENV,
    "algorithm": "hmac_sha256",
    "put": {"header": "X-Signature"},
    "verify": {"algorithm": "hmac_sha256", "signature": {"header": "X-Signature"}},
}


def dialect(signing: dict, **extra) -> Dialect:
    return Dialect.model_validate(
        {
            "encoding": "json",
            "signing": signing,
            "result": {"code": "code", "ok": ["OK"], "errors": {"NSF": "INSUFFICIENT_BALANCE"}},
            "card": {"id": "id", "last4": "no", "status": "state", "status_map": {"A": "ACTIVE"}, "balance": "bal"},
            "payment": {"status": "status", "status_map": {"PAID": "SUCCEEDED", "FAIL": "FAILED"}, "amount": "amt"},
            "operations": {
                "list_cards": {"path": "/cards", "params": {"user": "{user_id}"}, "answer": "cards"},
                "pay": {
                    "path": "/pay",
                    "params": {"no": "{payment_id}", "card": "{card_id}", "amt": "{amount}", "pin": "{secret}"},
                },
                "payment_status": {"path": "/status", "params": {"no": "{payment_id}"}},
            },
            **extra,
        }
    )


def adapter(spec: Dialect, keys: dict[str, str]) -> MappedAdapter:
    client = HttpClient(BASE, make_session(), (0.5, 0.5), {}, CircuitBreaker(50, 60), "fake-merchant")
    return MappedAdapter(client, spec, keys)


class FakeHmacSystem:
    """Checks HMAC-SHA256 of each raw body in X-Signature and signs its answers the same way."""

    def __init__(self, answer: dict, tamper: bool = False, unsigned: bool = False) -> None:
        self.answer, self.tamper, self.unsigned = answer, tamper, unsigned
        self.received: list[dict] = []

    def __call__(self, request):
        expected = hmac.new(KEY.encode(), request.body, hashlib.sha256).hexdigest()
        if request.headers.get("X-Signature") != expected:
            return 401, {}, json.dumps({"code": "BAD_SIGNATURE"})
        self.received.append(json.loads(request.body))
        body = json.dumps(self.answer, ensure_ascii=False)
        headers = {} if self.unsigned else {"X-Signature": hmac.new(KEY.encode(), body.encode(), "sha256").hexdigest()}
        if self.tamper:  # changed on the way, after the system signed it
            body = body.replace('"FAIL"', '"PAID"')
        return 200, headers, body


def pay_request(secret: str | None = None) -> PayRequest:
    return PayRequest("kb-1", "u1", "c1", "O-1", 1200, "CNY", secret)


@responses.activate
def test_a_system_that_signs_the_raw_body_with_hmac_in_a_header_is_spoken():
    card = {"id": "c1", "no": "****1234", "state": "A", "bal": 5000, "name": "储值卡"}  # signed as UTF-8 bytes
    fake = FakeHmacSystem({"code": "OK", "cards": [card]})
    responses.add_callback(responses.POST, f"{BASE}/cards", callback=fake)
    cards = adapter(dialect(RAW_BODY_HMAC), {KEY_ENV: KEY}).list_cards("u1")
    assert [(c.card_id, c.balance, c.last4) for c in cards] == [("c1", 5000, "1234")]
    assert fake.received == [{"user": "u1"}]


@responses.activate
def test_a_signed_pay_answer_is_paid():
    fake = FakeHmacSystem({"code": "OK", "status": "PAID", "amt": 1200})
    responses.add_callback(responses.POST, f"{BASE}/pay", callback=fake)
    payment = adapter(dialect(RAW_BODY_HMAC), {KEY_ENV: KEY}).pay(pay_request())
    assert (payment.status, payment.amount) == (PaymentStatus.SUCCEEDED, 1200)


@responses.activate
@pytest.mark.parametrize("fault", ["tamper", "unsigned"])
def test_a_pay_answer_whose_signature_fails_is_unknown_never_paid(fault, caplog):
    fake = FakeHmacSystem({"code": "OK", "status": "FAIL", "amt": 1200}, **{fault: True})
    responses.add_callback(responses.POST, f"{BASE}/pay", callback=fake)
    caplog.set_level(logging.WARNING)
    with pytest.raises(CardSystemUnavailable, match="signature"):
        adapter(dialect(RAW_BODY_HMAC), {KEY_ENV: KEY}).pay(pay_request())
    assert len(fake.received) == 1  # the card system took the call; only its answer can't be trusted
    assert "fake-merchant pay: answer" in caplog.text and "treated as unknown" in caplog.text


@responses.activate
def test_a_wrong_key_is_refused_by_the_card_system_and_never_success():
    fake = FakeHmacSystem({"code": "OK", "status": "PAID", "amt": 1200})
    responses.add_callback(responses.POST, f"{BASE}/pay", callback=fake)
    with pytest.raises(CardSystemUnavailable):
        adapter(dialect(RAW_BODY_HMAC), {KEY_ENV: "another-key"}).pay(pay_request())
    assert fake.received == []


@responses.activate
def test_the_pin_travels_as_a_salted_digest_and_is_never_logged(caplog):
    fake = FakeHmacSystem({"code": "OK", "status": "PAID", "amt": 1200})
    responses.add_callback(responses.POST, f"{BASE}/pay", callback=fake)
    caplog.set_level(logging.DEBUG)
    spec = dialect(RAW_BODY_HMAC, wire_secret={"form": "sha256", "text": "{card_id}{secret}", "encoding": "hex_upper"})
    adapter(spec, {KEY_ENV: KEY}).pay(pay_request(PIN))
    digest = hashlib.sha256(f"c1{PIN}".encode()).hexdigest().upper()
    assert fake.received[0]["pin"] == digest
    assert PIN not in caplog.text and digest not in caplog.text


# A JSON API in the WeChat Pay v3 manner: RSA-SHA256 over method, path, timestamp, nonce and body in a
# composed Authorization header; answers signed with the platform's key over timestamp, nonce and body.
PRIVATE_ENV, PLATFORM_ENV = "KABAO_MERCHANT_FAKE_PRIVATE", "KABAO_MERCHANT_FAKE_PLATFORM"
RSA_SIGNING = {
    "private_key_env": PRIVATE_ENV,
    "timestamp": {"format": "seconds"},
    "nonce": {"length": 32},
    "signed": {"source": "template", "template": "{method}\n{path_with_query}\n{timestamp}\n{nonce}\n{body}\n"},
    "algorithm": "rsa_sha256",
    "encoding": "base64",
    "put": {
        "header": "Authorization",
        "format": 'KB-RSA mchid="M1",nonce_str="{nonce}",timestamp="{timestamp}",signature="{signature}"',
    },
    "verify": {
        "public_key_env": PLATFORM_ENV,
        "signed": {"source": "template", "template": "{timestamp}\n{nonce}\n{body}\n"},
        "algorithm": "rsa_sha256",
        "encoding": "base64",
        "signature": {"header": "X-Pay-Signature"},
        "timestamp_header": "X-Pay-Timestamp",
        "nonce_header": "X-Pay-Nonce",
    },
}


def pem_pair() -> tuple[rsa.RSAPrivateKey, str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return key, private, public


@responses.activate
@pytest.mark.parametrize("tamper", [False, True])
def test_rsa_signed_requests_and_platform_signed_answers(tamper):
    merchant, merchant_private, _ = pem_pair()
    platform, _, platform_public = pem_pair()

    def system(request):
        fields = dict(p.split("=", 1) for p in request.headers["Authorization"].removeprefix("KB-RSA ").split(","))
        fields = {k: v.strip('"') for k, v in fields.items()}
        text = f"POST\n/api/pay\n{fields['timestamp']}\n{fields['nonce_str']}\n{request.body.decode()}\n"
        merchant.public_key().verify(
            base64.b64decode(fields["signature"]), text.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        body = json.dumps({"code": "OK", "status": "PAID" if not tamper else "FAIL", "amt": 1200})
        signed = f"1700000000\nn0nce\n{body}\n".encode()
        signature = base64.b64encode(platform.sign(signed, padding.PKCS1v15(), hashes.SHA256())).decode()
        headers = {"X-Pay-Signature": signature, "X-Pay-Timestamp": "1700000000", "X-Pay-Nonce": "n0nce"}
        return 200, headers, body.replace('"FAIL"', '"PAID"') if tamper else body

    responses.add_callback(responses.POST, f"{BASE}/pay", callback=system)
    gateway = adapter(dialect(RSA_SIGNING), {PRIVATE_ENV: merchant_private, PLATFORM_ENV: platform_public})
    if tamper:
        with pytest.raises(CardSystemUnavailable, match="signature"):
            gateway.pay(pay_request())
    else:
        assert gateway.pay(pay_request()).status is PaymentStatus.SUCCEEDED


def olive_variant(tmp_path, change) -> Path:
    data = yaml.safe_load((REPO / "wallet_config" / "olive-fresh.yaml").read_text(encoding="utf-8"))
    data["brand"].pop("logo", None)
    change(data["backend"]["dialect"])
    path = tmp_path / "olive-fresh.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@responses.activate
def test_the_gateway_reads_signing_and_pin_keys_only_through_the_env_policy(tmp_path):
    key, _, public = pem_pair()
    pin = {"form": "rsa_oaep", "public_key_env": "KABAO_MERCHANT_OLIVE_PIN_KEY", "encoding": "base64"}
    merchant = load_merchant(olive_variant(tmp_path, lambda d: d.update(wire_secret=pin)))
    environ = {
        "KABAO_MERCHANT_SANDBOX_URL": "https://cards.test",
        "KABAO_MERCHANT_OLIVE_SIGN_KEY": "olive-key",
        "KABAO_MERCHANT_OLIVE_PIN_KEY": public,
    }
    answer = {"ret_code": "0000", "out_trade_no": "kb-1", "total_amt": "12.00", "trade_state": "SUCCESS"}
    responses.post("https://cards.test/legacy/olive/trade/pay", json=answer)
    gateways = Gateways(environ)
    payment = gateways.for_merchant(merchant).pay(pay_request(PIN))
    gateways.close()
    sent = dict(parse_qsl(responses.calls[0].request.body.decode()))
    pairs = "&".join(f"{k}={v}" for k, v in sorted(sent.items()) if k != "sign" and v)
    assert sent["sign"] == hashlib.md5(f"{pairs}&key=olive-key".encode()).hexdigest().upper()
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    assert key.decrypt(base64.b64decode(sent["pay_pwd"]), oaep) == PIN.encode()
    assert payment.status is PaymentStatus.SUCCEEDED


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d["signing"].update(private_key_env="KABAO_HOST_SECRET"), "signing.private_key_env"),
        (
            lambda d: d["signing"].update(
                verify={"algorithm": "rsa_sha256", "public_key_env": "SECRET_KEY", "signature": {"field": "sign"}}
            ),
            "signing.verify.public_key_env",
        ),
        (lambda d: d.update(wire_secret={"form": "aes_ecb", "key_env": "KABAO_SECRET_KEY"}), "wire_secret.key_env"),
        (lambda d: d["signing"].update(scheme="md5_sorted"), "signing"),
    ],
)
def test_keys_naming_kabaos_own_secrets_or_the_old_scheme_are_refused_by_key_path(tmp_path, change, where):
    with pytest.raises(InvalidConfig) as caught:
        load_merchant(olive_variant(tmp_path, change))
    found = [str(p) for p in caught.value.problems]
    assert any(p.startswith(f"olive-fresh.yaml: backend.dialect.{where}: ") for p in found), found


@responses.activate
def test_a_key_that_is_not_a_key_fails_the_call_and_the_log_names_only_the_variable(caplog):
    spec = dialect({**RAW_BODY_HMAC, "algorithm": "rsa_sha256", "private_key_env": "KABAO_MERCHANT_FAKE_PRIVATE"})
    with pytest.raises(CardSystemUnavailable):
        adapter(spec, {KEY_ENV: KEY, "KABAO_MERCHANT_FAKE_PRIVATE": "not-a-pem-secret"}).list_cards("u1")
    assert "fake-merchant: request not signed" in caplog.text and "KABAO_MERCHANT_FAKE_PRIVATE" in caplog.text
    assert "not-a-pem-secret" not in caplog.text
    assert len(responses.calls) == 0  # nothing unsigned is sent


def test_card_ids_derived_from_numbers_need_a_signing_key_to_hide_the_number():
    from dialect_fake import DIALECT

    unkeyed = {**DIALECT, "signing": {"algorithm": "md5", "put": {"header": "X-Digest"}}}
    with pytest.raises(ValidationError, match="derived card id is keyed"):
        Dialect.model_validate(unkeyed)
    keyed = {**DIALECT, "signing": {**RSA_SIGNING, "verify": None}}
    assert Dialect.model_validate(keyed).card.id_from_number == "cardNo"  # a private key keys them too
