"""The host-app simulator: the shopping app that opens the wallet with a signed launch token."""

from __future__ import annotations

import re

from playwright.sync_api import Page

from e2e.merchants import DEFAULT_LOCALE, Merchant
from e2e.pages.wallet import WalletPage


class HostApp:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.launch = page.get_by_role("region", name=re.compile(r"^打开卡包"))  # not checkout's form
        self.shopper = self.launch.get_by_label("购物者")
        self.merchant = self.launch.get_by_label("商户")
        self.open_button = self.launch.get_by_role("button", name="打开卡包 Open wallet")

    def open_wallet(self, shopper: str, merchant: Merchant, locale: str = DEFAULT_LOCALE) -> WalletPage:
        """Open the wallet as this shopper, for this merchant, in this language."""
        self.page.goto("/")
        self.shopper.select_option(shopper)
        self.merchant.select_option(merchant.id)
        self.launch.get_by_role("radio", name=re.compile(rf"\({re.escape(locale)}\)")).check()
        self.open_button.click()
        wallet = WalletPage(self.page, merchant, locale)
        wallet.expect_loaded()
        return wallet
