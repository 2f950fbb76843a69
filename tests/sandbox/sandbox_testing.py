"""Helpers the host-app simulator tests share (a module of its own: conftest is not importable)."""

from __future__ import annotations

import sqlite3
from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from itsdangerous import URLSafeTimedSerializer

BFF_URL = "http://bff.test:5000"
HOST_SECRET = "sim-test-host-secret"
CHECKOUT_FORM = {"user_id": "u1001", "merchant_id": "lime-market", "locale": "zh-CN", "amount": "128.00"}


def checkout_payload(location: str, secret: str = HOST_SECRET) -> dict[str, Any]:
    """The payload of the checkout token in a redirect to the BFF, checked as the BFF checks it."""
    token = parse_qs(urlsplit(location).query)["token"][0]
    return URLSafeTimedSerializer(secret, salt="kabao.checkout").loads(token, max_age=60)


def result_token(secret: str = HOST_SECRET, salt: str = "kabao.checkout-result", **fields: Any) -> str:
    """A kabao_result token as the BFF mints it (u1001 paid 128.00 for SIM-1 at lime-market by default)."""
    payload = {
        "order_id": "SIM-1",
        "mch": "lime-market",
        "sub": "u1001",
        "checkout_id": "co_1",
        "status": "PAID",
        "amount": 12800,
        "paid_by_cards": 12800,
        "remainder": 0,
        **fields,
    }
    return URLSafeTimedSerializer(secret, salt=salt).dumps(payload)


def order_row(app: Flask, order_id: str = "SIM-1") -> dict[str, Any] | None:
    """The order's row in sim_orders, read straight from the sandbox's database file."""
    conn = sqlite3.connect(app.extensions["sandbox"].db.path)
    try:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM sim_orders WHERE order_id = ?", (order_id,)).fetchone()
    finally:
        conn.close()
    return None if row is None else dict(row)
