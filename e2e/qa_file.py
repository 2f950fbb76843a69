"""The QA file of `--kabao-mode=deployed`: where the deployment is, and its test shoppers and cards per merchant.

Kept out of the repository (it names test cards and their secrets); YAML or TOML, format in
docs/qa-file.example.yaml. The host secret is never in the file: it names the environment variable
that holds it. Amounts are fen (integers).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class QaFileError(ValueError):
    """The QA file is missing, unreadable or lacks something the deployed mode needs."""


@dataclass(frozen=True)
class TestCard:
    """A card the merchant's test card system keeps for QA."""

    __test__ = False  # not a pytest test class

    number: str
    secret: str | None  # the bind password (password merchants)
    pin: str | None  # the pay PIN, when checkout asks for one
    card_type: str | None
    bound: bool  # bound to the test shopper before the run (and left so)
    pay_up_to: int  # fen a test may pay with it (and then refund); 0: never pay with it
    lock_after: int | None  # the card system locks its secret after this many wrong tries, if known

    @property
    def last4(self) -> str:
        return self.number[-4:]


@dataclass(frozen=True)
class QaMerchant:
    id: str
    shopper: str  # holds the `bound` cards; binds and pays as this shopper
    new_shopper: str | None  # a shopper with no cards (the empty wallet), if the deployment has one
    cards: tuple[TestCard, ...]
    sms_code_url: str | None  # a URL template ({card_number}, {merchant}) answering the last code; None: ask

    def bound_cards(self) -> list[TestCard]:
        return [card for card in self.cards if card.bound]

    def bindable_cards(self) -> list[TestCard]:
        return [card for card in self.cards if not card.bound]


@dataclass(frozen=True)
class HostApp:
    """How the suite opens the wallet and checkout as the host app: by signing tokens, or by its test launcher."""

    secret_env: str | None  # the NAME of the environment variable holding the host secret
    return_url: str | None  # an allow-listed return URL for checkouts (signed tokens)
    wallet_launcher: str | None  # URL template: {shopper} {merchant} {locale}
    checkout_launcher: str | None  # URL template: {shopper} {merchant} {locale} {amount} {order_id}

    def secret(self) -> str | None:
        if not self.secret_env:
            return None
        return os.environ.get(self.secret_env) or None


@dataclass(frozen=True)
class QaFile:
    path: Path
    base_url: str  # the wallet (BFF) of the deployment
    config_dir: Path | None  # the merchant files the deployment serves (texts and rules the tests follow)
    host: HostApp
    merchants: tuple[QaMerchant, ...]

    def merchant(self, merchant_id: str) -> QaMerchant:
        for merchant in self.merchants:
            if merchant.id == merchant_id:
                return merchant
        raise KeyError(merchant_id)


def load(path: Path) -> QaFile:
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (OSError, tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise QaFileError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise QaFileError(f"{path}: not a mapping")
    try:
        return _qa_file(path, data)
    except (KeyError, TypeError, ValueError) as exc:
        raise QaFileError(f"{path}: {exc!r} (see docs/qa-file.example.yaml)") from exc


def _qa_file(path: Path, data: dict[str, Any]) -> QaFile:
    host = data.get("host") or {}
    config_dir = data.get("config_dir")
    qa = QaFile(
        path=path,
        base_url=str(data["base_url"]).rstrip("/"),
        config_dir=(path.parent / config_dir).resolve() if config_dir else None,
        host=HostApp(
            secret_env=host.get("secret_env"),
            return_url=host.get("return_url"),
            wallet_launcher=host.get("wallet_launcher"),
            checkout_launcher=host.get("checkout_launcher"),
        ),
        merchants=tuple(_merchant(m) for m in data["merchants"]),
    )
    if not (qa.host.secret_env or qa.host.wallet_launcher):
        raise ValueError("host: give secret_env (the NAME of the variable holding the host secret) or wallet_launcher")
    return qa


def _merchant(data: dict[str, Any]) -> QaMerchant:
    shoppers = data["shoppers"]
    sms = data.get("sms", "ask")
    return QaMerchant(
        id=str(data["id"]),
        shopper=str(shoppers["with_cards"]),
        new_shopper=str(shoppers["new"]) if shoppers.get("new") else None,
        cards=tuple(_card(c) for c in data.get("cards") or ()),
        sms_code_url=None if sms == "ask" else str(sms["code_url"]),
    )


def _card(data: dict[str, Any]) -> TestCard:
    pay_up_to = data.get("pay_up_to", 0)
    if not isinstance(pay_up_to, int) or isinstance(pay_up_to, bool) or pay_up_to < 0:
        raise ValueError(f"card {str(data.get('number'))[-4:]}: pay_up_to is fen, a whole number >= 0")
    lock_after = data.get("lock_after")
    return TestCard(
        number=str(data["number"]),
        secret=None if data.get("secret") is None else str(data["secret"]),
        pin=None if data.get("pin") is None else str(data["pin"]),
        card_type=data.get("type"),
        bound=bool(data.get("bound", False)),
        pay_up_to=pay_up_to,
        lock_after=None if lock_after is None else int(lock_after),
    )
