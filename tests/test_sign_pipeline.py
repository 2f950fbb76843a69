"""Each stage of the signing pipeline against known vectors, and secrets on the wire (docs/mapping.md)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from urllib.parse import parse_qsl

import pytest
import yaml
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from gmssl import sm2, sm4
from kabao_testing import REPO
from pydantic import ValidationError
from test_mapped_signing import pem_pair

from bff.adapters import sign_crypto
from bff.adapters.sign_pipeline import SignPipeline, sorted_params
from bff.adapters.wire_secrets import WireSecrets
from bff.merchants.dialect_signing import AnswerCheck, Signed, Signing, WireSecret

WECHAT_KEY = "192006250b4c09247ec02edce69f6a2d"  # the WeChat Pay v2 documentation's example key
WECHAT_PARAMS = {
    "appid": "wxd930ea5d5a258f4f",
    "mch_id": "10000100",
    "device_info": "1000",
    "body": "test",
    "nonce_str": "ibuaiVcKdpRxkhJA",
}
KEY_ENV = "KABAO_MERCHANT_T_KEY"
PRIVATE_ENV = "KABAO_MERCHANT_T_PRIVATE"
PUBLIC_ENV = "KABAO_MERCHANT_T_PUBLIC"


@pytest.fixture(scope="module")
def rsa_pem() -> tuple[str, str]:
    _, private, public = pem_pair()
    return private, public


@pytest.fixture(scope="module")
def sm2_keys() -> tuple[str, str]:
    private = sign_crypto.random_hex(64)
    curve = sm2.CryptSM2(private_key=private, public_key="")
    return private, curve._kg(int(private, 16), sm2.default_ecc_table["g"])


def signing(**spec) -> Signing:
    return Signing.model_validate(spec)


def form_sent(kwargs) -> dict[str, str]:
    return dict(parse_qsl(kwargs["data"].decode()))


@pytest.mark.parametrize(
    ("algorithm", "expected"),
    [
        ("md5", "9A0A8659F005D6984697E2CA0A9CF3B7"),
        ("hmac_sha256", "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6"),
    ],
)
def test_sorted_parameters_with_the_key_appended_match_the_wechat_pay_v2_example(algorithm, expected):
    spec = signing(
        key_env=KEY_ENV,
        signed={"source": "params", "append": "&key={key}"},
        algorithm=algorithm,
        encoding="hex_upper",
        put={"field": "sign"},
    )
    _, kwargs, _ = SignPipeline(spec, "form", {KEY_ENV: WECHAT_KEY}).request("POST", "", "/pay", WECHAT_PARAMS)
    assert form_sent(kwargs)["sign"] == expected


def test_sorted_parameters_leave_out_empty_ones_unless_kept_and_write_nested_ones_as_json():
    params = {"b": "", "a": "1", "n": {"x": 1}, "c": None, "sign": "old"}
    assert sorted_params(params, Signed(source="params"), {"sign"}) == 'a=1&n={"x":1}'
    assert sorted_params(params, Signed(source="params", keep_empty=True, nested="skip"), {"sign"}) == "a=1&b="


def test_hmac_sha256_of_the_raw_body_matches_rfc_4231():
    raw = sign_crypto.sign("hmac_sha256", b"what do ya want for nothing?", key="Jefe")
    assert raw.hex() == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"


def test_sm3_of_abc_is_the_standard_vector():
    assert sign_crypto.sign("sm3", b"abc").hex() == ("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")


def test_hmac_sm3_matches_openssl():
    raw = sign_crypto.sign("hmac_sm3", b"what do ya want for nothing?", key="Jefe")  # cross-checked with OpenSSL 3
    assert raw.hex() == "2e87f1d16862e6d964b50a5200bf2b10b764faa9680a296a2405f24bec39f882"


@pytest.mark.parametrize(("encoding", "text"), [("hex", "abff"), ("hex_upper", "ABFF"), ("base64", "q/8=")])
def test_encodings_write_and_read_back(encoding, text):
    assert sign_crypto.encode(b"\xab\xff", encoding) == text
    assert sign_crypto.decode(text, encoding) == b"\xab\xff"


def test_rsa_sha256_signs_and_verifies_and_a_changed_text_fails(rsa_pem):
    private, public = rsa_pem
    signature = sign_crypto.sign("rsa_sha256", b"hello", private_key=private)
    assert sign_crypto.verify("rsa_sha256", b"hello", signature, public_key=public)
    assert not sign_crypto.verify("rsa_sha256", b"hellO", signature, public_key=public)


def test_sm2_with_sm3_signs_and_verifies_and_a_changed_text_fails(sm2_keys):
    private, public = sm2_keys
    signature = sign_crypto.sign("sm2_sm3", b"hello", private_key=private)
    assert sign_crypto.verify("sm2_sm3", b"hello", signature, public_key=public)
    assert not sign_crypto.verify("sm2_sm3", b"hellO", signature, public_key=public)
    assert not sign_crypto.verify("sm2_sm3", b"hello", b"\x01\x02", public_key=public)  # malformed: wrong, no crash


def test_a_template_signature_goes_into_a_composed_authorization_header(rsa_pem):
    private, public = rsa_pem
    spec = signing(
        private_key_env=PRIVATE_ENV,
        timestamp={"format": "seconds"},
        nonce={"length": 32},
        signed={"source": "template", "template": "{method}\n{path_with_query}\n{timestamp}\n{nonce}\n{body}\n"},
        algorithm="rsa_sha256",
        encoding="base64",
        put={
            "header": "Authorization",
            "format": 'SCHEME mchid="M1",nonce_str="{nonce}",timestamp="{timestamp}",signature="{signature}"',
        },
    )
    pipeline = SignPipeline(spec, "json", {PRIVATE_ENV: private}, clock=lambda: 1700000000.5)
    path, kwargs, headers = pipeline.request("POST", "/v3", "/pay", {"amount": 100})
    fields = dict(part.split("=", 1) for part in headers["Authorization"].removeprefix("SCHEME ").split(","))
    fields = {k: v.strip('"') for k, v in fields.items()}
    assert (fields["mchid"], fields["timestamp"], len(fields["nonce_str"])) == ("M1", "1700000000", 32)
    text = f"POST\n/v3/pay\n1700000000\n{fields['nonce_str']}\n{kwargs['data'].decode()}\n".encode()
    assert sign_crypto.verify("rsa_sha256", text, base64.b64decode(fields["signature"]), public_key=public)
    assert path == "/pay" and json.loads(kwargs["data"]) == {"amount": 100}


@pytest.mark.parametrize(
    ("fmt", "expected"), [("seconds", "1700000000"), ("ms", "1700000000500"), ("%Y%m%d%H%M%S", "20231115061320")]
)
def test_generated_timestamps_are_written_as_configured(fmt, expected):
    spec = signing(
        timestamp={"format": fmt, "put": {"field": "ts"}},
        signed={"source": "params"},
        algorithm="md5",
        put={"query": "sig"},
    )
    path, kwargs, _ = SignPipeline(spec, "form", {}, clock=lambda: 1700000000.5).request("GET", "", "/q", {"a": 1})
    query = dict(parse_qsl(path.partition("?")[2]))
    assert query["ts"] == expected
    assert query["sig"] == hashlib.md5(f"a=1&ts={expected}".encode()).hexdigest()
    assert kwargs == {}


@pytest.mark.parametrize(
    ("spec", "where", "message"),
    [
        ({"scheme": "md5_sorted", "key_env": KEY_ENV}, "", "signing.scheme is gone"),
        ({"algorithm": "hmac_sha256", "put": {"header": "X-S"}}, "", "needs key_env"),
        ({"algorithm": "rsa_sha256", "put": {"header": "X-S"}}, "", "needs private_key_env"),
        ({"algorithm": "md5", "put": {"field": "sign"}}, "", "can't go into the body"),
        ({"algorithm": "md5", "put": {"header": "X", "field": "y"}}, "put", "exactly one of"),
        (
            {"algorithm": "md5", "signed": {"source": "template", "template": "{oops}"}, "put": {"header": "X"}},
            "signed",
            "unknown placeholder {oops}",
        ),
        ({"algorithm": "hmac_sha256", "key_env": "KABAO_SECRET_KEY", "put": {"header": "X"}}, "key_env", "Kabao's own"),
        (
            {"algorithm": "md5", "put": {"header": "X"}, "verify": {"algorithm": "none", "signature": {"header": "S"}}},
            "verify",
            "proves nothing",
        ),
    ],
)
def test_a_pipeline_that_cannot_work_is_refused_by_key_path(spec, where, message):
    with pytest.raises(ValidationError) as caught:
        Signing.model_validate(spec)
    error = caught.value.errors()[0]
    assert message in error["msg"]
    assert ".".join(str(p) for p in error["loc"]).startswith(where)


def wire(keys=None, **spec) -> str:
    values = {"secret": "123456", "card_number": "6200001234", "card_id": "c1"}
    return WireSecrets(WireSecret.model_validate(spec), keys or {}).apply(values)["secret"]


def test_a_secret_is_sent_clear_or_as_a_salted_digest():
    assert wire(form="clear") == "123456"
    assert wire(form="md5") == hashlib.md5(b"123456").hexdigest()
    assert wire(form="sha256", text="{card_number}{secret}", encoding="hex_upper") == (
        hashlib.sha256(b"6200001234123456").hexdigest().upper()
    )


def test_no_secret_stays_no_secret():
    spec = WireSecret(form="md5")
    assert WireSecrets(spec, {}).apply({"secret": None})["secret"] is None


def test_a_secret_encrypted_with_rsa_oaep_opens_with_the_merchants_private_key(rsa_pem):
    private, public = rsa_pem
    sent = wire({PUBLIC_ENV: public}, form="rsa_oaep", public_key_env=PUBLIC_ENV, encoding="base64")
    key = serialization.load_pem_private_key(private.encode(), password=None)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    assert key.decrypt(base64.b64decode(sent), oaep) == b"123456"


def test_a_secret_encrypted_with_sm2_opens_with_the_merchants_private_key(sm2_keys):
    private, public = sm2_keys
    sent = wire({PUBLIC_ENV: public}, form="sm2", public_key_env=PUBLIC_ENV)
    assert sm2.CryptSM2(private_key=private, public_key=public, mode=1).decrypt(bytes.fromhex(sent)) == b"123456"


def test_a_secret_encrypted_with_aes_or_sm4_opens_with_the_shared_key():
    key, iv = "00112233445566778899aabbccddeeff", "0f0e0d0c0b0a09080706050403020100"
    aes = base64.b64decode(wire({KEY_ENV: key}, form="aes_ecb", key_env=KEY_ENV, encoding="base64"))
    decryptor = Cipher(algorithms.AES(bytes.fromhex(key)), modes.ECB()).decryptor()  # noqa: S305
    assert (decryptor.update(aes) + decryptor.finalize())[:6] == b"123456"
    keys = {KEY_ENV: key, "KABAO_MERCHANT_T_IV": iv}
    sent = wire(keys, form="sm4_cbc", key_env=KEY_ENV, iv_env="KABAO_MERCHANT_T_IV")
    cipher = sm4.CryptSM4()
    cipher.set_key(bytes.fromhex(key), sm4.SM4_DECRYPT)
    assert cipher.crypt_cbc(bytes.fromhex(iv), bytes.fromhex(sent)) == b"123456"


def test_an_encrypted_secret_needs_its_key():
    with pytest.raises(ValidationError, match="needs public_key_env"):
        WireSecret(form="rsa_oaep")


def test_the_pipelines_docs_mapping_md_shows_are_valid():
    doc = (REPO / "docs" / "mapping.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", doc, re.S) if b.startswith(("signing:", "# ", "verify:"))]
    shown = [yaml.safe_load(part) for block in blocks for part in re.split(r"\n(?=# )", block)]
    pipelines = [part["signing"] for part in shown if isinstance(part, dict) and isinstance(part.get("signing"), dict)]
    answers = [part["verify"] for part in shown if isinstance(part, dict) and "verify" in part]
    assert len(pipelines) >= 4 and answers
    for pipeline in pipelines:
        Signing.model_validate(pipeline)
    for answer in answers:
        AnswerCheck.model_validate(answer)
