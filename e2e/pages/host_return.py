"""The host app's return page: where the wallet sends the shopper back with the signed result."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

RETURN_PATH = re.compile(r"/sim/return\?kabao_result=")
STATUS = {  # the simulator's own bilingual words (sandbox/templates/checkout/_status.html)
    "PAID": ("已支付", "Paid"),
    "PARTLY_PAID": ("部分支付", "Partly paid"),
    "FAILED": ("支付失败", "Failed"),
    "PENDING": ("确认中", "Pending"),
    "CANCELLED": ("已取消", "Cancelled"),
}


class HostReturnPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.result = page.get_by_role("region", name=re.compile(r"^支付结果"))
        self.status = self.result.get_by_role("status")
        self.problem = page.get_by_role("alert")

    def expect_loaded(self) -> None:
        expect(self.page).to_have_url(RETURN_PATH)
        expect(self.result).to_be_visible()

    def expect_status(self, status: str) -> None:
        zh, en = STATUS[status]
        expect(self.status).to_have_text(re.compile(rf"^\s*{re.escape(zh)}\s*{re.escape(en)}\s*$"))

    def fact(self, label: str) -> Locator:
        """The value the order's facts list gives for a label such as 订单号 or 金额."""
        term = self.result.get_by_role("term").filter(has_text=re.compile(rf"^{re.escape(label)}\s"))
        return term.locator("xpath=following-sibling::dd[1]")
