"""The host app's signing of server-to-server calls, and its money formats, without an app."""

from __future__ import annotations

import hashlib
import hmac

import pytest
import requests
import responses

from sandbox.hostapi import HostApi, sign, signed_headers
from sandbox.money import parse_yuan, plain_yuan, yuan


def test_signature_is_hex_hmac_sha256_of_timestamp_method_path_and_body() -> None:
    body = b'{"amount":100}'
    expected = hmac.new(b"secret", b'1700000000.POST./api/v1/refunds?dry=1.{"amount":100}', hashlib.sha256).hexdigest()
    assert sign("secret", "1700000000", "post", "/api/v1/refunds?dry=1", body) == expected


def test_signed_headers_carry_whole_unix_seconds_and_sign_an_empty_get_body() -> None:
    headers = signed_headers("secret", "GET", "/api/v1/orders/m/o", b"", now=1700000000.9)
    assert headers["X-Kabao-Timestamp"] == "1700000000"
    expected = hmac.new(b"secret", b"1700000000.GET./api/v1/orders/m/o.", hashlib.sha256).hexdigest()
    assert headers["X-Kabao-Signature"] == expected


@responses.activate
def test_the_signed_path_is_the_one_sent_quoting_and_base_path_included() -> None:
    url = "http://bff.test/kabao/api/v1/orders/m%26x/SIM-1"
    order = {
        "order_id": "SIM-1",
        "status": "PAID",
        "amount": 1,
        "paid_by_cards": 1,
        "remainder": 0,
        "refunded": 0,
    }
    responses.get(url, json={"result": "OK", "order": order})
    with requests.Session() as session:
        remote = HostApi("http://bff.test/kabao/", "secret", session).order_status("m&x", "SIM-1")
    assert remote.status == "PAID"
    sent = responses.calls[0].request
    assert sent.path_url == "/kabao/api/v1/orders/m%26x/SIM-1"
    timestamp = sent.headers["X-Kabao-Timestamp"]
    assert sent.headers["X-Kabao-Signature"] == sign("secret", timestamp, "GET", sent.path_url, b"")


@pytest.mark.parametrize(
    ("fen", "shown", "plain"), [(0, "¥0.00", "0.00"), (5, "¥0.05", "0.05"), (123456, "¥1,234.56", "1234.56")]
)
def test_fen_are_shown_as_yuan_and_a_form_value_parses_back(fen, shown, plain) -> None:
    assert yuan(fen) == shown and plain_yuan(fen) == plain
    if fen:
        assert parse_yuan(plain) == fen
