"""The host-app simulator: the shopping app that opens the wallet, or a checkout, with a signed token."""

from __future__ import annotations

import re
import secrets

from playwright.sync_api import Page

from e2e.merchants import DEFAULT_LOCALE, Merchant
from e2e.pages.checkout import CheckoutPage
from e2e.pages.wallet import WalletPage


def new_order_id() -> str:
    """An order id no earlier run used: the wallet's ledger outlives the sandbox's reset."""
    return f"E2E-{secrets.token_hex(8)}"


def yuan_typed(fen: int) -> str:
    """Fen as someone types yuan into the simulator's amount field: 128.00."""
    return f"{fen // 100}.{fen % 100:02d}"


class HostApp:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.launch = page.get_by_role("region", name=re.compile(r"^打开卡包"))  # not checkout's form
        self.shopper = self.launch.get_by_label("购物者")
        self.merchant = self.launch.get_by_label("商户")
        self.open_button = self.launch.get_by_role("button", name="打开卡包 Open wallet")
        self.checkout_form = page.get_by_role("region", name=re.compile(r"^下单支付"))
        self.checkout_button = self.checkout_form.get_by_role("button", name="下单支付 Checkout")

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

    def follow_wallet_link(self, url: str, merchant: Merchant, locale: str = DEFAULT_LOCALE) -> WalletPage:
        """Open the wallet from a launch link the sandbox minted (POST /_sandbox/launch-token): what the
        simulator's form does, one page load sooner; the launch test goes through the form."""
        self.page.goto(url)
        wallet = WalletPage(self.page, merchant, locale)
        wallet.expect_loaded()
        return wallet

    def open_checkout(
        self,
        shopper: str,
        merchant: Merchant,
        amount: int,
        order_id: str,
        locale: str = DEFAULT_LOCALE,
        balances_in: bool = True,
    ) -> CheckoutPage:
        """Order `amount` fen as this shopper from this merchant and go to the wallet's checkout.

        The page is drawn before the cards' balances are in; unless told not to, this waits for them."""
        form = self.checkout_form
        self.page.goto("/")
        form.get_by_label("购物者").select_option(shopper)
        form.get_by_label("商户").select_option(merchant.id)
        form.get_by_role("radio", name=re.compile(rf"\({re.escape(locale)}\)")).check()
        form.get_by_label(re.compile(r"^金额")).fill(yuan_typed(amount))
        form.get_by_label(re.compile(r"^订单号")).fill(order_id)
        self.checkout_button.click()
        checkout = CheckoutPage(self.page, merchant, locale)
        checkout.expect_loaded(order_id, balances_in=balances_in)
        return checkout

    def follow_checkout_link(
        self, url: str, merchant: Merchant, order_id: str, locale: str = DEFAULT_LOCALE
    ) -> CheckoutPage:
        """Open a checkout from a link the sandbox minted (POST /_sandbox/checkout-token)."""
        self.page.goto(url)
        checkout = CheckoutPage(self.page, merchant, locale)
        checkout.expect_loaded(order_id)
        return checkout
