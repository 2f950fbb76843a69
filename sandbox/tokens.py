"""Launch tokens, as the host app signs them for the BFF."""

from __future__ import annotations

import secrets
from urllib.parse import urlencode

from itsdangerous import URLSafeTimedSerializer

LAUNCH_SALT = "kabao.launch"
AUDIENCE = "kabao-wallet"
LOCALES = ("zh-CN", "en")


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
