"""Helpers for the pay code tests: a shopper's live code, and a terminal that signs like a real one."""

from __future__ import annotations

import json
import time
import uuid

from kabao_testing import sandbox_cards

from bff.security.signatures import sign_request

TERMINAL_KEYS = {
    ("lime-market", "T1"): "KABAO_MERCHANT_LIME_TERMINAL_T1_KEY",
    ("lime-market", "T2"): "KABAO_MERCHANT_LIME_TERMINAL_T2_KEY",
    ("peach-bakery", "P1"): "KABAO_MERCHANT_PEACH_TERMINAL_P1_KEY",
}


def lime_card(sandbox, balance: int = 50000, user_id: str = "u1001") -> dict:
    return next(c for c in sandbox_cards(sandbox, "lime", user_id=user_id) if c["balance"] == balance)


def issue_code(app, card: dict, merchant: str = "lime-market", user_id: str = "u1001", ttl: int = 60) -> str:
    """A code as the shopper's page would issue it for this card."""
    codes = app.extensions["kabao"].till.codes
    return codes.issue(merchant, user_id, card["card_id"], card["card_number"][-4:], ttl).code


class Terminal:
    """A store's till: signs every request with its own key, a fresh nonce in each body."""

    def __init__(self, client, sandbox, merchant: str = "lime-market", terminal_id: str = "T1", key: str | None = None):
        self.client, self.merchant, self.terminal_id = client, merchant, terminal_id
        self.key = key if key is not None else sandbox.keys[TERMINAL_KEYS[(merchant, terminal_id)]]

    def headers(self, method: str, path: str, raw: bytes, timestamp: str | None = None) -> dict[str, str]:
        ts = timestamp or str(int(time.time()))
        return {
            "X-Kabao-Merchant": self.merchant,
            "X-Kabao-Terminal": self.terminal_id,
            "X-Kabao-Timestamp": ts,
            "X-Kabao-Signature": sign_request(self.key, ts, method, path, raw),
            "Content-Type": "application/json",
        }

    def send(self, method: str, path: str, body: dict | None = None, timestamp: str | None = None):
        raw = b"" if body is None else json.dumps({**body, "nonce": uuid.uuid4().hex}).encode()
        return self.client.open(path, method=method, data=raw, headers=self.headers(method, path, raw, timestamp))

    def redeem(self, code: str, amount: int, txn_id: str | None = None):
        body = {"txn_id": txn_id or f"tx-{uuid.uuid4().hex[:12]}", "code": code, "amount": amount}
        return self.send("POST", "/api/terminal/v1/redeem", body)

    def query(self, txn_id: str):
        return self.send("GET", f"/api/terminal/v1/transactions/{txn_id}?nonce={uuid.uuid4().hex}")

    def cancel(self, txn_id: str):
        return self.send("POST", f"/api/terminal/v1/transactions/{txn_id}/cancel", {})

    def refund(self, txn_id: str, amount: int, refund_id: str | None = None):
        body = {"refund_id": refund_id or f"rf-{uuid.uuid4().hex[:10]}", "amount": amount}
        return self.send("POST", f"/api/terminal/v1/transactions/{txn_id}/refunds", body)


def transaction(response) -> dict:
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["transaction"]
