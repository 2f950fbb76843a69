"""Store values sealed with a key of Kabao's own: what a store holds about cards is unreadable without it."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken


class Sealer:
    """Encrypts and authenticates text (Fernet), with a key derived from the app's secret."""

    def __init__(self, secret_key: str) -> None:
        key = hmac.new(secret_key.encode(), b"kabao store sealing v1", hashlib.sha256).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def open(self, sealed: str) -> str | None:
        """The text, or None when it was sealed with another key (a rotated secret) or altered."""
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            return None
