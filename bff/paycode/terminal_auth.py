"""Requests from stores' terminals: HMAC over time, method, path and body with each terminal's own key.

The clock window is tight (a till's clock is kept by its network) and each signature is accepted once,
so a captured request can't be sent again, even within the window.
"""

from __future__ import annotations

import hashlib

from bff.security.signatures import request_is_signed
from bff.store import Store

TERMINAL_SKEW_SECONDS = 60


def terminal_request_ok(
    store: Store, key: str, timestamp: str, signature: str, method: str, path: str, body: bytes, now: float
) -> str | None:
    """None when the request is signed by this key, fresh and new; otherwise UNAUTHORIZED or REPLAYED."""
    if not key or not request_is_signed(key, timestamp, signature, method, path, body, now, TERMINAL_SKEW_SECONDS):
        return "UNAUTHORIZED"
    seen = hashlib.sha256(f"{key}:{signature}".encode()).hexdigest()[:40]
    if not store.add_if_absent(f"terminal-seen:{seen}", 2 * TERMINAL_SKEW_SECONDS + 1, float(timestamp)):
        return "REPLAYED"
    return None
