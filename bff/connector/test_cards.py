"""Where the conformance check gets its test cards: the provider's file, or a Kabao sandbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import requests
import yaml

from bff.wallet.binding import luhn_ok


@dataclass(frozen=True)
class TestCards:
    """What the merchant's system provider gives for a check: a shopper id and test cards."""

    user_id: str
    number: str  # an unbound, active card with at least ¥2.00 on it
    secret: str | None  # its password (password binding)
    other_number: str  # another existing card (wrong-secret and unknown-card checks)
    sms_code: Callable[[str], str] | None = None  # reads the code texted for a number (SMS binding)


def unknown_number(near: str, luhn: bool) -> str:
    """A number shaped like a real one (same length, prefix, check digit) that no card should have."""
    body = near[:-5] + ("0" if near[-5] != "0" else "1") + near[-4:-1]
    if not luhn or not body.isdigit():
        return body + near[-1]
    for digit in "0123456789":
        if luhn_ok(body + digit):
            return body + digit
    raise AssertionError("unreachable: one check digit always fits")


def _reader(template: str | None):  # noqa: ANN202
    if not template:
        return None

    def read(number: str) -> str:
        response = requests.get(template.replace("{card_number}", quote(number)), timeout=5)
        response.raise_for_status()
        return str(response.json()["code"])

    return read


def from_file(path: Path) -> TestCards:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return TestCards(
        user_id=str(data["user_id"]),
        number=str(data["number"]),
        secret=None if data.get("secret") is None else str(data["secret"]),
        other_number=str(data["other_number"]),
        sms_code=_reader(data.get("sms_code_url")),
    )


def from_sandbox(url: str, merchant_id: str, base_url: str = "") -> TestCards:
    """Two unbound active cards of the merchant's sandbox system, and its SMS inbox.

    A merchant the sandbox doesn't list yet (a draft) is found by its base URL.
    """
    base = url.rstrip("/")
    merchants = requests.get(f"{base}/_sandbox/merchants", timeout=5).json()
    system = next((m["system"] for m in merchants if m["id"] == merchant_id), None)
    if system is None and base_url:  # the sandbox knows how its API faces name a system in a URL
        found = requests.get(f"{base}/_sandbox/system-of", params={"base_url": base_url}, timeout=5)
        system = found.json().get("system") if found.ok else None
    if system is None:
        raise LookupError(f"the sandbox has no card system for {merchant_id}")
    cards = requests.get(f"{base}/_sandbox/systems/{system}/cards", params={"bound": "0"}, timeout=5).json()
    usable = [c for c in cards if c["status"] == "ACTIVE" and c["balance"] >= 200]
    first, second = usable[0], usable[1]
    return TestCards(
        user_id="kabao-conformance",
        number=first["card_number"],
        secret=first["secret"],
        other_number=second["card_number"],
        sms_code=_reader(f"{base}/_sandbox/sms?system={system}&card_number={{card_number}}"),
    )
