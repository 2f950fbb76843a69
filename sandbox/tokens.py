"""Tokens the host app signs for the BFF (launch, checkout) and the result token it reads back."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from itsdangerous import URLSafeTimedSerializer

LAUNCH_SALT = "kabao.launch"
CHECKOUT_SALT = "kabao.checkout"
RESULT_SALT = "kabao.checkout-result"
AUDIENCE = "kabao-wallet"
LOCALES = ("zh-CN", "en")
RESULT_MAX_AGE = 3600


def mint_launch_token(host_secret: str, user_id: str, merchant_id: str, locale: str) -> str:
    """A signed launch token for a shopper opening a merchant's wallet."""
    payload = {
        "sub": user_id,
        "mch": merchant_id,
        "aud": AUDIENCE,
        "nonce": secrets.token_hex(16),
        "locale": locale,
    }
    return URLSafeTimedSerializer(host_secret, salt=LAUNCH_SALT).dumps(payload)


def launch_url(bff_url: str, token: str) -> str:
    """Where the host app sends the webview: {bff_url}/launch?token=..."""
    return f"{bff_url.rstrip('/')}/launch?{urlencode({'token': token})}"


def mint_checkout_token(
    host_secret: str,
    *,
    user_id: str,
    merchant_id: str,
    locale: str,
    order_id: str,
    amount: int,
    return_url: str,
) -> str:
    """A signed checkout token for one order (docs/host-app-contract.md, "Open a checkout")."""
    payload = {
        "sub": user_id,
        "mch": merchant_id,
        "aud": AUDIENCE,
        "nonce": secrets.token_hex(16),
        "locale": locale,
        "order_id": order_id,
        "amount": amount,
        "currency": "CNY",
        "return_url": return_url,
    }
    return URLSafeTimedSerializer(host_secret, salt=CHECKOUT_SALT).dumps(payload)


def checkout_url(bff_url: str, token: str) -> str:
    """Where the host app sends the webview to pay: {bff_url}/checkout?token=..."""
    return f"{bff_url.rstrip('/')}/checkout?{urlencode({'token': token})}"


def read_result_token(host_secret: str, token: str) -> Any:
    """The payload of a kabao_result token; itsdangerous.BadData if forged, tampered or stale."""
    return URLSafeTimedSerializer(host_secret, salt=RESULT_SALT).loads(token, max_age=RESULT_MAX_AGE)
