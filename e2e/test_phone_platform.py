"""The phone platform: dark mode and 150% text on every kind of shopper page, the pay code among them.

The shopper's font size is set as a phone user sets it (the browser's default size, via CDP), so only
text in rem/em/% grows; at 150% nothing may scroll sideways. Screenshots (dark, 150% text) go to
<--output>/phone/ for people to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.cards import active, last4, shopper_cards
from e2e.merchants import Merchant
from e2e.pages import SMALL_PHONE, HostApp
from e2e.pages.host_app import new_order_id
from e2e.pages.paycode import PayCodePage
from e2e.sandbox_admin import SHOPPER, SandboxAdmin

# one paycode merchant covers the CSS every merchant shares; its colours come from brand.css either way
pytestmark = [pytest.mark.paycode, pytest.mark.any_merchant]
LARGE_TEXT_PX = 24  # 150% of the browser's 16 px default
MIN_TAP_PX = 44
ABOVE_PIN_AMOUNT = 30000  # ¥300.00: above the usual PIN amounts, so the PIN boxes are on the page too

COLOURS = """() => {
  const body = getComputedStyle(document.body);
  return {bg: body.backgroundColor, text: body.color, size: body.fontSize};
}"""
# what reaches past the screen's right edge, unless an ancestor inside the screen clips it (the PIN input is one
# box wider than its boxes, clipped, so the caret never scrolls the dots)
OVERFLOW = """() => {
  const doc = document.documentElement;
  const inside = el => el.getBoundingClientRect().right <= doc.clientWidth + 1;
  const clipped = el => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (['hidden', 'clip'].includes(getComputedStyle(a).overflowX) && inside(a)) return true;
    }
    return false;
  };
  const wide = [...document.querySelectorAll('main *')].filter(e => !inside(e) && !clipped(e));
  return {scroll: doc.scrollWidth, client: doc.clientWidth, wide: wide.slice(0, 5).map(e => e.className || e.tagName)};
}"""
FACE_BOTTOMS = "faces => faces.map(f => f.getBoundingClientRect().bottom)"
# what a finger hits: a control, or the whole label a checkbox sits in
SMALL_TARGETS = """(min) => [...document.querySelectorAll('a[href], button, summary, input:not([type=hidden]), select')]
  .filter(e => e.offsetParent !== null)
  .map(e => [(e.closest('label') || e).getBoundingClientRect(), (e.textContent || e.name || '').trim().slice(0, 30)])
  .filter(([box]) => box.width < min || box.height < min)
  .map(([box, name]) => `${name} ${Math.round(box.width)}x${Math.round(box.height)}`)"""


def brightness(rgb: str) -> int:
    return sum(int(c) for c in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3])


def look(page: Page, shots: Path, name: str) -> dict[str, str]:
    """Check what the shopper sees on this page in dark mode with large text, and keep a screenshot."""
    seen = page.evaluate(COLOURS)
    assert seen["size"] == f"{LARGE_TEXT_PX}px", f"{name}: the text ignores the shopper's font size"
    assert brightness(seen["bg"]) < 150 < brightness(seen["text"]), f"{name}: not dark: {seen}"
    overflow = page.evaluate(OVERFLOW)
    assert overflow["scroll"] <= overflow["client"] and not overflow["wide"], f"{name} spills sideways: {overflow}"
    assert page.evaluate(SMALL_TARGETS, MIN_TAP_PX) == [], f"{name}: tap targets under 44x44 px"
    page.screenshot(path=shots / f"{name}-dark-150.png", full_page=True)
    return seen


def test_dark_mode_and_large_text_on_every_shopper_page(
    host_app: HostApp, merchant: Merchant, sandbox: SandboxAdmin, system: str, pytestconfig: pytest.Config
) -> None:
    shots = Path(pytestconfig.getoption("--output")) / "phone"
    shots.mkdir(parents=True, exist_ok=True)
    page = host_app.page
    page.set_viewport_size(SMALL_PHONE)
    wallet = host_app.open_wallet(SHOPPER, merchant)
    expect(wallet.balance(last4(active(shopper_cards(sandbox, system))[0]))).to_be_visible()
    faces = page.locator(".wallet-card .card-face").evaluate_all(FACE_BOTTOMS)
    above_fold = [bottom for bottom in faces if bottom <= SMALL_PHONE["height"]]
    assert len(above_fold) >= min(3, len(faces)), f"only {len(above_fold)} of {len(faces)} cards above the fold"
    light = page.evaluate(COLOURS)
    page.screenshot(path=shots / "wallet-light.png", full_page=True)

    page.emulate_media(color_scheme="dark")
    page.context.new_cdp_session(page).send("Page.setFontSizes", {"fontSizes": {"standard": LARGE_TEXT_PX}})
    wallet.reload()
    dark = look(page, shots, "wallet")
    assert dark["bg"] != light["bg"] and dark["text"] != light["text"]

    card = active(shopper_cards(sandbox, system))[0]
    wallet.open_card(last4(card))
    look(page, shots, "card")

    wallet = host_app.open_wallet(SHOPPER, merchant)
    page.get_by_role("link", name=merchant.texts()("paycode.entry"), exact=True).click()
    code = PayCodePage(page, merchant)
    code.expect_loaded()
    look(page, shots, "paycode")
    expect(code.panel).to_have_css("background-color", "rgb(255, 255, 255)")  # scanners need the quiet zone

    host_app.open_checkout(SHOPPER, merchant, ABOVE_PIN_AMOUNT, new_order_id())
    look(page, shots, "checkout")
