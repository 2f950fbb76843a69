"""The host-app API answers every error as JSON in the contract's shape, whatever arrives."""

from __future__ import annotations

import json
import time

import pytest
from test_refunds import call

from bff.security.signatures import sign_request


def assert_contract_error(response, status, code):
    assert response.status_code == status
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    assert response.get_json() == {"result": "ERROR", "error": {"code": code}}


@pytest.mark.parametrize("signature", ["签名", "é" * 64, "\u00ff" * 64, "ab\u200bcd"])
def test_a_non_ascii_signature_is_unauthorized(app, client, signature):
    response = call(
        client, app.config["KABAO_HOST_SECRET"], "GET", "/api/v1/orders/lime-market/O-1", signature=signature
    )
    assert_contract_error(response, 401, "UNAUTHORIZED")


@pytest.mark.parametrize("timestamp", ["1" + "0" * 400, "１２３", "٣٠٠", " 1", "1_000", "-5", "1e9"])
def test_a_timestamp_that_is_not_plain_digits_is_unauthorized(app, client, timestamp):
    response = call(
        client, app.config["KABAO_HOST_SECRET"], "GET", "/api/v1/orders/lime-market/O-1", timestamp=timestamp
    )
    assert_contract_error(response, 401, "UNAUTHORIZED")


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v1/orders/lime-market", "/api/v1/", "/api/v2/refunds"])
def test_unknown_api_paths_answer_json_not_found(app, client, path):
    assert_contract_error(call(client, app.config["KABAO_HOST_SECRET"], "GET", path), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/v1/refunds"), ("DELETE", "/api/v1/refunds"), ("POST", "/api/v1/orders/lime-market/O-1")],
)
def test_wrong_methods_answer_json_method_not_allowed(app, client, method, path):
    response = call(client, app.config["KABAO_HOST_SECRET"], method, path, body={} if method != "GET" else None)
    assert_contract_error(response, 405, "METHOD_NOT_ALLOWED")


def signed_raw(client, secret, raw: bytes, content_type="application/json"):
    ts = str(int(time.time()))
    headers = {
        "X-Kabao-Timestamp": ts,
        "X-Kabao-Signature": sign_request(secret, ts, "POST", "/api/v1/refunds", raw),
        "Content-Type": content_type,
    }
    return client.post("/api/v1/refunds", data=raw, headers=headers)


@pytest.mark.parametrize(
    "raw",
    [b"{", b"\xff\xfe\x00", b"[" * 5000 + b"]" * 5000, b"NaN", b'"just a string"', b"", b'{"amount": 1e999}'],
)
def test_unreadable_json_bodies_are_invalid_requests(app, client, raw):
    assert_contract_error(signed_raw(client, app.config["KABAO_HOST_SECRET"], raw), 400, "INVALID_REQUEST")


def test_an_oversized_body_is_refused_as_too_large(app, client):
    body = json.dumps(
        {"merchant_id": "lime-market", "order_id": "O-1", "refund_id": "r1", "amount": 1, "pad": "x" * 100_000}
    )
    response = signed_raw(client, app.config["KABAO_HOST_SECRET"], body.encode())
    assert_contract_error(response, 413, "PAYLOAD_TOO_LARGE")


def test_an_unknown_merchant_in_a_refund_answers_json(app, client):
    body = {"merchant_id": "no-such-shop", "order_id": "O-1", "refund_id": "r1", "amount": 100}
    response = call(client, app.config["KABAO_HOST_SECRET"], "POST", "/api/v1/refunds", body)
    assert response.status_code == 404 and response.get_json()["result"] == "ERROR"


def test_an_unexpected_failure_answers_json_500(app, client, monkeypatch):
    def broken(*_args):
        raise RuntimeError("the ledger is on fire")

    monkeypatch.setattr(app.extensions["kabao"].ledger, "checkout_by_order", broken)
    response = call(client, app.config["KABAO_HOST_SECRET"], "GET", "/api/v1/orders/lime-market/O-1")
    assert_contract_error(response, 500, "INTERNAL_ERROR")
