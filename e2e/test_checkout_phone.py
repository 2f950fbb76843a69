"""Checkout on a small phone: the pay bar stays in view, focus stays where the shopper acted, one live
region announces each new split, and a problem takes the focus where it is (issue 13)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.cards import active, last4, shopper_cards
from e2e.merchants import Merchant
from e2e.pages import SMALL_PHONE, HostApp
from e2e.pages.host_app import new_order_id
from e2e.pages.htmx import expect_settled
from e2e.pages.money import yuan
from e2e.sandbox_admin import SHOPPER, SandboxAdmin
from e2e.test_checkout import TWO_CARD_ORDER, SeededCards

SHOTS = Path("/tmp/shots-checkout")


@pytest.fixture
def two(sandbox: SandboxAdmin, system: str) -> SeededCards:
    """u1001's two active cards: ¥500.00 (expires) and ¥36.50 (never expires)."""
    rich, poor = active(shopper_cards(sandbox, system))
    assert (rich["balance"], poor["balance"]) == (50000, 3650), f"{system}: not the seed this test expects"
    return SeededCards(rich, poor, rich, poor)  # frozen and expired cards are not used here


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SHOTS / name)


def focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


@pytest.mark.any_merchant
def test_pay_bar_focus_and_one_live_region_on_a_small_phone(
    host_app: HostApp,
    merchant: Merchant,
    two: SeededCards,
    page: Page,
) -> None:
    page.set_viewport_size(SMALL_PHONE)
    rich, poor = last4(two.rich), last4(two.poor)
    checkout = host_app.open_checkout(SHOPPER, merchant, TWO_CARD_ORDER, new_order_id())
    top_up = TWO_CARD_ORDER - two.rich["balance"]

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(yuan(TWO_CARD_ORDER))
    expect(checkout.pay_button).to_be_in_viewport()  # sticky at the bottom, with the cards' amount
    expect(checkout.pay_button).to_have_text(checkout.t("checkout.pay", amount=yuan(TWO_CARD_ORDER)))
    checkout.expect_split([(rich, two.rich["balance"]), (poor, top_up)])
    shot(page, "checkout-auto-combined.png")

    announce = page.locator("#checkout-announce")
    page.evaluate("document.getElementById('checkout-announce').dataset.kept = 'yes'")
    checkout.split.get_by_role("button", name=re.compile(re.escape(checkout.t("checkout.use_first")))).click()
    expect_settled(page)
    checkout.expect_split([(poor, two.poor["balance"]), (rich, TWO_CARD_ORDER - two.poor["balance"])])
    expect(page.locator(":focus")).to_contain_text(checkout.t("checkout.leg", last4=poor))  # the card moved
    expect(announce).to_have_attribute("data-kept", "yes")  # the same region, not a new one
    expect(announce).to_contain_text(yuan(two.poor["balance"]))
    shot(page, "checkout-use-first.png")  # the moved card's row has the focus, in view above the pay bar

    box = checkout.card(poor)
    box.click()  # untick: the rich card alone, the rest to the app
    expect(box).not_to_be_checked()
    expect_settled(page)
    assert focused_id(page) == box.get_attribute("id")  # focus stays on the control used
    expect(announce).to_have_attribute("data-kept", "yes")
    expect(checkout.pay_button).to_be_in_viewport()
    shot(page, "checkout-after-untick.png")

    checkout.set_picked(poor)
    if not checkout.merchant.checkout.pin_needed(TWO_CARD_ORDER):
        return
    page.evaluate("window.scrollTo(0, 0)")
    checkout.pay_button.click()  # no PIN typed
    focused = page.locator(":focus")  # the PIN that is missing, asked at that card (the PIN entry's own focus)
    expect(focused).to_have_attribute("name", re.compile(r"^pin-"))
    expect(focused).to_be_in_viewport()
    shot(page, "checkout-missing-pin.png")


@pytest.mark.any_merchant
@pytest.mark.parametrize("scheme", ["dark", "large-text"])
def test_checkout_screens_in_dark_mode_and_large_text(
    host_app: HostApp,
    merchant: Merchant,
    two: SeededCards,
    page: Page,
    scheme: str,
) -> None:
    page.set_viewport_size(SMALL_PHONE)
    if scheme == "dark":
        page.emulate_media(color_scheme="dark")
    checkout = host_app.open_checkout(SHOPPER, merchant, TWO_CARD_ORDER, new_order_id())
    if scheme == "large-text":
        page.evaluate("document.documentElement.style.fontSize = '150%'")  # as a phone's larger text
    expect(checkout.pay_button).to_be_in_viewport()
    shot(page, f"checkout-{scheme}.png")
