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


class CardPage:
    def __init__(self, page: Page, merchant: Merchant, locale: str = DEFAULT_LOCALE) -> None:
        self.page = page
        self.merchant = merchant
        self.t = t = merchant.texts(locale)
        self.history = page.get_by_role("region", name=t("history.title"))
        self.load_more = self.history.get_by_role("link", name=t("history.more"), exact=True)
        self.end = self.history.get_by_text(t("history.end"), exact=True)
        self.status = self.history.get_by_role("status")
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
        """Press "load more": htmx adds the next page below, without JS the page comes again with it."""
        self.load_more.click()
        expect_settled(self.page)

    def card_link(self, last4: str) -> Locator:
        # the card face is a link named by what it shows: type, masked number, expiry, balance
        return self.page.get_by_role("link", name=re.compile(rf"(?<!\d){re.escape(last4)}(?!\d)"))

    def balance(self, last4: str) -> Locator:
        return self.card_link(last4).get_by_text(AMOUNT)

    def row_times(self) -> list[datetime]:
        """When each shown transaction happened, top to bottom (each row's <time datetime>)."""
        stamps = self.rows.locator("time").evaluate_all("times => times.map(t => t.getAttribute('datetime'))")
        assert len(stamps) == self.rows.count(), "a transaction row without its time"
        return [datetime.fromisoformat(stamp) for stamp in stamps]

    def show_only(self, which: str) -> None:
        """Pick a history filter (all, payments, refunds, topups)."""
        self.history.get_by_role("link", name=self.t(f"history.show.{which}"), exact=True).click()
        expect_settled(self.page)

    def ask_to_unbind(self, last4: str) -> None:
        self.unbind_link.click()
        expect(self.page.get_by_text(self.t("unbind.question", last4=last4), exact=True)).to_be_visible()

    def cancel_unbind(self, last4: str) -> None:
        self.cancel_unbind_link.click()
        self.expect_loaded(last4)

    def confirm_unbind(self) -> None:
        self.confirm_unbind_button.click()
