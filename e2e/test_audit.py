"""axe-core on every shopper page, in zh-CN and en, light and dark, at 100% and 150% text (issue 13).

One test per page group, for the first merchant only: the pages' markup is the same code for every
merchant (brand colours are checked in config). A violation fails the test unless its rule is listed in
KNOWN for that page with the reason; the test's output lists every violation found, known or new.
Lighthouse is run by hand: scripts/lighthouse.py.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.axe import Audit
from e2e.cards import active, last4, shopper_cards
from e2e.merchants import Merchant
from e2e.pages import HostApp
from e2e.pages.host_app import new_order_id
from e2e.pages.paycode import PayCodePage
from e2e.sandbox_admin import NEW_SHOPPER, SHOPPER, SandboxAdmin
from e2e.stack import Stack

LOCALES = ("zh-CN", "en")
ORDER = 12800  # ¥128.00: the ¥500.00 card alone pays it
# axe rules a page breaks on main, by page name, until the slice that owns the page fixes it
KNOWN: dict[str, set[str]] = {}

pytestmark = [pytest.mark.any_merchant, pytest.mark.browser_context_args(bypass_csp=True)]  # axe is injected


def finish(audit: Audit) -> None:
    print(audit.summary())
    assert not audit.new(), "axe-core found violations:\n" + "\n".join(map(str, audit.new()))


def test_wallet_card_history_and_bind_pages(
    host_app: HostApp, merchant: Merchant, sandbox: SandboxAdmin, system: str
) -> None:
    audit = Audit(KNOWN)
    richest = last4(active(shopper_cards(sandbox, system))[0])
    for locale in LOCALES:
        wallet = host_app.open_wallet(SHOPPER, merchant, locale)
        audit.check(wallet.page, f"wallet {locale}")
        card = wallet.open_card(richest)
        if merchant.history:
            expect(card.rows.first).to_be_visible()
        audit.check(card.page, f"card+history {locale}")
        card.back_to_wallet.click()
        wallet.expect_loaded()
        bind = wallet.open_bind(lambda number: "")
        audit.check(bind.page, f"bind {locale}")
        empty = host_app.open_wallet(NEW_SHOPPER, merchant, locale)
        audit.check(empty.page, f"empty-wallet {locale}")
    finish(audit)


def test_checkout_and_result_pages(host_app: HostApp, merchant: Merchant, sandbox: SandboxAdmin, system: str) -> None:
    if merchant.checkout is None:
        pytest.skip(f"{merchant.id}: checkout is off")
    audit = Audit(KNOWN)
    rich = active(shopper_cards(sandbox, system))[0]
    for locale in LOCALES:
        checkout = host_app.open_checkout(SHOPPER, merchant, ORDER, new_order_id(), locale)
        audit.check(checkout.page, f"checkout {locale}")
        if merchant.checkout.pin_needed(ORDER):
            checkout.fill_pins({last4(rich): rich["secret"]})
        result = checkout.pay()
        result.expect_status("PAID")
        audit.check(result.page, f"result {locale}")
    finish(audit)


@pytest.mark.paycode
def test_pay_code_page(host_app: HostApp, merchant: Merchant) -> None:
    audit = Audit(KNOWN)
    for locale in LOCALES:
        wallet = host_app.open_wallet(SHOPPER, merchant, locale)
        wallet.page.get_by_role("link", name=merchant.texts(locale)("paycode.entry"), exact=True).click()
        code = PayCodePage(wallet.page, merchant, locale)
        code.expect_loaded()
        audit.check(code.page, f"paycode {locale}")
    finish(audit)


def test_error_pages(page: Page, stack: Stack, host_app: HostApp, merchant: Merchant) -> None:
    """Without a session (401, 404) in the language the browser asks for, and 404 inside a session."""
    audit = Audit(KNOWN)
    for locale in LOCALES:
        page.set_extra_http_headers({"Accept-Language": locale})
        assert page.goto(f"{stack.wallet_url}/wallet").status == 401
        audit.check(page, f"error-401 {locale}")
        assert page.goto(f"{stack.wallet_url}/no-such-page").status == 404
        audit.check(page, f"error-404 {locale}")
        page.context.clear_cookies()
    host_app.open_wallet(SHOPPER, merchant, "en")
    assert page.goto(f"{stack.wallet_url}/wallet/cards/no-such-card").status == 404
    audit.check(page, "error-404-in-session en")
    finish(audit)
