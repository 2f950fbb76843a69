"""The console's list of merchants: each by its name and logo, with the states ops act on.

States: live (served, valid), new (not live yet), draft (a draft differs from live), invalid (the live
file or the draft has problems) and check_failed (the latest connector check of the merchant failed).
Plain Python: the view passes in the desk, the registry, the console's locale and how to link a logo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import yaml

from bff.merchants.loader import MERCHANT_ID, Merchant
from bff.merchants.registry import MerchantRegistry
from bff.merchants.yaml_limits import load_yaml
from bff.ops.desk import Desk

BAD_STATES = ("invalid", "check_failed")


@dataclass(frozen=True)
class Row:
    id: str
    name: str
    logo: str | None  # the served logo's URL; None: show the name's first letter
    states: tuple[str, ...]
    problems: list[str] = field(default_factory=list)  # of the live file (the last good version serves)
    draft_problems: int = 0
    named_drafts: int = 0
    check_failed_at: float | None = None

    @property
    def live(self) -> bool:
        return "new" not in self.states

    @property
    def letter(self) -> str:
        return self.name[:1].upper() or "?"


def merchant_ids(desk: Desk) -> list[str]:
    """Every merchant with a live file, a main draft or named drafts."""
    named = {p.parent.name for p in desk.drafts.glob("*/*.yaml") if MERCHANT_ID.fullmatch(p.parent.name)}
    files = {p.stem for p in desk.dir.glob("*.yaml")} | {p.stem for p in desk.drafts.glob("*.yaml")} | named
    return sorted(m for m in files if MERCHANT_ID.fullmatch(m))


def name_of(merchant_id: str, served: Merchant | None, text: str | None, locale: str) -> str:
    """The merchant's name in the locale: from what is served, else from its draft, else its id."""
    if served is not None:
        return served.config.text(served.config.brand.name, locale)
    try:
        data = load_yaml(text or "")
    except (yaml.YAMLError, ValueError):
        return merchant_id
    brand = data.get("brand") if isinstance(data, dict) else None
    names = brand.get("name") if isinstance(brand, dict) else None
    if isinstance(names, dict):
        found = names.get(locale) or names.get("zh-CN")
        if isinstance(found, str) and found.strip():
            return found.strip()
    return merchant_id


def failed_checks(desk: Desk) -> dict[str, float]:
    """merchant id → when its latest connector check failed (merchants whose latest check passed are left out)."""
    latest: dict[str, tuple[str, float]] = {}
    for entry in desk.audit():  # newest first
        if entry.action.startswith("connector check") and entry.merchant_id not in latest:
            latest[entry.merchant_id] = (entry.action, entry.when)
    return {m: when for m, (action, when) in latest.items() if action.endswith("failed")}


def rows(desk: Desk, registry: MerchantRegistry, locale: str, logo_url: Callable[[Merchant], str]) -> list[Row]:
    problems: dict[str, list[str]] = {}
    for p in registry.problems():
        problems.setdefault(p.file, []).append(str(p))
    failed = failed_checks(desk)
    found = []
    for merchant_id in merchant_ids(desk):
        served = registry.get(merchant_id)
        live, draft = desk.live_text(merchant_id), desk.draft_text(merchant_id)
        live_problems = problems.get(f"{merchant_id}.yaml", [])
        draft_problems = len(desk.problems(merchant_id, draft)) if draft is not None else 0
        states = [
            "live" if live is not None and not live_problems else "new" if live is None else "",
            "draft" if draft is not None and draft != live else "",
            "invalid" if live_problems or draft_problems else "",
            "check_failed" if merchant_id in failed else "",
        ]
        has_logo = served is not None and served.config.brand.logo is not None
        found.append(
            Row(
                id=merchant_id,
                name=name_of(merchant_id, served, draft if served is None else live, locale),
                logo=logo_url(served) if has_logo and served is not None else None,
                states=tuple(s for s in states if s),
                problems=live_problems,
                draft_problems=draft_problems,
                named_drafts=len(list((desk.drafts / merchant_id).glob("*.yaml"))),
                check_failed_at=failed.get(merchant_id),
            )
        )
    return found
