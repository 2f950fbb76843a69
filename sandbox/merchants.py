"""Merchants as the simulator sees them: the *.yaml files of the wallet config directory."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# Where each API face of the sandbox names its card system in a base URL: the standard API, then the
# dialects of docs/sandbox-dialects.md. A merchant's system is the earliest match in its backend.base_url.
SYSTEM_IN_URL = (
    re.compile(r"/cs/([A-Za-z0-9_-]+)/"),
    re.compile(r"/legacy/([A-Za-z0-9_-]+)(?=[/?#]|$)"),
    re.compile(r"/openapi/([A-Za-z0-9_-]+)/v2(?=[/?#]|$)"),
    re.compile(r"/birch/([A-Za-z0-9_-]+)(?=[/?#]|$)"),
    re.compile(r"/xmlgw/([A-Za-z0-9_-]+)(?=[/?#]|$)"),
    re.compile(r"/v3/([A-Za-z0-9_-]+)(?=[/?#]|$)"),
    re.compile(r"/gateway/([A-Za-z0-9_-]+)(?=[/?#]|$)"),
    re.compile(r"/gm/([A-Za-z0-9_-]+)/api(?=[/?#]|$)"),
)


@dataclass(frozen=True)
class Merchant:
    """A merchant's id (file name), display names, sandbox system and bind method; how complete it is."""

    id: str
    name_zh: str
    name_en: str
    system: str | None
    bind_method: str | None
    standard_api: bool = False  # on the sandbox's standard face (/cs/): every operation the wallet has
    paycode: bool = False

    @property
    def completeness(self) -> int:
        """Higher for a merchant that shows more of Kabao: the simulator opens on the most complete."""
        return (self.system is not None) + 2 * self.standard_api + self.paycode

    def to_json(self) -> dict[str, Any]:
        """The merchant as the admin API shows it."""
        return {
            "id": self.id,
            "name": {"zh-CN": self.name_zh, "en": self.name_en},
            "system": self.system,
            "bind_method": self.bind_method,
        }


def load_merchants(config_dir: Path) -> list[Merchant]:
    """Every merchant file that parses, by id; files that fail to parse are skipped."""
    merchants = []
    for path in sorted(Path(config_dir).glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        if isinstance(data, dict):
            merchants.append(_merchant(path.stem, data))
    return merchants


def find_merchant(config_dir: Path, merchant_id: str) -> Merchant | None:
    """The merchant with this id, if its file parses."""
    return next((m for m in load_merchants(config_dir) if m.id == merchant_id), None)


def _merchant(merchant_id: str, data: dict[str, Any]) -> Merchant:
    name = _get(data, "brand", "name")
    if isinstance(name, dict):
        zh = str(name.get("zh-CN") or name.get("en") or merchant_id)
        en = str(name.get("en") or zh)
    else:
        zh = en = str(name or merchant_id)
    base_url = _get(data, "backend", "base_url")
    method = _get(data, "flows", "bind", "method")
    return Merchant(
        merchant_id,
        zh,
        en,
        system_in_url(base_url) if isinstance(base_url, str) else None,
        method if isinstance(method, str) else None,
        standard_api=isinstance(base_url, str) and bool(SYSTEM_IN_URL[0].search(base_url)),
        paycode=_get(data, "paycode", "enabled") is True,
    )


def system_in_url(base_url: str) -> str | None:
    """The sandbox card system a base URL names, whichever API face it speaks."""
    matches = [match for pattern in SYSTEM_IN_URL if (match := pattern.search(base_url))]
    return min(matches, key=lambda match: match.start()).group(1) if matches else None


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data
