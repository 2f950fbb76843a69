"""The wallet home: launch, balances, the empty state, and a card system that is down."""

from __future__ import annotations

import uuid
from functools import partial
from pathlib import Path

import pytest
from playwright.sync_api import Route, expect

from e2e.cards import active, last4, shopper_cards, unbound_active
from e2e.merchants import Merchant
from e2e.pages import HostApp
from e2e.pages.card import CardPage
from e2e.pages.htmx import expect_settled
from e2e.pages.money import yuan
from e2e.sandbox_admin import NEW_SHOPPER, SHOPPER, SandboxAdmin


def test_launch_opens_the_merchants_wallet_with_the_card_systems_balances(
    host_app: HostApp, merchant: Merchant, sandbox: SandboxAdmin, pytestconfig: pytest.Config
) -> None:
    """One launch per merchant checks the brand and the balances (once two tests that each launched)."""
    wallet = host_app.open_wallet(SHOPPER, merchant)

    expect(wallet.header).to_contain_text(merchant.brand_name())
    expect(wallet.page).to_have_title(merchant.brand_name())
    if merchant.has_section("total_balance"):
        expect(wallet.total_section).to_contain_text(wallet.t("wallet.total"))
        expect(wallet.total).to_be_visible()
    expect(wallet.card_items.first).to_be_visible()
    screens = Path(pytestconfig.getoption("--output")) / "screens"
    wallet.page.screenshot(path=screens / f"wallet-{merchant.id}.png", full_page=True)

    if merchant.system is None:
        pytest.skip(f"{merchant.id}: backend.base_url is not a sandbox card system (/cs/<id>/): balances not compared")
    cards = shopper_cards(sandbox, merchant.system)
    shown = [c for c in cards if merchant.shows_unusable_cards or c["status"] == "ACTIVE"]
    hidden = [c for c in cards if c not in shown]
    expect(wallet.card_items).to_have_count(len(shown))
    for card in shown:  # frozen and expired cards are listed apart, without a balance
        if card["status"] == "ACTIVE":
            expect(wallet.balance(last4(card))).to_have_text(yuan(card["balance"]))
        else:
            expect(wallet.card(last4(card))).to_be_visible()
            expect(wallet.balance(last4(card))).to_have_count(0)
    for card in hidden:
        expect(wallet.card(last4(card))).to_have_count(0)
    if merchant.has_section("total_balance"):
        expect(wallet.total).to_have_text(yuan(sum(c["balance"] for c in active(cards))))
    richest = active(cards)[0]
    card_page = wallet.open_card(last4(richest))
    expect(card_page.balance(last4(richest))).to_have_text(yuan(richest["balance"]))


@pytest.mark.any_merchant  # no card system answer shapes it: one merchant shows the empty state for all
def test_empty_wallet_shows_the_empty_state(host_app: HostApp, merchant: Merchant) -> None:
    wallet = host_app.open_wallet(NEW_SHOPPER, merchant)

    expect(wallet.empty_title).to_be_visible()
    expect(wallet.empty_body).to_be_visible()
    expect(wallet.card_items).to_have_count(0)
    expect(wallet.page.get_by_role("link", name=wallet.t("wallet.bind"), exact=True)).to_have_count(1)
    expect(wallet.total_section).to_have_count(0)  # no ¥0.00 for a wallet without cards


@pytest.mark.sandbox_only("injects a card system that is down (sandbox faults)")
# what the page does differs by these; each dialect's down card system: tests/test_merchant_card_pages.py
@pytest.mark.merchant_traits("card_detail", "section:total_balance", "section:bind_button")
def test_card_system_down_keeps_the_wallet_usable(
    host_app: HostApp, merchant: Merchant, sandbox: SandboxAdmin, system: str
) -> None:
    richest, *_, poorest = active(shopper_cards(sandbox, system))
    ending = last4(poorest)
    wallet = host_app.follow_wallet_link(sandbox.launch_url(SHOPPER, merchant.id), merchant)
    expect(wallet.balance(ending)).to_have_text(yuan(poorest["balance"]))

    if merchant.card_detail:  # one card's balance call fails, the others still answer
        sandbox.add_fault(system, "card_detail", "error_5xx", card_id=poorest["card_id"])
    else:  # balances come with the list: the whole card system is down
        sandbox.add_fault(system, "list_cards", "error_5xx")
    wallet.reload()

    expect(wallet.last_known(ending, poorest["balance"])).to_be_visible()
    expect(wallet.balance(ending)).to_have_count(0)
    expect(wallet.notice).to_have_count(1)  # one notice for the page, not one per card
    if merchant.card_detail:
        expect(wallet.balance(last4(richest))).to_have_text(yuan(richest["balance"]))
    if merchant.has_section("total_balance"):
        expect(wallet.total_stale).to_be_visible()  # the last known total, said so; never ¥0.00
        expect(wallet.total).to_have_text(yuan(sum(c["balance"] for c in active(shopper_cards(sandbox, system)))))
    if merchant.has_section("bind_button"):
        bind = wallet.open_bind(partial(sandbox.sms_code, system))
        bind.back.click()
        wallet.expect_loaded()
        expect(wallet.last_known(ending, poorest["balance"])).to_be_visible()

    sandbox.clear_faults()
    wallet.retry_balances()

    expect(wallet.balance(ending)).to_have_text(yuan(poorest["balance"]))
    expect(wallet.notice).to_be_hidden()


@pytest.mark.any_merchant  # caching headers come from one code path for every merchant
def test_a_repeat_visit_asks_the_server_for_the_page_alone(host_app: HostApp, merchant: Merchant, stack) -> None:
    """Stylesheets, scripts and the logo are fingerprinted and kept: a second visit sends one request per page."""
    wallet = host_app.open_wallet(SHOPPER, merchant)
    page = wallet.page
    card_href = wallet.card_items.first.get_by_role("link").first.get_attribute("href")
    pages = [page.url, f"{stack.wallet_url}{card_href}" if card_href.startswith("/") else card_href]
    for url in pages:  # first visits: everything is fetched, and kept where the answer allows
        page.goto(url)
    # page.on("request") fires for cached resources too; the browser's own log tells what went on the wire
    # (a revalidation that the server answers 304 goes out too: only a request sent counts)
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    urls: dict[str, str] = {}
    sent: list[str] = []
    # balances arrive by htmx after the page (issue 12: first paint without waiting): data, not page resources
    page_resource = lambda e: e.get("type") not in ("XHR", "Fetch")  # noqa: E731
    network.on(
        "Network.requestWillBeSent",
        lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]) if page_resource(e) else None,
    )
    network.on("Network.requestWillBeSentExtraInfo", lambda e: sent.append(e["requestId"]))
    for url in pages:
        sent.clear()
        page.goto(url)
        page.wait_for_load_state("load")
        assert [urls[request_id] for request_id in sent if request_id in urls] == [url]


@pytest.mark.sandbox_only("injects a card system that is down (sandbox faults)")
@pytest.mark.any_merchant  # one code path draws the page first and loads each balance, for every merchant
def test_the_page_comes_first_and_each_balance_arrives_by_itself(
    host_app: HostApp, merchant: Merchant, sandbox: SandboxAdmin, system: str, pytestconfig: pytest.Config
) -> None:
    richest, *_, poorest = active(shopper_cards(sandbox, system))
    wallet = host_app.open_wallet(SHOPPER, merchant)  # a first visit: the cards are remembered from here on
    expect(wallet.balance(last4(poorest))).to_have_text(yuan(poorest["balance"]))
    held: list[Route] = []
    gate = {"open": False}

    def hold(route: Route) -> None:  # balances wait here until the test lets them go
        route.continue_() if gate["open"] else held.append(route)

    wallet.page.route("**/wallet/cards/**", hold)

    wallet.reload()
    expect(wallet.card(last4(richest))).to_be_visible()  # drawn before any balance came
    expect(wallet.balance(last4(richest))).to_have_count(0)
    if merchant.has_section("total_balance"):
        expect(wallet.total).to_have_count(0)  # a placeholder, never a total that isn't one
    screens = Path(pytestconfig.getoption("--output")) / "screens"
    wallet.page.screenshot(path=screens / "wallet-balances-on-their-way.png")
    drawn = wallet.card(last4(richest)).bounding_box()
    gate["open"] = True
    for route in held:
        route.continue_()
    expect(wallet.balance(last4(richest))).to_have_text(yuan(richest["balance"]))
    loaded = wallet.card(last4(richest)).bounding_box()
    assert drawn and loaded and loaded["height"] == drawn["height"], "the card grew as its balance came: the page jumps"
    expect(wallet.balance(last4(poorest))).to_have_text(yuan(poorest["balance"]))
    if merchant.has_section("total_balance"):
        expect(wallet.total).to_have_text(yuan(sum(c["balance"] for c in active(shopper_cards(sandbox, system)))))
    wallet.page.unroute("**/wallet/cards/**")

    sandbox.add_fault(system, "*", "error_5xx")  # the card system is down
    wallet.reload()
    expect(wallet.last_known(last4(richest), richest["balance"])).to_be_visible()
    expect(wallet.notice).to_have_count(1)
    if merchant.has_section("total_balance"):
        expect(wallet.total_stale).to_be_visible()
    wallet.page.screenshot(path=screens / "wallet-card-system-down.png", full_page=True)


@pytest.mark.any_merchant  # one script keeps the tap for every merchant's wallet
def test_a_tap_held_while_the_cards_balance_arrives_still_opens_the_card(
    host_app: HostApp, merchant: Merchant, sandbox: SandboxAdmin, system: str
) -> None:
    richest = last4(active(shopper_cards(sandbox, system))[0])
    wallet = host_app.open_wallet(SHOPPER, merchant)  # a first visit: the cards are remembered from here on
    expect(wallet.balance(richest)).to_be_visible()
    held: list[Route] = []

    def hold(route: Route) -> None:  # the balances wait here until the finger is down
        held.append(route)

    wallet.page.route("**/wallet/cards/**", hold)
    wallet.reload()
    expect(wallet.balance(richest)).to_have_count(0)
    box = wallet.card_link(richest).bounding_box()
    assert box is not None
    # pressed on the card as drawn; its balance arrives and htmx replaces the card; released on the new one.
    # (A mouse, not a touch: a touch held through a loaded machine's swap could become a long press.)
    wallet.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    wallet.page.mouse.down()
    for route in held:
        route.continue_()
    expect(wallet.balance(richest)).to_be_visible()
    expect_settled(wallet.page)
    wallet.page.mouse.up()
    CardPage(wallet.page, merchant).expect_loaded(richest)


# the visible elements of the page's main part: where each is (what a shopper would see jump)
VISIBLE_TOPS = """() => [...document.querySelectorAll('main *')]
  .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height > 0)
  .map(e => [e, Math.round(e.getBoundingClientRect().top)])"""
MOVED = """(before) => before
  .map(([e, top]) => [e, top, Math.round(e.getBoundingClientRect().top)])
  .filter(([e, top, now]) => e.isConnected && e.offsetParent !== null && now !== top)
  .map(([e, top, now]) => `${e.className || e.tagName}: ${top} -> ${now}`)"""


@pytest.mark.sandbox_only("gives a new shopper two cards (sandbox admin API)")
@pytest.mark.any_merchant  # one template draws every merchant's first visit
@pytest.mark.parametrize("answer", ["comes", "fails"])
def test_a_first_visit_moves_nothing_when_its_card_list_comes_and_says_so_when_it_cannot(
    host_app: HostApp, merchant: Merchant, sandbox: SandboxAdmin, system: str, answer: str
) -> None:
    page, t = host_app.page, merchant.texts()
    shopper = f"u-first-{uuid.uuid4().hex[:8]}"  # nothing is remembered for a shopper never seen
    for card in unbound_active(sandbox, system)[-2:]:  # the last free ones: other tests bind the first
        sandbox.give_card(system, card["card_id"], shopper)
    held: list[Route] = []

    def hold(route: Route) -> None:  # the card list waits here
        held.append(route)

    page.route("**/wallet/list*", hold)
    with page.expect_request("**/wallet/list*"):
        wallet = host_app.follow_wallet_link(sandbox.launch_url(shopper, merchant.id), merchant)
    expect(wallet.cards_section.get_by_text(t("wallet.list_loading"))).to_be_visible()
    before = page.evaluate_handle(VISIBLE_TOPS)
    if answer == "comes":
        held[0].continue_()
        expect(wallet.card_items).to_have_count(2)
    else:  # the BFF or the network failed outright: no spinner that never ends
        held[0].fulfill(status=502, body="")
        expect(wallet.cards_section.get_by_text(t("wallet.unavailable"))).to_be_visible()
        expect(wallet.cards_section.get_by_role("link", name=t("common.retry"))).to_be_visible()
        expect(wallet.cards_section.get_by_text(t("wallet.list_loading"))).to_have_count(0)
    expect_settled(page)
    assert page.evaluate(MOVED, before) == [], "what the shopper saw moved"
    expect(wallet.bind_button).to_be_visible()  # the rest of the page is there
