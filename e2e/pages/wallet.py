"""The wallet home: the merchant's sections, the shopper's cards and their balances."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from e2e.merchants import DEFAULT_LOCALE, Merchant
from e2e.pages.bind import BindPage, SmsReader
from e2e.pages.card import CardPage
from e2e.pages.htmx import expect_settled
from e2e.pages.money import AMOUNT, yuan

WALLET_PATH = re.compile(r"/wallet(\?[^#]*)?$")  # ?js=0: the complete page without JS; ?new=: just bound


class WalletPage:
    def __init__(self, page: Page, merchant: Merchant, locale: str = DEFAULT_LOCALE) -> None:
        self.page = page
        self.merchant = merchant
        self.t = merchant.texts(locale)
        self.header = page.get_by_role("banner")
        self.total_section = page.get_by_role("region", name=self.t("wallet.total"))
        self.total = self.total_section.get_by_text(AMOUNT)
        self.total_stale = self.total_section.get_by_text(self.t("wallet.total_stale"))
        self.total_unavailable = self.total_section.get_by_text(self.t("wallet.total_unavailable"), exact=True)
        self.total_loading = self.total_section.get_by_text(self.t("wallet.total_loading"))
        self.cards_section = page.get_by_role("region", name=self.t("wallet.cards"))
        self.card_items = self.cards_section.get_by_role("list").get_by_role("listitem")
        self.bind_button = page.get_by_role("link", name=self.t("wallet.bind"), exact=True).first
        self.empty_title = self.cards_section.get_by_text(self.t("wallet.empty.title"), exact=True)
        self.empty_body = self.cards_section.get_by_text(self.t("wallet.empty.body"), exact=True)
        self.notice = self.cards_section.get_by_role("status").filter(
            has=page.get_by_role("link", name=self.t("common.retry"))
        )
        self.retry = self.notice.get_by_role("link", name=self.t("common.retry"), exact=True)
        self.unusable_heading = self.cards_section.get_by_text(self.t("wallet.unusable"), exact=True)

    def expect_loaded(self) -> None:
        expect(self.page).to_have_url(WALLET_PATH)
        expect(self.cards_section).to_be_visible()
        self.page.wait_for_load_state()  # htmx is set up by then

    def reload(self) -> None:
        self.page.reload()
        self.expect_loaded()

    def message(self, key: str, **values: object) -> Locator:
        """A flash message from a flow that just ended here (bound, unbound)."""
        return self.page.get_by_role("status").filter(has_text=self.t(key, **values))

    def card_link(self, last4: str) -> Locator:
        # the card face is a link named by what it shows: type, masked number, expiry, balance
        return self.page.get_by_role("link", name=re.compile(rf"(?<!\d){re.escape(last4)}(?!\d)"))

    def card(self, last4: str) -> Locator:
        return self.card_items.filter(has=self.card_link(last4))

    def balance(self, last4: str) -> Locator:
        return self.card(last4).get_by_text(AMOUNT)

    def last_known(self, last4: str, fen: int) -> Locator:
        """A card whose balance can't be loaded now, showing its last known one."""
        return self.card(last4).get_by_text(self.t("card.last_known_short", amount=yuan(fen)), exact=True)

    def retry_balances(self) -> None:
        """Press the page's one retry: the wallet again, each balance loading by itself."""
        self.retry.click()
        self.expect_loaded()
        expect_settled(self.page)

    def open_card(self, last4: str) -> CardPage:
        # a card whose balance is still coming is replaced when it comes (outerHTML): Playwright's click
        # checks the element, then presses; a swap between the two leaves it pressing on a detached card
        expect_settled(self.page)
        self.card_link(last4).click()
        card = CardPage(self.page, self.merchant, self.t.locale)
        card.expect_loaded(last4)
        return card

    def open_bind(self, read_sms: SmsReader) -> BindPage:
        self.bind_button.click()
        bind = BindPage(self.page, self.merchant, read_sms, self.t.locale)
        bind.expect_loaded()
        return bind
