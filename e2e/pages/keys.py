"""A text the BFF lacks is shown as its key (`checkout.result.PAID.title`): no page may show one."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from e2e.merchants import DEFAULT_LOCALE, catalogue

KEY_GROUPS = sorted({key.split(".")[0] for key in catalogue(DEFAULT_LOCALE)})  # app, bind, card, checkout, …
RAW_KEY = re.compile(rf"\b(?:{'|'.join(KEY_GROUPS)})\.[A-Za-z_][\w.]*")


def expect_no_raw_keys(page: Page) -> None:
    """Neither the rendered text nor the title of the page shows a catalogue key."""
    expect(page.locator("body")).not_to_contain_text(RAW_KEY, use_inner_text=True)
    expect(page).not_to_have_title(RAW_KEY)
