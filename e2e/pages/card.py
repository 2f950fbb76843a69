"""Card detail: the card, its history paged with "load more", and unbinding after a confirmation."""

from __future__ import annotations

import re
from datetime import datetime

from playwright.sync_api import Locator, Page, expect

from e2e.merchants import DEFAULT_LOCALE, Merchant
from e2e.pages.header import back_link
from e2e.pages.htmx import expect_settled
from e2e.pages.money import AMOUNT

CARD_PATH = re.compile(r"/cards/[^/?]+(\?.*)?$")
ZH_DATETIME = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2}) (\d{1,2}):(\d{2})")


class CardPage:
    def __init__(self, page: Page, merchant: Merchant, locale: str = DEFAULT_LOCALE) -> None:
        self.page = page
        self.merchant = merchant
        self.t = t = merchant.texts(locale)
        self.history = page.get_by_role("region", name=t("history.title"))
        self.load_more = self.history.get_by_role("link", name=t("history.more"), exact=True)
        self.end = self.history.get_by_text(t("history.end"), exact=True)
        self.newest = self.history.get_by_role("link", name=t("history.newest"), exact=True)
        # a row is any item of the list but the "load more" and "that's all" ones (inner
        # locators of a filter are matched inside each item, so they start from the page)
        self.rows = (
            self.history.get_by_role("listitem")
            .filter(has_not=page.get_by_role("link", name=t("history.more"), exact=True))
            .filter(has_not_text=t("history.end"))
        )
        self.unbind_link = page.get_by_role("link", name=t("unbind.action"), exact=True)
        self.confirm_unbind_button = page.get_by_role("button", name=t("unbind.confirm"), exact=True)
        self.cancel_unbind_link = page.get_by_role("link", name=t("unbind.cancel"), exact=True)
        self.back_to_wallet = back_link(page, t("common.back"))

    def expect_loaded(self, last4: str) -> None:
        expect(self.page).to_have_url(CARD_PATH)
        expect(self.card_link(last4)).to_be_visible()
        self.page.wait_for_load_state()  # htmx is set up by then

    def show_more(self) -> None:
        """Press "load more": htmx adds the next page below, without JS it is the next page."""
        self.load_more.click()
        expect_settled(self.page)

    def card_link(self, last4: str) -> Locator:
        # the card face is a link named by what it shows: type, masked number, expiry, balance
        return self.page.get_by_role("link", name=re.compile(rf"(?<!\d){re.escape(last4)}(?!\d)"))

    def balance(self, last4: str) -> Locator:
        return self.card_link(last4).get_by_text(AMOUNT)

    def row_times(self) -> list[datetime]:
        """When each shown transaction happened, top to bottom (zh-CN short format)."""
        times = []
        for text in self.rows.all_inner_texts():
            found = ZH_DATETIME.search(text)
            assert found, f"no zh-CN date and time in the transaction row {text!r}"
            times.append(datetime(*map(int, found.groups())))
        return times

    def ask_to_unbind(self, last4: str) -> None:
        self.unbind_link.click()
        expect(self.page.get_by_text(self.t("unbind.question", last4=last4), exact=True)).to_be_visible()

    def cancel_unbind(self, last4: str) -> None:
        self.cancel_unbind_link.click()
        self.expect_loaded(last4)

    def confirm_unbind(self) -> None:
        self.confirm_unbind_button.click()
