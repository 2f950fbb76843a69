"""With JavaScript off the read-only pages still work: every htmx action is first a plain link."""

from __future__ import annotations

import re
from functools import partial

import pytest
from playwright.sync_api import expect

from e2e.cards import active, last4, shopper_cards
from e2e.merchants import Merchant
from e2e.pages import HostApp
from e2e.pages.money import yuan
from e2e.sandbox_admin import SHOPPER, SandboxAdmin

PAGE_SIZE = 10


@pytest.mark.browser_context_args(java_script_enabled=False)
@pytest.mark.any_merchant  # the no-JS pages are the same templates for every merchant
def test_wallet_works_with_javascript_off(
    host_app: HostApp, merchant: Merchant, sandbox: SandboxAdmin, system: str
) -> None:
    card = active(shopper_cards(sandbox, system))[0]
    ending = last4(card)
    wallet = host_app.open_wallet(SHOPPER, merchant)
    expect(wallet.balance(ending)).to_have_text(yuan(card["balance"]))

    card_page = wallet.open_card(ending)
    expect(card_page.balance(ending)).to_have_text(yuan(card["balance"]))
    if merchant.history:
        expect(card_page.rows).to_have_count(PAGE_SIZE)
        newest = card_page.row_times()
        card_page.show_more()  # a plain link to the page with the next, older rows added
        expect(card_page.page).to_have_url(re.compile(r"[?&]pages=2"))
        expect(card_page.rows).to_have_count(2 * PAGE_SIZE)
        assert card_page.row_times()[:PAGE_SIZE] == newest
        assert max(card_page.row_times()[PAGE_SIZE:]) <= min(newest)
        card_page.show_more()
        expect(card_page.end).to_be_visible()

    card_page.back_to_wallet.click()
    wallet.expect_loaded()
    if merchant.has_section("bind_button"):
        wallet.open_bind(partial(sandbox.sms_code, system))
