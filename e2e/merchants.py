"""The merchants under test, read from their wallet_config files, and the texts their pages show."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from sandbox.merchants import system_in_url

REPO = Path(__file__).resolve().parent.parent
CATALOGUES = REPO / "bff" / "i18n"
DEFAULT_LOCALE = "zh-CN"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def config_dir() -> Path:
    """The merchant files under test: KABAO_CONFIG_DIR, else the repository's wallet_config/."""
    return Path(os.environ.get("KABAO_CONFIG_DIR") or REPO / "wallet_config").resolve()


@cache
def catalogue(locale: str) -> dict[str, str]:
    return json.loads((CATALOGUES / f"{locale}.json").read_text(encoding="utf-8"))


class Texts:
    """A merchant's shopper-visible texts in one locale: the catalogue with its `copy:` on top."""

    def __init__(self, locale: str, overrides: dict[str, str]) -> None:
        self.locale = locale
        self._texts = {**catalogue(DEFAULT_LOCALE), **catalogue(locale), **overrides}

    def __call__(self, key: str, **values: object) -> str:
        text = self._texts[key]
        return text.format(**values) if values else text

    def pattern(self, key: str, **values: object) -> re.Pattern[str]:
        """The text as a regex; placeholders not given in values match anything."""
        parts = PLACEHOLDER.split(self._texts[key])
        out = []
        for i, part in enumerate(parts):
            if i % 2 == 0:
                out.append(re.escape(part))
            else:
                out.append(re.escape(str(values[part])) if part in values else ".+?")
        return re.compile("^" + "".join(out) + "$")


@dataclass(frozen=True)
class CardNumberRule:
    min_length: int
    max_length: int
    pattern: str
    luhn: bool


@dataclass(frozen=True)
class CheckoutRules:
    """A merchant's `checkout:` rules (defaults as the BFF's config model has them); amounts in fen."""

    max_cards: int = 2
    allow_remainder: bool = True
    pin: str = "never"  # always | above | never
    pin_above: int = 0
    interval_seconds: float = 3
    give_up_seconds: int = 45

    def pin_needed(self, amount: int) -> bool:
        return self.pin == "always" or (self.pin == "above" and amount > self.pin_above)


@dataclass(frozen=True)
class PayCode:
    """A merchant's `paycode:` (in-store pay code) as the tests need it; amounts in fen."""

    pin_above: int | None
    terminals: tuple[str, ...]  # the terminal ids, in file order


def paycode_rules(data: dict[str, Any] | None) -> PayCode | None:
    if not isinstance(data, dict) or data.get("enabled") is False:
        return None
    pin_above = data.get("pin_above")
    return PayCode(None if pin_above is None else int(pin_above), tuple(str(t) for t in data.get("terminals") or {}))


@dataclass(frozen=True)
class Merchant:
    """What the tests need to know of one merchant file."""

    id: str
    name: dict[str, str]
    system: str | None
    bind_method: str
    card_number: CardNumberRule
    sections: tuple[dict[str, Any], ...]
    unbind: bool
    history: bool
    card_detail: bool  # False: balances come with the card list (no per-card call that can fail alone)
    copy: dict[str, dict[str, str]] = field(repr=False)
    checkout: CheckoutRules | None = None  # None: paying with cards is off
    # what the card system can say of a payment (a mapped dialect's status_map); None: the standard API, all
    payment_states: frozenset[str] | None = None
    paycode: PayCode | None = None  # None: the in-store pay code is off
    wrong_secret_per_card: tuple[int, int] = (5, 900)  # Kabao's limit: (attempts, window seconds)
    refunds: bool = True  # False: its card system can't refund (a mapped dialect without the operation)

    def texts(self, locale: str = DEFAULT_LOCALE) -> Texts:
        return Texts(locale, self.copy.get(locale, {}))

    @property
    def says_processing(self) -> bool:
        """Whether its card system can answer that a payment is still processing (birch can't: DONE)."""
        return self.payment_states is None or "PROCESSING" in self.payment_states

    def brand_name(self, locale: str = DEFAULT_LOCALE) -> str:
        return self.name.get(locale) or self.name[DEFAULT_LOCALE]

    def has_section(self, kind: str) -> bool:
        return any(s.get("type") == kind for s in self.sections)

    @property
    def shows_unusable_cards(self) -> bool:
        card_list = next(s for s in self.sections if s.get("type") == "card_list")
        return bool(card_list.get("show_unusable", True))


def checkout_rules(data: dict[str, Any] | None) -> CheckoutRules | None:
    if data is None:
        return None
    pin = data.get("pin") or {}
    query = data.get("status_query") or {}
    defaults = CheckoutRules()
    return CheckoutRules(
        max_cards=int(data.get("max_cards", defaults.max_cards)),
        allow_remainder=bool(data.get("allow_remainder", defaults.allow_remainder)),
        pin=str(pin.get("required", defaults.pin)),
        pin_above=int(pin.get("above_amount", defaults.pin_above)),
        interval_seconds=float(query.get("interval_seconds", defaults.interval_seconds)),
        give_up_seconds=int(query.get("give_up_seconds", defaults.give_up_seconds)),
    )


def _payment_states(data: dict[str, Any]) -> frozenset[str] | None:
    payment = ((data.get("backend") or {}).get("dialect") or {}).get("payment") or {}
    states = payment.get("status_map")
    return None if states is None else frozenset(str(state) for state in states.values())


def load(path: Path) -> Merchant:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    bind = data["flows"]["bind"]
    rule = bind["card_number"]
    name = data["brand"]["name"]
    system = system_in_url(str(data.get("backend", {}).get("base_url", "")))
    return Merchant(
        id=path.stem,
        name=name if isinstance(name, dict) else {DEFAULT_LOCALE: str(name)},
        system=system,
        bind_method=bind["method"],
        card_number=CardNumberRule(
            rule["min_length"], rule["max_length"], rule["pattern"], bool(rule.get("luhn", False))
        ),
        sections=tuple(data["pages"]["wallet"]["sections"]),
        unbind=bool(data["flows"].get("unbind", True)) and _has_operation(data, "unbind"),
        history=bool(data["flows"].get("history", True)) and _has_operation(data, "transactions"),
        card_detail=_has_operation(data, "card_detail"),
        copy=data.get("copy") or {},
        checkout=checkout_rules(data.get("checkout")),
        payment_states=_payment_states(data),
        paycode=paycode_rules(data.get("paycode")) if data.get("checkout") else None,
        wrong_secret_per_card=_wrong_secret_per_card(data),
        refunds=_has_operation(data, "refund"),
    )


def _wrong_secret_per_card(data: dict[str, Any]) -> tuple[int, int]:
    limit = ((data.get("limits") or {}).get("wrong_secret") or {}).get("per_card") or {}
    return int(limit.get("attempts", 5)), int(limit.get("window_seconds", 900))


def _has_operation(data: dict[str, Any], operation: str) -> bool:
    """A mapped card system may lack an operation; the wallet then hides what needs it."""
    dialect = (data.get("backend") or {}).get("dialect")
    return dialect is None or operation in (dialect.get("operations") or {})


def all_merchants() -> list[Merchant]:
    """Every merchant file of the config dir, so a new file is covered with no new test."""
    return [load(path) for path in sorted(config_dir().glob("*.yaml"))]
