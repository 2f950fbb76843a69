"""The mapped adapter speaks each dialect as its config says: signing, amounts, codes, unknowns."""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import parse_qsl

import pytest
import responses
from kabao_testing import REPO

from bff.adapters.breaker import CircuitBreaker
from bff.adapters.guarded import make_session
from bff.adapters.http import HttpClient
from bff.adapters.mapped import MappedAdapter
from bff.adapters.paging import encode_cursor
from bff.cards.errors import CardSystemError, CardSystemUnavailable, ErrorCode
from bff.cards.models import BindRequest, CardStatus, PaymentStatus, PayRequest, TxnKind
from bff.merchants.loader import load_merchant

BASE = "http://cards.test"


def adapter_for(name: str, base_path: str, key: str = "k3y") -> MappedAdapter:
    merchant = load_merchant(REPO / "wallet_config" / f"{name}.yaml")
    client = HttpClient(BASE + base_path, make_session(), (0.5, 0.5), {}, CircuitBreaker(50, 60), name)
    dialect = merchant.config.backend.dialect
    return MappedAdapter(client, dialect, dict.fromkeys(dialect.signing.env_names(), key))


@pytest.fixture
def olive():
    adapter = adapter_for("olive-fresh", "/legacy/olive")
    yield adapter
    adapter.close()


@pytest.fixture
def maple():
    adapter = adapter_for("maple-cinema", "/openapi/maple/v2")
    yield adapter
    adapter.close()


@pytest.fixture
def birch():
    adapter = adapter_for("birch-tea", "/birch/birch")
    yield adapter
    adapter.close()


OLIVE_CARD = {
    "card_id": "c1",
    "card_no_mask": "5***********1234",
    "card_kind": "01",
    "card_state": "1",
    "balance": "12.34",
    "expire_date": "20991231",
}


def olive_sign(params: dict[str, str], key: str) -> str:
    text = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v != "") + f"&key={key}"
    return hashlib.md5(text.encode()).hexdigest().upper()


@responses.activate
def test_olive_requests_are_form_encoded_and_md5_signed(olive):
    responses.post(f"{BASE}/legacy/olive/card/query", json={"ret_code": "0000", **OLIVE_CARD})
    card = olive.card_detail("u1", "c1")
    sent = dict(parse_qsl(responses.calls[0].request.body.decode()))
    assert responses.calls[0].request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent["member_id"] == "u1" and sent["mch_no"] == "OLV001" and len(sent["timestamp"]) == 14
    assert sent["sign"] == olive_sign(sent, "k3y")
    assert (card.balance, card.last4, card.card_type, card.status) == (1234, "1234", "gift", CardStatus.ACTIVE)


@responses.activate
def test_olive_pay_sends_yuan_and_reads_its_state(olive):
    responses.post(
        f"{BASE}/legacy/olive/trade/pay",
        json={"ret_code": "0000", "out_trade_no": "kb-1", "total_amt": "128.00", "trade_state": "SUCCESS"},
    )
    payment = olive.pay(PayRequest("kb-1", "u1", "c1", "O-1", 12800, "CNY"))
    assert dict(parse_qsl(responses.calls[0].request.body.decode()))["total_amt"] == "128.00"
    assert "pay_pwd" not in dict(parse_qsl(responses.calls[0].request.body.decode()))  # no PIN, no field
    assert (payment.status, payment.amount) == (PaymentStatus.SUCCEEDED, 12800)


@responses.activate
@pytest.mark.parametrize(
    ("code", "outcome"),
    [("2001", "declined"), ("1004", "declined"), ("2003", "unknown"), ("9999", "unknown"), ("7777", "unknown")],
)
def test_olive_pay_codes_are_declines_or_unknown_never_success(olive, code, outcome):
    responses.post(f"{BASE}/legacy/olive/trade/pay", json={"ret_code": code, "ret_msg": "x"})
    request = PayRequest("kb-1", "u1", "c1", "O-1", 12800, "CNY")
    if outcome == "declined":
        assert olive.pay(request).status is PaymentStatus.FAILED
    else:
        with pytest.raises(CardSystemUnavailable):
            olive.pay(request)


@responses.activate
def test_an_unknown_code_is_logged_with_merchant_operation_and_raw_code(olive, caplog):
    responses.post(f"{BASE}/legacy/olive/card/list", json={"ret_code": "7777"})
    with pytest.raises(CardSystemUnavailable):
        olive.list_cards("u1")
    assert "olive-fresh list_cards: unknown result code '7777'" in caplog.text


@responses.activate
def test_olive_history_has_unsigned_amounts_and_page_paging(olive):
    trade = {
        "trade_no": "t1",
        "trade_type": "P",
        "trade_amt": "34.86",
        "balance": "500.00",
        "trade_time": "20261123084005",
        "remark": "门店消费",
        "out_trade_no": "",
    }
    responses.post(f"{BASE}/legacy/olive/card/trades", json={"ret_code": "0000", "total": 25, "trades": [trade] * 10})
    page = olive.transactions("u1", "c1", None, 10)
    first = page.transactions[0]
    assert (first.kind, first.amount, first.balance_after) == (TxnKind.PAYMENT, -3486, 50000)
    assert first.created_at.isoformat() == "2026-11-23T08:40:05+08:00"
    second = olive.transactions("u1", "c1", page.next_cursor, 10)
    assert dict(parse_qsl(responses.calls[1].request.body.decode()))["page_no"] == "2"
    responses.post(f"{BASE}/legacy/olive/card/trades", json={"ret_code": "0000", "total": 25, "trades": [trade] * 5})
    assert olive.transactions("u1", "c1", second.next_cursor, 10).next_cursor is None
    assert dict(parse_qsl(responses.calls[2].request.body.decode()))["page_no"] == "3"


@responses.activate
def test_olive_wrong_secret_and_unknown_card_are_our_errors(olive):
    responses.post(f"{BASE}/legacy/olive/card/bind", json={"ret_code": "1002"})
    with pytest.raises(CardSystemError) as caught:
        olive.bind(BindRequest("u1", "5000000000000009", secret="123456"))
    assert caught.value.code is ErrorCode.WRONG_SECRET


@responses.activate
def test_maple_signs_with_hmac_over_body_and_wraps_the_envelope(maple):
    responses.post(
        f"{BASE}/openapi/maple/v2/payments",
        json={
            "header": {"resultCode": "SUCCESS"},
            "body": {"payment": {"paymentRef": "kb-1", "amount": {"value": 12800}, "status": "PAID"}},
        },
    )
    payment = maple.pay(PayRequest("kb-1", "u1", "c1", "O-1", 12800, "CNY", secret="654321"))
    request = responses.calls[0].request
    body = json.loads(request.body)
    assert body["header"]["appId"] == "KABAO-WALLET"
    assert body["body"]["amount"] == {"value": 12800, "currency": "CNY"} and body["body"]["pin"] == "654321"
    ts = request.headers["X-Maple-Timestamp"]
    expected = hmac.new(b"k3y", ts.encode() + b"." + request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Maple-Signature"] == expected
    assert payment.status is PaymentStatus.SUCCEEDED


@responses.activate
def test_maple_get_signs_the_full_path_and_query(maple):
    responses.get(
        f"{BASE}/openapi/maple/v2/customers/u1/cards/c1/ledger",
        json={"header": {"resultCode": "SUCCESS"}, "body": {"entries": [], "nextPageToken": None}},
    )
    maple.transactions("u1", "c1", encode_cursor({"t": "tok"}), 10)  # Kabao's cursor for their token "tok"
    request = responses.calls[0].request
    assert request.path_url == "/openapi/maple/v2/customers/u1/cards/c1/ledger?pageToken=tok&pageSize=10"
    ts = request.headers["X-Maple-Timestamp"]
    expected = hmac.new(b"k3y", f"{ts}.{request.path_url}".encode(), hashlib.sha256).hexdigest()
    assert request.headers["X-Maple-Signature"] == expected


@responses.activate
def test_maple_pay_without_a_status_is_unknown_not_success(maple):
    responses.post(
        f"{BASE}/openapi/maple/v2/payments",
        json={
            "header": {"resultCode": "SUCCESS"},
            "body": {"payment": {"paymentRef": "kb-1", "amount": {"value": 12800}}},
        },
    )
    with pytest.raises(CardSystemUnavailable):
        maple.pay(PayRequest("kb-1", "u1", "c1", "O-1", 12800, "CNY"))


@responses.activate
def test_maple_nested_balance(maple):
    card = {
        "cardRef": "c1",
        "maskedPan": "77************4321",
        "product": {"code": "BOOK"},
        "state": "NORMAL",
        "validThru": "2099-12-31",
        "account": {"available": {"value": 3650, "currency": "CNY"}},
    }
    responses.get(
        f"{BASE}/openapi/maple/v2/customers/u1/cards/c1",
        json={"header": {"resultCode": "SUCCESS"}, "body": {"card": card}},
    )
    found = maple.card_detail("u1", "c1")
    assert (found.balance, found.card_type, found.last4) == (3650, "book", "4321")


@responses.activate
def test_birch_has_no_detail_so_the_list_gives_balances_and_past_dates_mean_expired(birch):
    cards = [
        {"id": "b1", "no": "3012345678", "type": "gift", "ok": True, "balance": 5000, "valid_to": "2099-01-01"},
        {"id": "b2", "no": "3012349999", "type": "gift", "ok": False, "balance": 2000, "valid_to": "2020-01-01"},
    ]
    responses.get(f"{BASE}/birch/birch/users/u1/cards", json={"code": "OK", "data": {"cards": cards}})
    assert birch.card_detail("u1", "b1").balance == 5000
    assert birch.list_cards("u1")[1].status is CardStatus.EXPIRED
    with pytest.raises(CardSystemError):
        birch.card_detail("u1", "nope")
    assert responses.calls[0].request.headers["X-Api-Key"] == "k3y"
    assert not birch.supports("transactions") and not birch.supports("refund") and birch.supports("pay")


@responses.activate
def test_birch_pay_answers_no_status_so_it_is_pending_until_queried(birch):
    responses.post(f"{BASE}/birch/birch/pay", json={"code": "OK", "data": {}})
    responses.get(
        f"{BASE}/birch/birch/pay/kb-1", json={"code": "OK", "data": {"ref": "kb-1", "amount": 100, "state": "DONE"}}
    )
    with pytest.raises(CardSystemUnavailable):
        birch.pay(PayRequest("kb-1", "u1", "b1", "O-1", 100, "CNY"))
    assert birch.payment_status("kb-1").status is PaymentStatus.SUCCEEDED


@responses.activate
def test_a_yuan_amount_written_as_a_float_is_malformed(olive):
    responses.post(f"{BASE}/legacy/olive/card/query", json={"ret_code": "0000", **OLIVE_CARD, "balance": 12.34})
    with pytest.raises(CardSystemUnavailable):
        olive.card_detail("u1", "c1")
