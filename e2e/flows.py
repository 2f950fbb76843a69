"""Steps the `deployed` flows share: open the wallet through the backend, read a balance, pick one card, unbind."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from e2e.backends import Backend
from e2e.merchants import DEFAULT_LOCALE, Merchant
from e2e.pages import CheckoutPage, HostApp
from e2e.pages.htmx import expect_settled
from e2e.pages.wallet import WalletPage
from e2e.qa_file import TestCard

YUAN = re.compile(r"^(-?)¥([\d,]+)\.(\d{2})$")


def fen(shown: str) -> int:
    """¥1,234.56 as the wallet shows it, in fen."""
    found = YUAN.match(shown.strip())
    assert found, f"not an amount: {shown!r}"
    sign, whole, cents = found.groups()
    value = int(whole.replace(",", "")) * 100 + int(cents)
    return -value if sign else value


def open_wallet(host_app: HostApp, backend: Backend, merchant: Merchant, shopper: str | None = None) -> WalletPage:
    shopper = shopper or backend.shopper(merchant.id)
    return host_app.follow_wallet_link(backend.launch_url(merchant.id, shopper, DEFAULT_LOCALE), merchant)


def balance(wallet: WalletPage, card: TestCard) -> int:
    """The card's balance as the wallet shows it, once its balance has arrived."""
    expect_settled(wallet.page)
    shown = wallet.balance(card.last4)
    expect(shown).to_be_visible()
    return fen(shown.inner_text())


def pay_with_only(checkout: CheckoutPage, card: TestCard) -> None:
    """Tick this card and untick any other the merchant's rule picked."""
    checkout.set_picked(card.last4, True)
    # each card's checkbox sits in a label that shows its last 4
    picked = checkout.cards.locator("label").filter(has=checkout.page.locator("input:checked"))
    for _ in range(checkout.picked.count()):
        others = picked.filter(has_not_text=card.last4)
        if others.count() == 0:
            break
        others.first.get_by_role("checkbox").click()
        expect_settled(checkout.page)
    expect(checkout.picked).to_have_count(1)
    expect(checkout.card(card.last4)).to_be_checked()


def unbind_in_wallet(host_app: HostApp, backend: Backend, merchant: Merchant, card: TestCard) -> None:
    """Unbind the card as its shopper would; nothing to do if the wallet doesn't hold it."""
    wallet = open_wallet(host_app, backend, merchant)
    expect_settled(wallet.page)
    if wallet.card(card.last4).count() == 0:
        return
    card_page = wallet.open_card(card.last4)
    card_page.ask_to_unbind(card.last4)
    card_page.confirm_unbind()
    wallet.expect_loaded()
    expect(wallet.card(card.last4)).to_have_count(0)
