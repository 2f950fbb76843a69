"""The top bar every wallet page shares."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page


def back_link(page: Page, label: str) -> Locator:
    """The top bar's back link; its name carries the "‹" the stylesheet puts before the label."""
    return page.get_by_role("banner").get_by_role("link", name=re.compile(rf"(^|\W){re.escape(label)}$"))
