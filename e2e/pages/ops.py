"""The ops console as an ops person sees it (zh-CN, its default): log in, shape a draft, publish, roll back."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


class OpsConsole:
    def __init__(self, page: Page, wallet_url: str) -> None:
        self.page = page
        self.url = f"{wallet_url}/ops"
        self.shape = page.get_by_role("form", name="常用设置")
        self.saved = page.get_by_role("status").filter(has_text="草稿已保存。")

    def log_in(self, user: str, password: str) -> None:
        self.page.goto(f"{self.url}/login")
        self.page.get_by_label("用户名").fill(user)
        self.page.get_by_label("密码").fill(password)
        self.page.get_by_role("button", name="登录").click()
        expect(self.page.get_by_role("heading", name="商户")).to_be_visible()

    def open_merchant(self, merchant_id: str) -> None:
        self.page.goto(f"{self.url}/merchants/{merchant_id}")
        expect(self.page.get_by_role("heading", name=merchant_id)).to_be_visible()

    def colour(self, key: str) -> Locator:
        """A brand colour's field by its key in the file (primary, on_primary …): its label is in words."""
        return self.shape.locator(f"input[name=colour_{key}]")

    def section_orders(self) -> Locator:
        """The order fields of the wallet's sections, in their current order."""
        return self.shape.locator("input[name^=order_]")

    def save_shape(self) -> None:
        self.shape.get_by_role("button", name="保存草稿").click()
        expect(self.saved).to_be_visible()

    def publish(self, note: str = "Published by the e2e suite") -> None:
        """Publish the draft: confirm on its own page with a note; the merchant's page says it succeeded."""
        self.page.get_by_role("button", name="发布草稿…").click()
        self.page.get_by_label("备注").fill(note)
        self.page.get_by_role("button", name="确认发布").click()
        expect(
            self.page.get_by_role("status").filter(has_text="发布成功：顾客现在看到的就是这个版本。")
        ).to_be_visible()
        expect(self.page.get_by_text("没有可发布的草稿：当前显示的就是线上文件。")).to_be_visible()

    def roll_back_to_latest(self, note: str = "Rolled back by the e2e suite") -> None:
        """Undo the latest release from the version list, confirmed with a note."""
        self.page.get_by_role("link", name="全部版本（含差异与回滚）").click()
        self.page.get_by_role("link", name="回滚到这次之前的版本…").first.click()
        self.page.get_by_label("备注").fill(note)
        self.page.get_by_role("button", name="确认回滚").click()
        expect(
            self.page.get_by_role("status").filter(has_text="回滚成功：顾客现在看到的就是这个版本。")
        ).to_be_visible()
