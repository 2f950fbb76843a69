"""What came back on the wire, for the one line that says every call was refused and why."""

from __future__ import annotations

import re
from typing import Any

RAW_LIMIT = 160
NUMBERS = re.compile(r"\d{8,}")


class Wire:
    """Keeps the last HTTP answer a gateway got (status and body, secrets blanked, numbers masked)."""

    def __init__(self, secrets: list[str]) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)
        self.status: int | None = None
        self.raw: str | None = None

    def record(self, response: Any, *args: Any, **kwargs: Any) -> Any:
        self.status, self.raw = response.status_code, self.clean(response.text)
        return response

    def clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        text = NUMBERS.sub(lambda m: "*" * (len(m.group()) - 4) + m.group()[-4:], text)
        text = " ".join(text.split())
        return text if len(text) <= RAW_LIMIT else text[:RAW_LIMIT] + "…"


def tap(gateway: Any, secrets: list[str]) -> Wire:
    """Listen to an HTTP gateway's answers (a gateway without a requests session is simply not heard)."""
    client = getattr(gateway, "client", None)
    key = getattr(gateway, "key", "") or ""
    auth = (getattr(client, "headers", None) or {}).get("Authorization", "")
    wire = Wire([*secrets, key, auth.removeprefix("Bearer ")])
    session = getattr(client, "session", None)
    if session is not None:
        session.hooks.setdefault("response", []).append(wire.record)
    return wire


def likely_cause(wire: Wire, errors: list[str], verifying: bool = False) -> str:
    """The most likely reason every call was refused, from the HTTP status and the raw answer."""
    text = (wire.raw or "").lower()
    status = wire.status
    if verifying and status is not None and 200 <= status < 300 and not re.search(r"sign|key|auth", text):
        return f"answer signature: HTTP {status} answers, none verified (the public key, or what is signed)"
    if status is None:
        if any("address is refused" in e for e in errors):
            return "URL: Kabao's outbound allow-list refuses the card system's address"
        return "URL: no answer at the base URL (connection failed or timed out)"
    if status in (404, 405) and not re.search(r"sign|key|auth", text):
        return f"URL: HTTP {status}, the paths are not found at the base URL"
    if re.search(r"sign", text):
        return f"signature: HTTP {status}, the system does not accept the request's signature"
    if re.search(r"timestamp|clock|expired|time", text):
        return f"clock: HTTP {status}, the system refuses the request's time (clocks, timestamp format)"
    if status in (401, 403) or re.search(r"key|auth|token|credential|permission|forbidden", text):
        return f"key: HTTP {status}, the system does not accept the key"
    return f"unknown: HTTP {status}, every answer was an error the configuration doesn't map"
