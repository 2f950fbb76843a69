"""An ops person in zh-CN changes a notice and the primary colour in the visual editor: the live phone preview
shows both before anything is saved; then the draft is saved with them."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.merchants import all_merchants
from e2e.pages.visual_editor import VisualEditor
from e2e.stack import Stack

NEW_PRIMARY, NEW_PRIMARY_RGB = "#5b2a86", "rgb(91, 42, 134)"  # readable under white text and on white
NOTICE = "元旦期间储值卡消费满 200 元减 20 元"
DRAFT = "e2e-visual"


def _change(editor: VisualEditor) -> None:
    """Type the new notice (adding a notice section if the merchant has none) and pick the new primary colour."""
    if editor.section("公告").count() == 0:
        editor.press("+ 公告")
    editor.section("公告").get_by_label("公告（中文）").fill(NOTICE)
    editor.pick_colour("主色", NEW_PRIMARY)


def test_ops_see_a_new_notice_and_colour_in_the_live_preview_before_they_save(page: Page, stack: Stack):
    if stack.ops_password is None:
        pytest.skip("this stack has no ops account for the suite: set KABAO_E2E_OPS_PASSWORD")
    merchant = all_merchants()[0]
    editor = VisualEditor(page, stack.wallet_url)
    editor.log_in("ops", stack.ops_password)
    editor.start_draft(merchant.id, DRAFT)
    notice = editor.phone.get_by_role("note").filter(has_text=NOTICE)
    banner = editor.phone.get_by_role("banner")
    try:
        expect(banner).not_to_have_css("background-color", NEW_PRIMARY_RGB)
        _change(editor)
        expect(notice).to_be_visible()
        expect(banner).to_have_css("background-color", NEW_PRIMARY_RGB)
        expect(editor.form.get_by_label("主色", exact=True)).to_have_value(NEW_PRIMARY)  # the picker fills the box

        page.goto(page.url)  # nothing was saved by typing: the draft is still the live file
        expect(editor.phone.locator("main")).to_be_visible()
        expect(notice).to_have_count(0)

        _change(editor)
        expect(banner).to_have_css("background-color", NEW_PRIMARY_RGB)
        editor.save()
        expect(notice).to_be_visible()  # the saved draft, read back from its file
        expect(banner).to_have_css("background-color", NEW_PRIMARY_RGB)
    finally:
        editor.discard(merchant.id, DRAFT)
