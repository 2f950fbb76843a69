"""Kabao's own card handles: what the browser, URLs, logs and store keys call a card instead of its id or number.

A handle is a keyed MAC over (merchant, shopper, card id): the same in every process with no storage,
irreversible, and different for each shopper, so another shopper's handle names none of your cards.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Iterable

HANDLE_CHARS = 22  # 132 bits of the MAC, URL-safe base64
_SHAPE = re.compile(rf"[A-Za-z0-9_-]{{{HANDLE_CHARS}}}")


def handle_key(secret_key: str) -> bytes:
    """The handles' own key, derived from the app's secret so no other use of that secret can yield a handle."""
    return hmac.new(secret_key.encode(), b"kabao card handles v1", hashlib.sha256).digest()


class CardHandles:
    """Handles of one shopper's cards at one merchant."""

    def __init__(self, key: bytes, merchant_id: str, user_id: str) -> None:
        self._key = key
        self._scope = (merchant_id, user_id)

    def of(self, card_id: str) -> str:
        """The handle of this card for this shopper."""
        message = json.dumps([*self._scope, card_id], ensure_ascii=False).encode()
        mac = hmac.new(self._key, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode()[:HANDLE_CHARS]

    @staticmethod
    def well_formed(handle: str) -> bool:
        """Whether this could be a handle at all (anything else names no card, without asking anyone)."""
        return _SHAPE.fullmatch(handle) is not None

    def find(self, handle: str, card_ids: Iterable[str]) -> str | None:
        """The card among these whose handle this is; None when it names none of them."""
        if not self.well_formed(handle):
            return None
        return next((c for c in card_ids if hmac.compare_digest(self.of(c).encode(), handle.encode())), None)
