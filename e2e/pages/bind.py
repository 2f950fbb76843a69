"""Bind a card: the form follows the merchant's bind method (password, SMS code, number only)."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Locator, Page, expect

from e2e.merchants import DEFAULT_LOCALE, Merchant
from e2e.pages.header import back_link
from e2e.pages.htmx import expect_settled

SmsReader = Callable[[str], str]  # card number -> the latest code the sandbox texted for it


class BindPage:
    def __init__(self, page: Page, merchant: Merchant, read_sms: SmsReader, locale: str = DEFAULT_LOCALE) -> None:
        self.page = page
        self.merchant = merchant
        self.read_sms = read_sms
        self.t = t = merchant.texts(locale)
        self.heading = page.get_by_role("heading", name=t("bind.title"), exact=True)
        self.card_number = page.get_by_label(t("bind.card_number"), exact=True)
        self.secret = page.get_by_label(t("bind.secret"), exact=True)
        self.sms_code = page.get_by_label(t("bind.sms_code"), exact=True)
        self.send_code_button = page.get_by_role("button", name=t("bind.send_code"), exact=True)
        self.submit = page.get_by_role("button", name=t("bind.submit"), exact=True)
        # "sent to 138****5678" when the card system names the phone, else the plain "sent"
        sent_to = t("bind.code_sent_to").split("{phone}")[0].strip()
        self.code_sent = page.get_by_role("status").filter(
            has_text=re.compile(f"{re.escape(t('bind.code_sent'))}|{re.escape(sent_to)}")
        )
        self.resend_button = page.get_by_role("button", name=re.compile(re.escape(t("bind.resend"))))
        self.problem = page.get_by_role("alert")
        self.back = back_link(page, t("common.back"))

    def expect_loaded(self) -> None:
        expect(self.heading).to_be_visible()
        expect(self.card_number).to_be_editable()
        self.page.wait_for_load_state()  # htmx is set up by then

    @property
    def no_match_message(self) -> str:
        return self.t(f"bind.problem.no_match.{self.merchant.bind_method}")

    def send_code(self, number: str) -> str:
        """Ask for an SMS code and read it from the sandbox's inbox."""
        self.card_number.fill(number)
        self.send_code_button.click()
        expect(self.code_sent).to_be_visible()
        expect_settled(self.page)
        return self.read_sms(number)

    def bind(self, number: str, secret: str | None = None, code: str | None = None) -> None:
        """Fill and submit the form as the merchant's method asks.

        password: `secret` is typed. sms: a code is requested, then `code` is typed if given,
        else the one the sandbox texted. number_only: the number alone.
        """
        method = self.merchant.bind_method
        if method == "sms":
            texted = self.send_code(number)
            self.sms_code.fill(code if code is not None else texted)
        else:
            self.card_number.fill(number)
            if method == "password":
                assert secret is not None, "a password merchant needs the card's password"
                self.secret.fill(secret)
        self.submit.click()

    def secret_field(self) -> Locator | None:
        """The field holding the secret for this merchant's method, if it has one."""
        return {"password": self.secret, "sms": self.sms_code}.get(self.merchant.bind_method)
