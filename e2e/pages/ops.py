"""The ops console, as an ops user sees it: log in, shape a merchant's draft, publish, roll back."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


class OpsConsole:
    def __init__(self, page: Page, wallet_url: str) -> None:
        self.page = page
        self.url = f"{wallet_url}/ops"
        self.shape = page.get_by_role("form", name="Shape")
        self.saved = page.get_by_role("status").filter(has_text="Draft saved.")

    def log_in(self, user: str, password: str) -> None:
        self.page.goto(f"{self.url}/login")
        self.page.get_by_label("User").fill(user)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Log in").click()
        expect(self.page.get_by_role("heading", name="Merchants")).to_be_visible()

    def open_merchant(self, merchant_id: str) -> None:
        self.page.goto(f"{self.url}/merchants/{merchant_id}")
        expect(self.page.get_by_role("heading", name=merchant_id)).to_be_visible()

    def colour(self, key: str) -> Locator:
        return self.shape.get_by_label(key, exact=True)

    def section_orders(self) -> Locator:
        """The order fields of the wallet's sections, in their current order."""
        return self.shape.locator("input[name^=order_]")

    def save_shape(self) -> None:
        self.shape.get_by_role("button", name="Save draft").click()
        expect(self.saved).to_be_visible()

    def publish(self, note: str = "Published by the e2e suite") -> None:
        """Publish the draft: confirm on its own page with a note; the merchant's page says it succeeded."""
        self.page.get_by_role("button", name="Publish the draft…").click()
        self.page.get_by_label("Note").fill(note)
        self.page.get_by_role("button", name="Publish now").click()
        expect(
            self.page.get_by_role("status").filter(has_text="Published: shoppers see this version now.")
        ).to_be_visible()
        expect(self.page.get_by_text("No draft: the live file is what you see.")).to_be_visible()

    def roll_back_to_latest(self, note: str = "Rolled back by the e2e suite") -> None:
        """Undo the latest release from the version list, confirmed with a note."""
        self.page.get_by_role("link", name="All versions, with their diffs and rollback").click()
        self.page.get_by_role("link", name="Roll back to the version before this…").first.click()
        self.page.get_by_label("Note").fill(note)
        self.page.get_by_role("button", name="Roll back now").click()
        expect(
            self.page.get_by_role("status").filter(has_text="Rolled back: shoppers see this version now.")
        ).to_be_visible()
