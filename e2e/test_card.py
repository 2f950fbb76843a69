"""A card's own page: its history paged with "load more", and unbinding after a confirmation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.cards import active, last4, shopper_cards
from e2e.merchants import Merchant
from e2e.pages import HostApp
from e2e.pages.money import yuan
from e2e.sandbox_admin import SHOPPER, SandboxAdmin

PAGE_SIZE = 10


# each dialect's paging and unbind: tests/test_merchant_card_pages.py, for every merchant without a browser
@pytest.mark.merchant_traits("history")
def test_history_pages_with_load_more(
    host_app: HostApp, merchant: Merchant, sandbox: SandboxAdmin, system: str
) -> None:
    card = active(shopper_cards(sandbox, system))[0]  # the seed gives it ~25 transactions
    wallet = host_app.follow_wallet_link(sandbox.launch_url(SHOPPER, merchant.id), merchant)
    card_page = wallet.open_card(last4(card))
    if not merchant.history:  # off in the flows, or the card system has no history: nothing is shown
        expect(card_page.history).to_have_count(0)
        expect(card_page.rows).to_have_count(0)
        return

    expect(card_page.rows).to_have_count(PAGE_SIZE)
    card_page.show_more()
    expect(card_page.rows).to_have_count(2 * PAGE_SIZE)
    card_page.show_more()

    expect(card_page.end).to_be_visible()
    expect(card_page.load_more).to_have_count(0)
    assert 2 * PAGE_SIZE < card_page.rows.count() <= 3 * PAGE_SIZE
    times = card_page.row_times()
    assert times == sorted(times, reverse=True), "transactions are not newest first"
    newest_balance = card_page.t("txn.balance_after", amount=yuan(card["balance"]))
    expect(card_page.rows.first).to_contain_text(newest_balance)


@pytest.mark.merchant_traits("unbind")
def test_unbind_asks_first_then_removes_the_card(
    host_app: HostApp, merchant: Merchant, sandbox: SandboxAdmin, system: str
) -> None:
    card = active(shopper_cards(sandbox, system))[-1]
    ending = last4(card)
    wallet = host_app.follow_wallet_link(sandbox.launch_url(SHOPPER, merchant.id), merchant)
    card_page = wallet.open_card(ending)
    if not merchant.unbind:  # off in the flows, or the card system can't: no button, the card stays
        expect(card_page.unbind_link).to_have_count(0)
        assert sandbox.card(system, card["card_number"])["user_id"] == SHOPPER
        return

    card_page.ask_to_unbind(ending)
    card_page.cancel_unbind(ending)
    assert sandbox.card(system, card["card_number"])["user_id"] == SHOPPER
    card_page.back_to_wallet.click()
    wallet.expect_loaded()
    expect(wallet.card(ending)).to_be_visible()

    card_page = wallet.open_card(ending)
    card_page.ask_to_unbind(ending)
    card_page.confirm_unbind()

    wallet.expect_loaded()
    expect(wallet.message("unbind.done", last4=ending)).to_be_visible()
    expect(wallet.card(ending)).to_have_count(0)
    assert sandbox.card(system, card["card_number"])["user_id"] is None
