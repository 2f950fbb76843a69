"""axe-core (vendored in e2e/axe/, see axe.VERSION) run on a page in each way a shopper may see it.

A page is checked as it is shown now, then in every variant: dark and light colour scheme, and the
phone's text at 150% (the browser's default font size raised from 16 to 24 px, as a shopper's larger
text setting does; pages in rem follow it). Violations are collected, not raised at once, so one test
reports every page of its group. With KABAO_AUDIT_SHOTS=DIR each checked variant is also saved there
as a full-page screenshot (to look at what was checked).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_JS = Path(__file__).resolve().parent / "axe" / "axe.min.js"
SCHEMES = ("light", "dark")
TEXT_SIZES = {"100%": 16, "150%": 24}  # the browser's default (standard) font size in px
# what is checked: WCAG 2.2 A and AA, and axe's best practices (what Lighthouse's accessibility score runs)
EVERY_RULE = {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}
# the colour scheme and the text size change colours and layout, not markup: the other variants re-run only the
# rules that look at those (names, roles, landmarks and headings were checked in the first variant)
VISUAL_RULES = {
    "type": "rule",
    "values": ["color-contrast", "link-in-text-block", "target-size", "scrollable-region-focusable"],
}


@dataclass(frozen=True)
class Violation:
    where: str  # page name and variant, e.g. "wallet en dark 150%"
    rule: str
    impact: str
    targets: tuple[str, ...]
    help: str

    def __str__(self) -> str:
        shown = ", ".join(self.targets[:3]) + (f" (+{len(self.targets) - 3})" if len(self.targets) > 3 else "")
        return f"{self.where}: {self.rule} ({self.impact}) {self.help} at {shown}"


@dataclass
class Audit:
    """Every violation found so far; `known` rule ids per page name are reported apart, not failed."""

    known: dict[str, set[str]] = field(default_factory=dict)
    found: list[Violation] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    def check(self, page: Page, name: str) -> None:
        """Run axe on the page as it is, in both colour schemes and both text sizes."""
        _inject(page)
        cdp = page.context.new_cdp_session(page)
        variants = [(size, px, scheme) for size, px in TEXT_SIZES.items() for scheme in SCHEMES]
        try:
            for index, (size, px, scheme) in enumerate(variants):
                cdp.send("Page.setFontSizes", {"fontSizes": {"standard": px}})
                page.emulate_media(color_scheme=scheme)
                where = f"{name} {scheme} {size}"
                self.pages.append(where)
                rules = EVERY_RULE if index == 0 else VISUAL_RULES
                self.found += [_violation(where, v) for v in page.evaluate(RUN_AXE, rules)]
                _shot(page, where)
        finally:
            cdp.send("Page.setFontSizes", {"fontSizes": {"standard": TEXT_SIZES["100%"]}})
            cdp.detach()
            page.emulate_media(color_scheme="light")

    def new(self) -> list[Violation]:
        return [v for v in self.found if v.rule not in self.known.get(v.where.split(" ")[0], set())]

    def summary(self) -> str:
        lines = [f"axe-core checked {len(self.pages)} page variants"]
        lines += [f"  known: {v}" for v in self.found if v not in self.new()]
        lines += [f"  NEW: {v}" for v in self.new()]
        return "\n".join(lines)


RUN_AXE = """async (runOnly) => {
  const results = await axe.run(document, {runOnly, resultTypes: ['violations']});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact || '', help: v.help, targets: v.nodes.map(n => n.target.join(' '))
  }));
}"""


def _shot(page: Page, where: str) -> None:
    folder = os.environ.get("KABAO_AUDIT_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(folder) / (where.replace(" ", "-").replace("%", "pct") + ".png"), full_page=True)


def _inject(page: Page) -> None:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))


def _violation(where: str, found: dict[str, Any]) -> Violation:
    return Violation(where, found["id"], found["impact"], tuple(found["targets"]), found["help"])
