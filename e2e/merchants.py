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

REPO = Path(__file__).resolve().parent.parent
CATALOGUES = REPO / "bff" / "i18n"
DEFAULT_LOCALE = "zh-CN"
SYSTEM_IN_URL = re.compile(r"/cs/([A-Za-z0-9_-]+)/")
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
    copy: dict[str, dict[str, str]] = field(repr=False)

    def texts(self, locale: str = DEFAULT_LOCALE) -> Texts:
        return Texts(locale, self.copy.get(locale, {}))

    def brand_name(self, locale: str = DEFAULT_LOCALE) -> str:
        return self.name.get(locale) or self.name[DEFAULT_LOCALE]

    def has_section(self, kind: str) -> bool:
        return any(s.get("type") == kind for s in self.sections)

    @property
    def shows_unusable_cards(self) -> bool:
        card_list = next(s for s in self.sections if s.get("type") == "card_list")
        return bool(card_list.get("show_unusable", True))


def load(path: Path) -> Merchant:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    bind = data["flows"]["bind"]
    rule = bind["card_number"]
    name = data["brand"]["name"]
    system = SYSTEM_IN_URL.search(str(data.get("backend", {}).get("base_url", "")))
    return Merchant(
        id=path.stem,
        name=name if isinstance(name, dict) else {DEFAULT_LOCALE: str(name)},
        system=system.group(1) if system else None,
        bind_method=bind["method"],
        card_number=CardNumberRule(
            rule["min_length"], rule["max_length"], rule["pattern"], bool(rule.get("luhn", False))
        ),
        sections=tuple(data["pages"]["wallet"]["sections"]),
        unbind=bool(data["flows"].get("unbind", True)),
        history=bool(data["flows"].get("history", True)),
        copy=data.get("copy") or {},
    )


def all_merchants() -> list[Merchant]:
    """Every merchant file of the config dir, so a new file is covered with no new test."""
    return [load(path) for path in sorted(config_dir().glob("*.yaml"))]
