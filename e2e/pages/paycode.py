"""The shopper's pay code page and the sandbox's terminal simulator that redeems it."""

from __future__ import annotations

import io
import re

import zxingcpp
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from e2e.merchants import DEFAULT_LOCALE, Merchant
from e2e.pages.host_app import yuan_typed

PAYCODE_PATH = re.compile(r"/paycode(\?.*)?$")


class PayCodePage:
    def __init__(self, page: Page, merchant: Merchant, locale: str = DEFAULT_LOCALE) -> None:
        self.page = page
        self.t = merchant.texts(locale)
        self.panel = page.locator("#paycode-panel")
        self.hint = page.get_by_text(self.t("paycode.hint"), exact=True)
        self.reveal = page.get_by_text(self.t("paycode.reveal"), exact=True)
        self.digits = page.locator(".digits-full")
        self.qr = page.locator(".paycode-qr svg")
        self.barcode = page.locator(".paycode-bars svg")

    def expect_loaded(self) -> None:
        expect(self.page).to_have_url(PAYCODE_PATH)
        expect(self.hint).to_be_visible()
        expect(self.qr).to_be_visible()
        expect(self.barcode).to_be_visible()
        self.page.wait_for_load_state()  # paycode.js is running by then

    def code(self) -> str:
        """The code's digits, as the shopper reads them after tapping to reveal."""
        if not self.digits.is_visible():
            self.reveal.click()
        expect(self.digits).to_be_visible()
        return re.sub(r"\s+", "", self.digits.inner_text())

    def scan(self) -> dict[str, str]:
        """What a till's scanner reads off the phone's screen: {"QRCode": digits, "Code128": digits}."""
        picture = Image.open(io.BytesIO(self.page.locator(".paycode-codes").screenshot()))
        return {found.format.name: found.text for found in zxingcpp.read_barcodes(picture)}

    def rotate(self) -> str:
        """Have the page fetch its next code now (what the timer does every rotate_seconds); the new code."""
        old = self.digits.text_content()
        self.page.evaluate("htmx.trigger('#paycode-panel', 'kb-rotate')")
        expect(self.digits).not_to_have_text(old or "")
        return self.code()

    def heading(self, key: str, **values: object) -> Locator:
        return self.panel.get_by_role("heading", name=self.t(key, **values))

    def confirm_pin(self, pin: str) -> None:
        self.panel.get_by_label(self.t("paycode.pin.label")).fill(pin)
        self.panel.get_by_role("button", name=self.t("paycode.pin.confirm")).click()


class TerminalSim:
    """The sandbox's till: pick a terminal, type the amount and code, press a button, read Kabao's answer."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.status = page.locator(".terminal-status")

    def open(self, merchant_id: str, terminal_id: str) -> None:
        self.page.goto("/sim/terminal")
        self.page.get_by_label(re.compile(r"^收银台")).select_option(f"{merchant_id}/{terminal_id}")

    def charge(self, code: str, amount: int, txn_id: str) -> str:
        self.page.get_by_label(re.compile(r"^交易号")).fill(txn_id)
        self.page.get_by_label(re.compile(r"^金额")).fill(yuan_typed(amount))
        self.page.get_by_label(re.compile(r"^付款码")).fill(code)
        self.page.get_by_role("button", name="收款 Charge").click()
        return self.status.inner_text()

    def query(self, txn_id: str) -> str:
        self.page.get_by_label(re.compile(r"^交易号")).fill(txn_id)
        self.page.get_by_role("button", name="查询 Query").click()
        return self.status.inner_text()
