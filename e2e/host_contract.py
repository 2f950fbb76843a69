"""The host app's side of docs/host-app-contract.md, as QA play it: sign launch and checkout tokens, call the host API.

Written from the contract, not imported from the sandbox's simulator: deployed mode must work with
nothing but the deployment's URL and the host secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from itsdangerous import URLSafeTimedSerializer

AUDIENCE = "kabao-wallet"
TIMEOUT = (3.05, 15.0)


class HostApiError(AssertionError):
    """The host API answered something other than what the contract promises for this call."""


def _token(secret: str, salt: str, payload: dict[str, Any]) -> str:
    body = {"aud": AUDIENCE, "nonce": secrets.token_hex(16), **payload}
    return URLSafeTimedSerializer(secret, salt=salt).dumps(body)


def launch_url(wallet_url: str, secret: str, shopper: str, merchant_id: str, locale: str) -> str:
    token = _token(secret, "kabao.launch", {"sub": shopper, "mch": merchant_id, "locale": locale})
    return f"{wallet_url}/launch?{urlencode({'token': token})}"


def checkout_url(
    wallet_url: str, secret: str, *, shopper: str, merchant_id: str, locale: str, order_id: str, amount: int, back: str
) -> str:
    payload = {
        "sub": shopper,
        "mch": merchant_id,
        "locale": locale,
        "order_id": order_id,
        "amount": amount,
        "currency": "CNY",
        "return_url": back,
    }
    return f"{wallet_url}/checkout?{urlencode({'token': _token(secret, 'kabao.checkout', payload)})}"


class HostApi:
    """Signed server-to-server calls: the order status and refunds."""

    def __init__(self, wallet_url: str, secret: str, session: requests.Session | None = None) -> None:
        self.wallet_url = wallet_url
        self.secret = secret
        self.session = session or requests.Session()

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> requests.Response:
        raw = b"" if body is None else json.dumps(body).encode()
        signed_path = urlsplit(self.wallet_url).path.rstrip("/") + path
        stamp = str(int(time.time()))
        message = f"{stamp}.{method}.{signed_path}.".encode() + raw
        headers = {
            "X-Kabao-Timestamp": stamp,
            "X-Kabao-Signature": hmac.new(self.secret.encode(), message, hashlib.sha256).hexdigest(),
        }
        if body is not None:
            headers["Content-Type"] = "application/json"
        return self.session.request(method, self.wallet_url + path, data=raw, headers=headers, timeout=TIMEOUT)

    def order(self, merchant_id: str, order_id: str) -> dict[str, Any] | None:
        """GET /api/v1/orders/{merchant}/{order}: its `order` (status, paid_by_cards, refunded, ...); None if 404."""
        response = self._call("GET", f"/api/v1/orders/{merchant_id}/{order_id}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise HostApiError(f"order {order_id}: HTTP {response.status_code} {response.text[:300]}")
        return response.json()["order"]

    def refund(self, merchant_id: str, order_id: str, refund_id: str, amount: int) -> dict[str, Any]:
        """POST /api/v1/refunds; the answer's `refund` (status SUCCEEDED or PENDING), or HostApiError."""
        body = {"merchant_id": merchant_id, "order_id": order_id, "refund_id": refund_id, "amount": amount}
        response = self._call("POST", "/api/v1/refunds", body)
        if response.status_code != 200:
            raise HostApiError(f"refund {refund_id}: HTTP {response.status_code} {response.text[:300]}")
        return response.json()["refund"]
