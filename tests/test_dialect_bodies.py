"""Request bodies and answers in other encodings: GBK XML both ways, XML bombs refused, JSON inside a form field."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import logging
from urllib.parse import parse_qsl

import pytest
import responses
from body_fakes import (
    GBK_KEY,
    GBK_XML_DIALECT,
    MEMO,
    PAY_NOTE,
    BizContentGateway,
    GbkXmlGateway,
    biz_content_dialect,
    md5_sign,
)
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError
from test_mapped_signing import olive_variant

from bff.adapters.bodies import BodyCodec
from bff.adapters.breaker import CircuitBreaker
from bff.adapters.dialect_codec import get
from bff.adapters.guarded import make_session
from bff.adapters.http import HttpClient
from bff.adapters.mapped import MappedAdapter
from bff.adapters.sign_pipeline import SignPipeline
from bff.cards.errors import CardSystemUnavailable
from bff.cards.models import BindRequest, PaymentStatus, PayRequest
from bff.merchants.dialect import Dialect
from bff.merchants.loader import InvalidConfig, load_merchant

BASE = "http://gbk.test/api"
BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b"<xml><return_code>SUCCESS</return_code><result_code>&lol3;</result_code></xml>"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    b"<xml><return_code>SUCCESS</return_code><result_code>&secret;</result_code></xml>"
)


def client(base: str = BASE) -> HttpClient:
    return HttpClient(base, make_session(), (0.5, 0.5), {}, CircuitBreaker(50, 60), "gbkshop")


@pytest.fixture
def gbk():
    system = GbkXmlGateway()
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, f"{BASE}/gateway", callback=system.callback)
        yield system


def gbk_adapter(**changes) -> MappedAdapter:
    config = copy.deepcopy(GBK_XML_DIALECT) | changes
    return MappedAdapter(client(), Dialect.model_validate(config), {"KABAO_MERCHANT_GBK_KEY": GBK_KEY})


def test_a_gbk_xml_system_binds_lists_pages_and_pays(gbk):
    adapter = gbk_adapter()
    card = adapter.bind(BindRequest(user_id="u1", card_number="6200123456789012"))
    assert (card.card_id, card.last4, card.card_type, card.balance) == ("C1", "9012", "gift", 5000)
    assert [c.card_type for c in adapter.list_cards("u1")] == ["gift"]  # 礼品卡, read back from GBK
    page = adapter.transactions("u1", "C1", None, 10)
    assert [(t.txn_id, t.amount, t.description) for t in page.transactions] == [("R1", -100, MEMO)]
    assert page.next_cursor is None
    payment = adapter.pay(PayRequest("kb-1-1", "u1", "C1", "o1", 1234, "CNY"))
    assert (payment.status, payment.amount, gbk.balance) == (PaymentStatus.SUCCEEDED, 1234, 5000 - 1234)
    assert adapter.payment_status("kb-1-1").status is PaymentStatus.SUCCEEDED
    pay = next(f for f in gbk.received if f["service"] == "card.pay")
    assert pay["body"] == PAY_NOTE and pay["total_fee"] == "1234" and pay["mch_id"] == "M1001"
    assert len(pay["nonce_str"]) == 32
    assert gbk.content_types == {"text/xml; charset=GBK"}


def test_gbk_request_bodies_are_gbk_bytes_signed_as_sent():
    codec = BodyCodec("xml", "gbk")
    body = codec.body({"body": PAY_NOTE, "n": 1, "odd": "a<b&c"})
    assert body == f"<xml><body>{PAY_NOTE}</body><n>1</n><odd><![CDATA[a<b&c]]></odd></xml>".encode("gbk")
    assert codec.content_type() == "text/xml; charset=GBK"
    assert BodyCodec("form", "gb18030").body({"t": "卡"}) == b"t=%BF%A8"
    nested = BodyCodec("xml").body({"order": {"id": "1", "items": [{"sku": "a"}, {"sku": "b"}]}})
    assert nested == b"<xml><order><id>1</id><items><sku>a</sku></items><items><sku>b</sku></items></order></xml>"


def test_a_balance_too_low_in_gbk_xml_is_a_decline(gbk):
    gbk.balance = 100
    payment = gbk_adapter().pay(PayRequest("kb-2-1", "u1", "C1", "o2", 1234, "CNY"))
    assert (payment.status, payment.error_code) == (PaymentStatus.FAILED, "INSUFFICIENT_BALANCE")


@pytest.mark.parametrize("answer", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "external-entity"])
@pytest.mark.parametrize("verify", [True, False], ids=["verified", "unverified"])
def test_an_xml_bomb_or_external_entity_is_unknown_never_a_crash(gbk, answer, verify, caplog):
    gbk.answer_override = answer
    signing = copy.deepcopy(GBK_XML_DIALECT["signing"])
    if not verify:
        del signing["verify"]
    adapter = gbk_adapter(signing=signing)
    with caplog.at_level(logging.WARNING), pytest.raises(CardSystemUnavailable):
        adapter.list_cards("u1")
    with pytest.raises(CardSystemUnavailable):  # a payment stays unknown (pending), never paid or declined
        adapter.pay(PayRequest("kb-4-1", "u1", "C1", "o4", 100, "CNY"))
    assert "root:" not in caplog.text and "passwd" not in caplog.text


@pytest.mark.parametrize(
    ("cards", "ids"),
    [
        ("<card><id>1</id></card><card><id>2</id></card>", ["1", "2"]),
        ("<card><id>1</id></card>", ["1"]),  # one repeated element reads as an object, not a list
        ("", []),
    ],
)
def test_nested_xml_answers_read_lists_with_to_array(cards, ids):
    data = BodyCodec("xml", "gb18030").answer(f"<xml><cards>{cards}</cards></xml>".encode("gb18030"))
    assert [row["id"] for row in get(data, "to_array(cards.card || `[]`)")] == ids


def test_an_answer_not_in_the_charset_is_unknown(gbk):
    gbk.answer_override = b"<xml><return_code>SUCCESS</return_code><x>\xff\xff\xff</x></xml>"
    with pytest.raises(CardSystemUnavailable):
        gbk_adapter(signing={**GBK_XML_DIALECT["signing"], "verify": None}).list_cards("u1")


def test_a_forged_gbk_answer_signature_is_unknown(gbk):
    fields = {"return_code": "SUCCESS", "result_code": "SUCCESS", "card_count": 1, **gbk._card("_0")}
    signed = gbk._answer(fields)[2]
    gbk.answer_override = signed
    assert [c.balance for c in gbk_adapter().list_cards("u1")] == [5000]
    gbk.answer_override = signed.replace(b"<balance_0>5000<", b"<balance_0>9000<")
    with pytest.raises(CardSystemUnavailable):
        gbk_adapter().list_cards("u1")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"encoding": "json", "json_in_field": "biz_content"}, "json_in_field puts JSON inside a form field"),
        ({"encoding": "json", "xml_root": "request"}, "xml_root is for encoding: xml"),
        ({"charset": "latin-1"}, "charset"),
        ({"common": {"bad name": "x"}}, "'bad name' can't be an XML element name"),
    ],
)
def test_body_mistakes_are_refused_by_key_path(change, words):
    config = copy.deepcopy(GBK_XML_DIALECT) | change
    with pytest.raises(ValidationError) as error:
        Dialect.model_validate(config)
    assert words in str(error.value)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"json_in_field": "biz_content", "encoding": "json"}, "json_in_field"),
        ({"xml_root": "request"}, "xml_root"),
        ({"charset": "big5"}, "charset"),
        ({"encoding": "yaml"}, "encoding"),
    ],
)
def test_a_merchant_file_with_a_body_mistake_is_refused_by_key_path(tmp_path, change, where):
    with pytest.raises(InvalidConfig) as caught:
        load_merchant(olive_variant(tmp_path, lambda d: d.update(change)))
    found = [str(p) for p in caught.value.problems]
    assert any(p.startswith(f"olive-fresh.yaml: backend.dialect.{where}: ") for p in found), found


def test_the_olive_form_dialect_in_gbk_is_a_valid_merchant_file(tmp_path):
    merchant = load_merchant(olive_variant(tmp_path, lambda d: d.update(charset="gbk")))
    assert merchant.config.backend.dialect.charset == "gbk"


def test_params_go_as_json_in_a_form_field_and_the_final_form_is_signed():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    system = BizContentGateway(private.public_key())
    config = Dialect.model_validate(biz_content_dialect("KABAO_MERCHANT_ALI_KEY"))
    adapter = MappedAdapter(client("http://ali.test/gw"), config, {"KABAO_MERCHANT_ALI_KEY": pem})
    with responses.RequestsMock() as mock:
        for path in ("/cards", "/bind"):
            mock.add_callback(responses.POST, f"http://ali.test/gw{path}", callback=system.callback)
        cards = adapter.list_cards("shopper-7")
        card = adapter.bind(BindRequest(user_id="shopper-7", card_number="6200000000004321"))
    assert [(c.card_id, c.balance) for c in cards] == [("C9", 5000)]
    assert card.last4 == "4321"
    form = system.received[-1]
    assert set(form) == {"app_id", "charset", "sign_type", "timestamp", "biz_content", "sign"}
    assert json.loads(form["biz_content"]) == {"user_id": "shopper-7", "card_no": "6200000000004321"}


def test_a_refused_biz_content_signature_is_an_error_not_success():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    system = BizContentGateway(private.public_key())
    config = Dialect.model_validate(biz_content_dialect("KABAO_MERCHANT_ALI_KEY"))
    adapter = MappedAdapter(client("http://ali.test/gw"), config, {"KABAO_MERCHANT_ALI_KEY": pem})
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, "http://ali.test/gw/cards", callback=system.callback)
        with pytest.raises(CardSystemUnavailable):  # their unknown refusal code is unknown, never cards
            adapter.list_cards("shopper-7")
    assert len(system.received) == 1


def test_a_gbk_form_body_is_percent_encoded_in_gbk_and_signed_over_those_bytes():
    signing = {
        "key_env": "KABAO_MERCHANT_GBK_KEY",
        "signed": {"source": "params", "append": "&key={key}"},
        "algorithm": "md5",
        "encoding": "hex_upper",
        "put": {"field": "sign"},
    }
    config = Dialect.model_validate({**copy.deepcopy(GBK_XML_DIALECT), "encoding": "form", "signing": signing})
    pipeline = SignPipeline(config.signing, BodyCodec("form", "gbk"), {"KABAO_MERCHANT_GBK_KEY": GBK_KEY})
    _, kwargs, headers = pipeline.request("POST", "", "/pay", {"body": PAY_NOTE, "total_fee": 100})
    sent = dict(parse_qsl(kwargs["data"].decode("ascii"), encoding="gbk"))
    assert sent["body"] == PAY_NOTE and "%BF%A8" in kwargs["data"].decode("ascii")  # 卡 in GBK
    assert sent["sign"] == md5_sign(sent, GBK_KEY, "gbk") != md5_sign(sent, GBK_KEY, "utf-8")
    assert headers["Content-Type"] == "application/x-www-form-urlencoded; charset=GBK"


def test_a_gbk_json_answer_signed_over_its_raw_bytes_verifies_and_reads_back():
    signing = {
        "key_env": "KABAO_MERCHANT_GBK_KEY",
        "algorithm": "hmac_sha256",
        "put": {"header": "X-Sign"},
        "verify": {"algorithm": "hmac_sha256", "signature": {"header": "X-Sign"}},
    }
    config = {
        **copy.deepcopy(biz_content_dialect("KABAO_MERCHANT_ALI_KEY")),
        "encoding": "json",
        "json_in_field": None,
        "charset": "gbk",
        "signing": signing,
    }
    adapter = MappedAdapter(client(), Dialect.model_validate(config), {"KABAO_MERCHANT_GBK_KEY": GBK_KEY})
    answer = json.dumps(
        {"response": {"code": "10000", "cards": [{"card_id": "礼品卡-1", "card_no": "****4321", "balance": "1.00"}]}},
        ensure_ascii=False,
    ).encode("gbk")
    good = hmac.new(GBK_KEY.encode(), answer, hashlib.sha256).hexdigest()
    with responses.RequestsMock() as mock:
        mock.post(f"{BASE}/cards", body=answer, headers={"X-Sign": good})
        assert [c.card_id for c in adapter.list_cards("u1")] == ["礼品卡-1"]
        assert json.loads(mock.calls[0].request.body.decode("gbk"))["user_id"] == "u1"
        mock.post(f"{BASE}/cards", body=answer, headers={"X-Sign": "0" * 64})
        with pytest.raises(CardSystemUnavailable):
            adapter.list_cards("u1")
