"""Server-to-server requests from the host app: HMAC-SHA256 over time, method, path and body."""

from __future__ import annotations

import hashlib
import hmac

MAX_SKEW_SECONDS = 300


def sign_request(secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    message = f"{timestamp}.{method.upper()}.{path}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def request_is_signed(
    secret: str,
    timestamp: str,
    signature: str,
    method: str,
    path: str,
    body: bytes,
    now: float,
    max_skew: int = MAX_SKEW_SECONDS,
) -> bool:
    """Whether the signature is right and fresh (a replay after the window is refused)."""
    # headers arrive as any text: only plain ASCII digits and hex can be a timestamp and a signature
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12 and signature.isascii()):
        return False
    if abs(now - int(timestamp)) > max_skew:
        return False
    return hmac.compare_digest(sign_request(secret, timestamp, method, path, body).encode(), signature.encode())
