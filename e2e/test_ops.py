"""Ops shape a merchant in the console, see it in the preview, publish it to shoppers, and roll back."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.merchants import all_merchants
from e2e.pages import HostApp
from e2e.pages.ops import OpsConsole
from e2e.sandbox_admin import SHOPPER
from e2e.stack import Stack

NEW_PRIMARY = "#5b2a86"  # readable under white text and on white
NEW_PRIMARY_RGB = "rgb(91, 42, 134)"
SECTION_CLASS = {
    "total_balance": "total",
    "card_list": "cards",
    "bind_button": "bind-cta",
    "notice": "notice",
    "faq": "faq",
    "help": "help",
}


def section_classes(page: Page) -> list[str]:
    """The wallet's sections as laid out, by the class of each (the page shows them in this order)."""
    classes = page.locator("main > section").evaluate_all("els => els.map(e => e.className.split(' ')[0])")
    return [c for c in classes if c in SECTION_CLASS.values()]


def test_ops_change_colour_and_order_preview_publish_and_roll_back(page: Page, stack: Stack, host_app: HostApp):
    if stack.ops_password is None:
        pytest.skip("this stack has no ops account for the suite: set KABAO_E2E_OPS_PASSWORD")
    merchant = all_merchants()[0]
    expected_before = [SECTION_CLASS[s["type"]] for s in merchant.sections]
    expected_after = [expected_before[1], expected_before[0], *expected_before[2:]]

    wallet = host_app.open_wallet(SHOPPER, merchant)
    topbar = page.get_by_role("banner")
    old_colour = topbar.evaluate("el => getComputedStyle(el).backgroundColor")
    assert section_classes(page) == expected_before

    ops = OpsConsole(page, stack.wallet_url)
    ops.log_in("ops", stack.ops_password)
    ops.open_merchant(merchant.id)
    ops.colour("primary").fill(NEW_PRIMARY)
    ops.section_orders().nth(0).fill("2")
    ops.section_orders().nth(1).fill("1")
    ops.save_shape()

    page.goto(f"{stack.wallet_url}/ops/preview/{merchant.id}/wallet/cards?lang=zh-CN&source=draft")
    expect(page.get_by_role("banner")).to_have_css("background-color", NEW_PRIMARY_RGB)
    assert section_classes(page) == expected_after

    wallet = host_app.open_wallet(SHOPPER, merchant)  # a draft is not what shoppers see
    expect(topbar).to_have_css("background-color", old_colour)

    ops.open_merchant(merchant.id)
    ops.publish()
    wallet = host_app.open_wallet(SHOPPER, merchant)
    expect(topbar).to_have_css("background-color", NEW_PRIMARY_RGB)
    assert section_classes(page) == expected_after

    ops.open_merchant(merchant.id)
    ops.roll_back_to_latest()
    wallet = host_app.open_wallet(SHOPPER, merchant)
    expect(topbar).to_have_css("background-color", old_colour)
    assert section_classes(page) == expected_before
    wallet.expect_loaded()
