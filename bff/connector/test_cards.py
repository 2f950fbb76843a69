"""Where the conformance check gets its test cards: the provider's file, or a Kabao sandbox."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import requests
import yaml

from bff.connector.check import TestCards


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


# how the sandbox names a card system in a base URL (docs/sandbox-contract.md)
SANDBOX_SYSTEM = re.compile(r"/(?:cs|legacy|openapi|birch)/([A-Za-z0-9_-]+)")


def from_sandbox(url: str, merchant_id: str, base_url: str = "") -> TestCards:
    """Two unbound active cards of the merchant's sandbox system, and its SMS inbox.

    A merchant the sandbox doesn't list yet (a draft) is found by its base URL.
    """
    base = url.rstrip("/")
    merchants = requests.get(f"{base}/_sandbox/merchants", timeout=5).json()
    system = next((m["system"] for m in merchants if m["id"] == merchant_id), None)
    if system is None and (match := SANDBOX_SYSTEM.search(base_url)):
        system = match.group(1)
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
