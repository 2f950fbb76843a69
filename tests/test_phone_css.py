"""What the shared stylesheet promises phones; the browser test (e2e/test_phone_platform.py) checks the result."""

from __future__ import annotations

import re
from pathlib import Path

CSS = (Path(__file__).resolve().parent.parent / "bff" / "static" / "kabao.css").read_text(encoding="utf-8")


def rules_for(selector: str) -> str:
    """Every declaration given to exactly this selector (in any of its rules)."""
    plain = re.sub(r"/\*.*?\*/", "", CSS, flags=re.S)
    found = re.findall(r"([^{}]+)\{([^{}]*)\}", plain)
    return " ".join(body for selectors, body in found if selector in [s.strip() for s in selectors.split(",")])


def test_no_text_size_is_fixed_in_pixels():
    """Text follows the shopper's font size: rem, em or %, never px (boxes may still use px)."""
    assert re.findall(r"font(?:-size)?:[^;}]*\d+px[^;}]*", CSS) == []


def test_bars_and_page_keep_clear_of_notches_and_the_home_indicator(client):
    assert "viewport-fit=cover" in client.get("/no-such-page").text
    assert "var(--safe-top)" in rules_for(".topbar") and "var(--safe-left)" in rules_for(".topbar")
    assert "var(--safe-left)" in rules_for(".page") and "var(--safe-right)" in rules_for(".page")
    assert "var(--safe-bottom)" in rules_for(".footer")
    assert "--safe-bottom: env(safe-area-inset-bottom" in CSS


def test_notices_wear_the_brand_palette_in_both_schemes():
    for selector in (".flash", ".notice", ".form-notice"):
        assert "var(--notice-bg)" in rules_for(selector) and "var(--primary)" in rules_for(selector), selector


def test_small_controls_get_a_44px_target():
    for selector in (".topbar .back", ".link", ".help-links a", ".faq summary"):
        assert "min-height: var(--tap)" in rules_for(selector), selector
    assert "--tap: 44px" in CSS


def test_what_sits_on_the_pay_codes_white_panel_keeps_light_ink_in_the_dark_scheme():
    """The PIN boxes, a wrong PIN's problem, the lock notice and the buttons on the always-white panel."""
    panel = rules_for(".paycode-panel")
    for variable in ("--surface: #ffffff", "--text: #111111", "--danger: #b3261e", "--input-bg: #ffffff"):
        assert variable in panel, variable
    assert "var(--link-on-white" in rules_for(".paycode-panel .button.secondary")
    assert "var(--link-on-white" in rules_for(".paycode-panel .pin-forgot")
