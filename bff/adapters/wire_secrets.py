"""The card password / PIN as the dialect sends it: clear, a digest, or encrypted. Never logged in any form."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bff.adapters import sign_crypto
from bff.adapters.sign_pipeline import fill
from bff.cards.errors import CardSystemUnavailable
from bff.merchants.dialect_signing import WireSecret

log = logging.getLogger(__name__)


class WireSecrets:
    """Turns our `secret` value into what the card system expects on the wire."""

    def __init__(self, spec: WireSecret | None, keys: Mapping[str, str], name: str = "") -> None:
        self.name = name  # the merchant, for log lines
        self.spec = spec
        self.keys = keys

    def _key(self, name: str | None) -> str:
        return self.keys.get(name, "") if name else ""

    def apply(self, values: dict[str, Any]) -> dict[str, Any]:
        """The values with `secret` as it goes on the wire; a missing secret stays missing."""
        spec = self.spec
        if spec is None or values.get("secret") in (None, ""):
            return values
        text = fill(spec.text, {k: "" if v is None else str(v) for k, v in values.items()}).encode()
        try:
            if spec.form == "clear":
                wire = text.decode()
            elif spec.form in ("md5", "sha256", "sm3"):
                wire = sign_crypto.encode(sign_crypto.digest(spec.form, text), spec.encoding)
            else:
                raw = sign_crypto.encrypt(
                    spec.form,
                    text,
                    key=self._key(spec.key_env),
                    public_key=self._key(spec.public_key_env),
                    iv=self._key(spec.iv_env),
                )
                wire = sign_crypto.encode(raw, spec.encoding)
        except sign_crypto.KeyProblem as exc:
            log.error(
                "%s: secret not prepared for the wire: %s (%s)", self.name, exc, spec.public_key_env or spec.key_env
            )
            raise CardSystemUnavailable("the secret could not be prepared for the card system") from None
        return {**values, "secret": wire}
