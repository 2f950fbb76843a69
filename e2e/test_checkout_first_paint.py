"""Checkout first paint (issue 12): the page is there before the cards' balances, which arrive by themselves;
a card whose balance can't be fetched says so and can be asked again, and a failed load offers a retry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from e2e.axe import Audit
from e2e.cards import active, last4, shopper_cards
from e2e.merchants import Merchant
from e2e.pages import SMALL_PHONE, HostApp
from e2e.pages.host_app import new_order_id
from e2e.sandbox_admin import SHOPPER, SandboxAdmin

SHOTS = Path("/tmp/shots-checkout-first-paint")
ORDER = 1000  # ¥10.00: either active card pays it
SLOW_MS = 1500


def shots(page: Page, name: str) -> None:
    """The page as it is now, light and dark."""
    SHOTS.mkdir(exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=SHOTS / f"{name}-{scheme}.png")
    page.emulate_media(color_scheme="light")


@pytest.mark.any_merchant
@pytest.mark.browser_context_args(bypass_csp=True)  # axe is injected to check the page while it loads
def test_balances_arrive_after_the_page_and_an_unavailable_card_can_be_asked_again(
    host_app: HostApp, merchant: Merchant, sandbox: SandboxAdmin, system: str, page: Page
) -> None:
    page.set_viewport_size(SMALL_PHONE)
    rich, poor = active(shopper_cards(sandbox, system))
    host_app.open_wallet(SHOPPER, merchant)  # the cards are remembered: the checkout draws them at once
    sandbox.add_fault(system, "*", "latency", delay_ms=SLOW_MS)
    checkout = host_app.open_checkout(SHOPPER, merchant, ORDER, new_order_id(), balances_in=False)
    t = checkout.t
    expect(checkout.pay_button).to_have_count(0)  # nothing to pay with yet: the bar says what it waits for
    expect(page.get_by_role("button", name=t("checkout.loading.pay"))).to_be_disabled()
    expect(page.get_by_text(t("checkout.loading.balances"), exact=True)).to_be_visible()
    expect(checkout.cards.get_by_text(last4(rich)).first).to_be_visible()  # the remembered card, balance to come
    shots(page, "checkout-loading")
    audit = Audit({})
    audit.check(page, "checkout while balances load")
    assert not audit.new(), "axe-core found violations:\n" + "\n".join(map(str, audit.new()))
    checkout.expect_balances_in(timeout=4 * SLOW_MS + 5000)
    checkout.expect_usable(last4(rich), rich["balance"])
    expect(checkout.pay_button).to_be_enabled()
    shots(page, "checkout-loaded")

    sandbox.clear_faults()
    sandbox.add_fault(system, "card_detail", "error_5xx", card_id=rich["card_id"])
    page.reload()
    checkout.expect_balances_in()
    checkout.expect_unusable(last4(rich), "unavailable")
    checkout.expect_usable(last4(poor), poor["balance"])
    shots(page, "checkout-one-unavailable")
    sandbox.clear_faults()
    checkout.retry(last4(rich))
    checkout.expect_usable(last4(rich), rich["balance"])


@pytest.mark.any_merchant
def test_a_failed_balances_load_stops_saying_loading_and_offers_a_retry(
    host_app: HostApp, merchant: Merchant, page: Page
) -> None:
    page.set_viewport_size(SMALL_PHONE)

    def fail(route: Route) -> None:
        route.fulfill(status=503, body="")

    page.route(re.compile(r"/checkout/[^/?]+/cards$"), fail)
    checkout = host_app.open_checkout(SHOPPER, merchant, ORDER, new_order_id(), balances_in=False)
    t = checkout.t
    expect(page.get_by_role("alert")).to_contain_text(t("checkout.loading.failed"))
    expect(page.get_by_text(t("checkout.loading.balances"), exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name=t("checkout.loading.pay"))).to_have_count(0)  # no longer "loading"
    shots(page, "checkout-load-failed")
    page.unroute(re.compile(r"/checkout/[^/?]+/cards$"))
    page.get_by_role("alert").get_by_role("link", name=t("common.retry"), exact=True).click()
    checkout.expect_balances_in()
    expect(checkout.pay_button).to_be_enabled()


@pytest.mark.browser_context_args(java_script_enabled=False)
@pytest.mark.any_merchant
def test_without_javascript_the_checkout_refreshes_to_the_complete_page(
    host_app: HostApp, merchant: Merchant, sandbox: SandboxAdmin, system: str, page: Page
) -> None:
    rich, _ = active(shopper_cards(sandbox, system))
    checkout = host_app.open_checkout(SHOPPER, merchant, ORDER, new_order_id())
    expect(page).to_have_url(re.compile(r"/checkout/[^/?]+\?js=0$"))  # the <noscript> refresh
    checkout.expect_usable(last4(rich), rich["balance"])
    expect(checkout.pay_button).to_be_enabled()
