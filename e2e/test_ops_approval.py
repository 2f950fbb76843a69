"""Issue 14's daily loop, in zh-CN: an ops person changes a notice and the primary colour in the visual editor,
asks to publish with a note, a second person (an account the first adds in the console) approves, and the
shopper sees both. The stack makes one merchant's publishes wait for approval (e2e/stack.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.merchants import Merchant, all_merchants
from e2e.pages import HostApp
from e2e.pages.ops import OpsConsole
from e2e.pages.visual_editor import VisualEditor
from e2e.sandbox_admin import SHOPPER
from e2e.stack import Stack

NEW_PRIMARY, NEW_PRIMARY_RGB = "#5b2a86", "rgb(91, 42, 134)"
NOTICE = "春节期间门店营业时间调整，储值卡照常使用"
DRAFT, NOTE = "e2e-approval", "春节公告和新主色"
REVIEWER, REVIEWER_PASSWORD = "reviewer", "e2e-reviewer-" + "x" * 8


def add_reviewer(page: Page, url: str) -> None:
    """The admin adds a second account that may publish (the console's accounts page)."""
    page.goto(f"{url}/ops/accounts")
    form = page.get_by_role("form", name="添加账号")
    form.get_by_label("用户名").fill(REVIEWER)
    form.get_by_label("初始密码（至少 12 位）").fill(REVIEWER_PASSWORD)
    form.get_by_label("发布", exact=True).check()
    form.get_by_role("button", name="添加").click()
    expect(page.get_by_role("status")).to_have_text(f"已添加账号 {REVIEWER}。")


def change_in_the_editor(editor: VisualEditor, merchant: Merchant) -> None:
    editor.start_draft(merchant.id, DRAFT)
    if editor.section("公告").count() == 0:
        editor.press("+ 公告")
    editor.section("公告").get_by_label("公告（中文）").fill(NOTICE)
    editor.pick_colour("主色", NEW_PRIMARY)
    expect(editor.phone.get_by_role("note").filter(has_text=NOTICE)).to_be_visible()  # live, before saving
    expect(editor.phone.get_by_role("banner")).to_have_css("background-color", NEW_PRIMARY_RGB)
    editor.save()


def ask_to_publish(page: Page, url: str, merchant: Merchant) -> str:
    """Publish the draft from its page: a request with a note (approval is on for this merchant); its address."""
    page.goto(f"{url}/ops/merchants/{merchant.id}?draft={DRAFT}")
    page.get_by_role("button", name="发布草稿…").click()
    page.get_by_label("备注").fill(NOTE)
    page.get_by_role("button", name="提交发布申请").click()
    expect(page.get_by_role("status")).to_contain_text("已提交申请。另一位发布人批准后才会上线。")
    return page.url.split("?")[0]


def test_a_publish_approved_by_a_second_person_reaches_the_shopper(page: Page, stack: Stack, host_app: HostApp):
    merchant = all_merchants()[1]
    if stack.ops_password is None or merchant.id not in stack.approval:
        pytest.skip("needs the suite's own stack: an ops account and approval on for this merchant")
    wallet_banner = page.get_by_role("banner")
    host_app.open_wallet(SHOPPER, merchant)
    expect(page.get_by_role("note").filter(has_text=NOTICE)).to_have_count(0)

    editor = VisualEditor(page, stack.wallet_url)
    editor.log_in("ops", stack.ops_password)
    add_reviewer(page, stack.wallet_url)
    change_in_the_editor(editor, merchant)
    request_url = ask_to_publish(page, stack.wallet_url, merchant)
    expect(page.get_by_role("button", name="批准并发布")).to_have_count(0)  # not by the one who asked

    host_app.open_wallet(SHOPPER, merchant)  # asked is not published
    expect(page.get_by_role("note").filter(has_text=NOTICE)).to_have_count(0)

    editor.log_in(REVIEWER, REVIEWER_PASSWORD)
    page.goto(request_url)
    expect(page.get_by_text(NOTE)).to_be_visible()
    page.get_by_role("button", name="批准并发布").click()
    expect(page.get_by_role("status")).to_contain_text("发布成功：顾客现在看到的就是这个版本。")
    try:
        host_app.open_wallet(SHOPPER, merchant)
        expect(page.get_by_role("note").filter(has_text=NOTICE)).to_be_visible()
        expect(wallet_banner).to_have_css("background-color", NEW_PRIMARY_RGB)
        page.goto(request_url)
        expect(page.get_by_text("已批准并发布")).to_be_visible()
        expect(page.get_by_text(f"处理人 {REVIEWER}")).to_be_visible()
        page.goto(f"{stack.wallet_url}/ops/merchants/{merchant.id}/versions")
        expect(page.get_by_text(f"由 {REVIEWER} 批准").first).to_be_visible()
    finally:  # the merchant as it was, for the tests after this one
        OpsConsole(page, stack.wallet_url).open_merchant(merchant.id)
        OpsConsole(page, stack.wallet_url).roll_back_to_latest()
