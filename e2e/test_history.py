"""History in a browser: "load more" moves focus to the first new row, one live region says what changed."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.cards import active, last4, shopper_cards
from e2e.merchants import Merchant
from e2e.pages import HostApp
from e2e.sandbox_admin import SHOPPER, SandboxAdmin

PAGE_SIZE = 10


@pytest.mark.any_merchant  # the history part is one template for every merchant; its rows are tested per merchant
def test_load_more_focuses_the_first_new_row_and_one_live_region_says_how_many(
    host_app: HostApp, merchant: Merchant, sandbox: SandboxAdmin, system: str
) -> None:
    assert merchant.history, "the first merchant shows history: pick a test merchant that does"
    card = active(shopper_cards(sandbox, system))[0]  # the seed gives it ~25 transactions
    card_page = host_app.open_wallet(SHOPPER, merchant).open_card(last4(card))
    page, t = card_page.page, card_page.t
    expect(card_page.rows).to_have_count(PAGE_SIZE)
    region = card_page.status.element_handle()

    card_page.show_more()
    expect(card_page.rows).to_have_count(2 * PAGE_SIZE)
    expect(card_page.rows.nth(PAGE_SIZE)).to_be_focused()
    expect(card_page.status).to_have_text(t("history.added", count=PAGE_SIZE))
    assert page.evaluate("region => region.isConnected", region), "the live region was rebuilt, not updated"

    card_page.show_only("topups")
    topups = card_page.history.get_by_role("link", name=t("history.show.topups"), exact=True)
    expect(topups).to_be_focused()  # the filter used keeps the focus across the swap
    expect(topups).to_have_attribute("aria-current", "page")
    shown = card_page.rows.count()
    assert shown >= 1
    expect(card_page.status).to_have_text(t("history.showing", filter=t("history.show.topups"), count=shown))
    assert page.evaluate("region => region.isConnected", region)
