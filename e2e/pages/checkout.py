"""Checkout: pick the cards, see the split, type PINs, pay; then the result page and its polling."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from playwright.sync_api import Locator, Page, expect

from e2e.merchants import DEFAULT_LOCALE, Merchant
from e2e.pages.host_return import HostReturnPage
from e2e.pages.htmx import expect_settled
from e2e.pages.keys import expect_no_raw_keys
from e2e.pages.money import AMOUNT, yuan

CHECKOUT_PATH = re.compile(r"/checkout/[^/?]+(\?js=0)?$")  # ?js=0: the complete render browsers without JS get
RESULT_PATH = re.compile(r"/checkout/[^/?]+/result$")


class CheckoutPage:
    def __init__(self, page: Page, merchant: Merchant, locale: str = DEFAULT_LOCALE) -> None:
        self.page = page
        self.merchant = merchant
        self.t = t = merchant.texts(locale)
        self.cards = page.get_by_role("group", name=t.pattern("checkout.pick"))
        # the split has a heading but no landmark name: the section is the one holding that heading
        self.split = page.locator("section").filter(
            has=page.get_by_role("heading", name=t("checkout.split"), exact=True)
        )
        self.split_rows = self.split.get_by_role("listitem")
        self.picked = self.cards.get_by_role("checkbox", checked=True)
        self.pin_fields = page.get_by_label(t.pattern("checkout.pin"))
        self.pay_button = page.get_by_role("button", name=t.pattern("checkout.pay"))
        self.not_enough = page.get_by_text(t("checkout.problem.not_enough"), exact=True)
        self.problem = page.get_by_role("alert")
        self.cancel = page.get_by_role("link", name=t("checkout.cancel"), exact=True)

    def expect_loaded(self, order_id: str, balances_in: bool = True) -> None:
        expect(self.page).to_have_url(CHECKOUT_PATH)
        expect(self.page).to_have_title(self.t("checkout.title"))
        expect(self.page.get_by_text(self.t("checkout.order_id", order_id=order_id), exact=True)).to_be_visible()
        expect(self.cards).to_be_visible()
        self.page.wait_for_load_state()  # htmx is set up by then
        if balances_in:
            self.expect_balances_in()
        expect_no_raw_keys(self.page)

    def expect_balances_in(self, timeout: float | None = None) -> None:
        """The page is drawn before the cards' balances; the form that can pay replaces it when they are in."""
        expect(self.page.locator("[data-loading]")).to_have_count(0, timeout=timeout)
        expect_settled(self.page)

    def retry(self, last4: str) -> None:
        """Ask again for the balance of a card shown as unavailable."""
        spoken = re.escape(self.t("checkout.card_ending", last4=last4))
        self.page.get_by_role("button", name=re.compile(rf"^{re.escape(self.t('common.retry'))}\s*{spoken}$")).click()
        expect_settled(self.page)

    @property
    def order_amount(self) -> Locator:
        return self.page.get_by_test_id("order-amount")

    def card(self, last4: str) -> Locator:
        """A card's checkbox, named "{card type} card ending {last4}" (as read aloud) plus its balance or reason."""
        spoken = self.t("platform.card_ending", last4=last4)
        return self.cards.get_by_role("checkbox", name=re.compile(rf"{re.escape(spoken)}(\s|$)"))

    def expect_usable(self, last4: str, balance: int) -> None:
        expect(self.card(last4)).to_be_enabled()
        expect(self.card(last4)).to_have_accessible_name(
            re.compile(rf"\s{re.escape(self.t('checkout.balance', amount=yuan(balance)))}$")
        )

    def expect_unusable(self, last4: str, reason: str) -> None:
        """Shown, but disabled and unticked, saying why (frozen, expired, empty, unavailable)."""
        expect(self.card(last4)).to_be_disabled()
        expect(self.card(last4)).not_to_be_checked()
        expect(self.card(last4)).to_have_accessible_name(
            re.compile(rf"\s{re.escape(self.t(f'checkout.unusable.{reason}'))}$")
        )

    def set_picked(self, last4: str, picked: bool = True) -> None:
        """Tick or untick a card: htmx redraws the form with the new split (without JS: a button)."""
        box = self.card(last4)
        if box.is_checked() == picked:  # the merchant's rule picked it (or left it) already
            return
        box.click()
        expect(box).to_be_checked(checked=picked)
        expect_settled(self.page)
        expect_no_raw_keys(self.page)

    def expect_split(self, legs: Sequence[tuple[str, int]], remainder: int = 0) -> None:
        """The split lists these (last4, fen) legs in order, then what the cards don't cover."""
        rows = [(self.t("checkout.leg", last4=last4), amount) for last4, amount in legs]
        if remainder:
            label = "checkout.remainder_app" if self.merchant.checkout.allow_remainder else "checkout.short"
            rows.append((self.t(label), remainder))
        use_first = self.t("checkout.use_first")  # a card after the first can be moved to the front
        expect(self.split_rows).to_have_text([_row(label, amount, use_first) for label, amount in rows])
        expect(self.pay_button).to_have_text(self.t("checkout.pay", amount=yuan(sum(a for _, a in legs))))

    def pin(self, last4: str) -> Locator:
        return self.page.get_by_label(self.t("checkout.pin", last4=last4), exact=True)

    def fill_pins(self, pins: Mapping[str, str]) -> None:
        """Type each paying card's PIN (last4 -> PIN)."""
        for last4, pin in pins.items():
            self.pin(last4).fill(pin)

    def expect_pin_asked_again(self, last4: str) -> None:
        """Still at checkout after a wrong PIN: the card still picked, its PIN empty and focused, saying why."""
        expect(self.page).to_have_url(CHECKOUT_PATH)
        expect_settled(self.page)
        expect(self.card(last4)).to_be_checked()
        pin = self.pin(last4)
        expect(pin).to_be_focused()
        expect(pin).to_have_value("")
        keys = ("pin.wrong", "pin.wrong_one_left", "pin.locked", "pin.locked_by_issuer")
        said = "|".join(self.t.pattern(key, last4=last4).pattern[1:-1] for key in keys)  # the tries left vary
        expect(pin).to_have_accessible_description(re.compile(said))

    def pay(self) -> ResultPage:
        self.pay_button.click()
        return self.expect_result()

    def expect_result(self) -> ResultPage:
        result = ResultPage(self.page, self.merchant, self.t.locale)
        result.expect_loaded()
        return result


def _row(label: str, fen: int, then: str | None = None) -> re.Pattern[str]:
    rest = rf"(\s*{re.escape(then)}.*)?" if then else ""
    return re.compile(rf"^{re.escape(label)}\s*{re.escape(yuan(fen))}{rest}$")


class ResultPage:
    """What became of the payment; a pending one asks again by itself (htmx polling)."""

    def __init__(self, page: Page, merchant: Merchant, locale: str = DEFAULT_LOCALE) -> None:
        self.page = page
        self.merchant = merchant
        self.t = t = merchant.texts(locale)
        self.outcome = page.get_by_role("status").filter(has=page.get_by_role("heading", level=1))
        self.title = self.outcome.get_by_role("heading", level=1)
        self.amount = self.outcome.get_by_text(AMOUNT).first  # the order's, above the legs
        self.legs = self.outcome.get_by_role("listitem")
        self.choose_again = page.get_by_role("link", name=t("checkout.choose_again"), exact=True)
        self.back_to_app = page.get_by_role("link", name=t("checkout.back_to_app"), exact=True)
        self.back_while_pending = page.get_by_role("link", name=t("checkout.back_to_app_pending"), exact=True)

    def expect_loaded(self) -> None:
        expect(self.page).to_have_url(RESULT_PATH)
        expect(self.title).to_be_visible()
        self.page.wait_for_load_state()
        expect_no_raw_keys(self.page)

    def status_title(self, status: str) -> str:
        return self.t(f"checkout.result.{status}.title")

    def expect_status(self, status: str, timeout: float | None = None) -> None:
        """PAID, PARTLY_PAID, FAILED or PENDING, by its title; then no raw key anywhere.

        By default it allows for two status polls: a card system whose pay answer has no status
        (birch) shows every payment pending first.
        """
        if timeout is None:
            timeout = (2.5 * self.merchant.checkout.interval_seconds + 5) * 1000
        expect(self.title).to_have_text(self.status_title(status), timeout=timeout)
        expect_no_raw_keys(self.page)

    def expect_paid_legs(self, legs: Sequence[tuple[str, int]], remainder: int = 0) -> None:
        rows = [_row(self.t("checkout.leg_paid", last4=last4), amount) for last4, amount in legs]
        if remainder:
            rows.append(_row(self.t("checkout.remainder_app"), remainder))
        expect(self.legs).to_have_text(rows)

    def failure(self, code: str) -> Locator:
        return self.outcome.get_by_text(self.t(f"checkout.failure.{code}"), exact=True)

    def text(self, key: str, **values: object) -> Locator:
        return self.outcome.get_by_text(self.t(key, **values), exact=True)

    def choose_cards_again(self, order_id: str) -> CheckoutPage:
        self.choose_again.click()
        checkout = CheckoutPage(self.page, self.merchant, self.t.locale)
        checkout.expect_loaded(order_id)
        return checkout

    def return_to_app(self) -> HostReturnPage:
        """Leave for the host app, which shows the signed result it was sent back with."""
        self.back_to_app.click()
        host = HostReturnPage(self.page)
        host.expect_loaded()
        return host
