"""The in-store pay code, per merchant with it on: the phone shows the code, the till redeems it.

The shopper's page learns of the payment by itself (no reload); above the merchant's PIN amount the
till waits while the shopper confirms with the PIN on the phone; a rotated code fails at the till.
Screenshots of the phone (code, waiting for the PIN, paid) go to test-results/paycode/.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.cards import active, shopper_cards
from e2e.merchants import Merchant, PayCode
from e2e.pages import HostApp
from e2e.pages.paycode import PayCodePage, TerminalSim
from e2e.sandbox_admin import SHOPPER, SandboxAdmin

pytestmark = pytest.mark.paycode  # runs for the merchants with the pay code on (e2e/conftest.py)

SHOTS = Path("test-results") / "paycode"
SMALL = 1880  # ¥18.80: below every PIN amount
RESULT_WAIT_MS = 8000  # the page looks every 2 s


@pytest.fixture
def paycode(merchant: Merchant) -> PayCode:
    if merchant.paycode is None:
        pytest.skip(f"{merchant.id}: the pay code is off")
    return merchant.paycode


def shot(page: Page, merchant: Merchant, what: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{merchant.id}-{what}.png"), full_page=True)


def open_code(host_app: HostApp, merchant: Merchant) -> PayCodePage:
    wallet = host_app.open_wallet(SHOPPER, merchant)
    wallet.page.get_by_role("link", name=merchant.texts()("paycode.entry"), exact=True).click()
    code_page = PayCodePage(wallet.page, merchant)
    code_page.expect_loaded()
    return code_page


def till_for(page: Page, merchant: Merchant, paycode: PayCode) -> TerminalSim:
    till = TerminalSim(page.context.new_page())
    till.open(merchant.id, paycode.terminals[0])
    return till


def txn() -> str:
    return f"E2E-POS-{secrets.token_hex(6)}"


def test_the_till_redeems_the_code_and_the_phone_shows_the_result_without_a_reload(
    host_app: HostApp, merchant: Merchant, paycode: PayCode, system: str
) -> None:
    phone = open_code(host_app, merchant)
    shot(phone.page, merchant, "code")
    scanned = phone.scan()  # the till's scanner reads both symbols, and they say what the digits say
    assert scanned == {"QRCode": phone.code(), "Code128": phone.code()}, scanned
    till = till_for(phone.page, merchant, paycode)
    assert till.charge(scanned["Code128"], SMALL, txn()) == "SUCCEEDED"
    expect(phone.heading("paycode.paid.title")).to_be_visible(timeout=RESULT_WAIT_MS)
    expect(phone.panel).to_contain_text("18.80")
    shot(phone.page, merchant, "paid")


def test_above_the_pin_amount_the_shopper_confirms_on_the_phone(
    host_app: HostApp, merchant: Merchant, paycode: PayCode, sandbox: SandboxAdmin, system: str
) -> None:
    if paycode.pin_above is None:
        pytest.skip(f"{merchant.id}: no PIN amount for the pay code")
    rich = active(shopper_cards(sandbox, system))[0]
    amount = paycode.pin_above + 100
    assert amount <= rich["balance"], "the default card pays it"
    phone = open_code(host_app, merchant)
    till = till_for(phone.page, merchant, paycode)
    number = txn()
    assert till.charge(phone.code(), amount, number).startswith("PROCESSING · 等待顾客输入密码")
    expect(phone.heading("paycode.pin.title")).to_be_visible(timeout=RESULT_WAIT_MS)
    shot(phone.page, merchant, "pin")
    phone.confirm_pin(rich["secret"])
    expect(phone.heading("paycode.paid.title")).to_be_visible()
    assert till.query(number) == "SUCCEEDED"
    assert [p["amount"] for p in sandbox.payments(system) if p["order_id"].endswith(number)] == [amount]


def test_a_rotated_code_is_refused_at_the_till(
    host_app: HostApp, merchant: Merchant, paycode: PayCode, sandbox: SandboxAdmin, system: str
) -> None:
    phone = open_code(host_app, merchant)
    old = phone.code()
    new = phone.rotate()
    assert new != old
    till = till_for(phone.page, merchant, paycode)
    assert till.charge(old, SMALL, txn()) == "FAILED · CODE_EXPIRED"
    assert till.charge(new, SMALL, txn()) == "SUCCEEDED"


def test_offline_the_page_says_until_when_the_shown_code_works(
    host_app: HostApp, merchant: Merchant, paycode: PayCode, system: str
) -> None:
    phone = open_code(host_app, merchant)
    phone.page.emulate_media(color_scheme="dark")  # the code stays black on white whatever the theme
    phone.page.context.set_offline(True)
    phone.page.evaluate("htmx.trigger('#paycode-panel', 'kb-rotate')")
    offline = phone.panel.get_by_role("alert").filter(has_text=phone.t.pattern("paycode.offline"))
    expect(offline).to_be_visible()
    expect(phone.qr).to_be_visible()  # the shown code still works until then
    shot(phone.page, merchant, "offline")
    phone.page.context.set_offline(False)
