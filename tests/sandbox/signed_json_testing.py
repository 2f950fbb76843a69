"""A client of the signed_json dialect (/v3/<system>): RSA-signed requests, platform-signed answers checked."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import requests

from sandbox.dialects.signed_json_auth import (
    answer_message,
    authorization,
    encrypt_pin,
    request_message,
    sign,
    verifies,
)
from sandbox.runner import RunningSandbox

MCHID = "1900009191"


class SignedJsonClient:
    """Signs each call with the merchant key the sandbox was given; checks each answer's platform signature."""

    def __init__(self, sandbox: RunningSandbox, session: requests.Session, system: str = "aspen") -> None:
        self.sandbox = sandbox
        self.session = session
        self.prefix = f"/v3/{system}"
        self.merchant_key = sandbox.keys["KABAO_MERCHANT_ASPEN_PRIVATE_KEY"]
        self.platform_public = sandbox.keys["KABAO_MERCHANT_ASPEN_PLATFORM_PUBLIC_KEY"]

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        query: dict[str, Any] | None = None,
        key: str | None = None,
        timestamp: int | None = None,
        tamper: bytes | None = None,
    ) -> requests.Response:
        """Send one signed call; tamper replaces the body after signing, key signs with another private key."""
        target = self.prefix + path + (f"?{urlencode(query)}" if query else "")
        raw = json.dumps(body, separators=(",", ":")).encode() if body is not None else b""
        stamp, nonce = str(timestamp if timestamp is not None else int(time.time())), secrets.token_hex(16)
        signature = sign(key or self.merchant_key, request_message(method, target, stamp, nonce, raw))
        fields = {"mchid": MCHID, "nonce_str": nonce, "timestamp": stamp, "serial_no": "T1", "signature": signature}
        headers = {"Authorization": authorization(fields), "Content-Type": "application/json"}
        sent = tamper if tamper is not None else raw
        return self.session.request(method, self.sandbox.url + target, data=sent, headers=headers, timeout=30)

    def signed(self, response: requests.Response) -> bool:
        """Whether the answer's Aspenpay-Signature holds over its timestamp, nonce and exact body."""
        h = response.headers
        message = answer_message(h.get("Aspenpay-Timestamp", ""), h.get("Aspenpay-Nonce", ""), response.content)
        return verifies(self.platform_public, message, h.get("Aspenpay-Signature", ""))

    def json(self, response: requests.Response, status: int = 200) -> dict[str, Any]:
        """The JSON of an answer with this status, its signature checked."""
        assert response.status_code == status, response.text
        assert self.signed(response), response.headers
        return response.json()

    def pin(self, text: str) -> str:
        return encrypt_pin(self.platform_public, text)

    def pay(self, card_id: str, out_trade_no: str, total: int, **extra: Any) -> requests.Response:
        body = {
            "mchid": MCHID,
            "openid": "u1001",
            "card_id": card_id,
            "out_trade_no": out_trade_no,
            "description": "白杨健身",
            "amount": {"total": total, "currency": "CNY"},
            **extra,
        }
        return self.call("POST", "/transactions/card", body)

    def refund(self, out_trade_no: str, out_refund_no: str, amount: int) -> requests.Response:
        body = {"mchid": MCHID, "out_trade_no": out_trade_no, "out_refund_no": out_refund_no}
        return self.call("POST", "/refunds", body | {"amount": {"refund": amount, "currency": "CNY"}})
