"""The ops console's visual editor, as an ops person in zh-CN sees it: a form beside a live phone preview."""

from __future__ import annotations

from playwright.sync_api import FrameLocator, Locator, Page, expect

from e2e.pages.htmx import expect_settled


class VisualEditor:
    def __init__(self, page: Page, wallet_url: str) -> None:
        self.page = page
        self.url = f"{wallet_url}/ops"
        self.form = page.get_by_role("form", name="商户外观与规则")
        self.phone: FrameLocator = page.frame_locator("iframe[title=手机预览]")

    def log_in(self, user: str, password: str) -> None:
        """Log in by the form's fields (their wording belongs to the console-language work)."""
        self.page.goto(f"{self.url}/login")
        self.page.locator("input[name=user]").fill(user)
        self.page.locator("input[name=password]").fill(password)
        self.page.locator("main form button[type=submit]").click()
        expect(self.page).to_have_url(f"{self.url}/")

    def start_draft(self, merchant_id: str, name: str) -> None:
        """A new named draft from the live file, from the merchant's page; then its visual editor by its link."""
        self.page.goto(f"{self.url}/merchants/{merchant_id}")
        create = self.page.locator(f"form[action$='/{merchant_id}/drafts']")
        create.locator("input[name=name]").fill(name)
        create.locator("button[type=submit]").click()
        self.page.get_by_role("link", name="可视化编辑").click()
        expect(self.form).to_be_visible()
        expect(self.phone.locator("main")).to_be_visible()

    def press(self, name: str) -> None:
        """One of the form's own buttons (add, move, remove): the form comes back changed, nothing saved."""
        self.form.get_by_role("button", name=name, exact=True).click()
        expect_settled(self.page)

    def section(self, name: str) -> Locator:
        return self.form.get_by_role("listitem", name=name)

    def pick_colour(self, name: str, value: str) -> None:
        self.form.get_by_label(f"选择颜色：{name}", exact=True).fill(value)

    def save(self) -> None:
        self.form.get_by_role("button", name="保存草稿").click()
        expect(self.page.get_by_role("status").filter(has_text="草稿已保存")).to_be_visible()

    def discard(self, merchant_id: str, name: str) -> None:
        self.page.goto(f"{self.url}/merchants/{merchant_id}/drafts/{name}/discard")
        self.page.locator("main form button[type=submit]").click()
