"""Waiting for htmx the way it says it is done: by the classes it puts on what it is working on."""

from __future__ import annotations

from playwright.sync_api import Page, expect

# htmx 2 marks a request, a swap and the settle that follows with these classes. New content is
# only wired up (its hx-get etc. processed) at the settle, 20 ms after the swap: a link clicked
# before that is followed as a plain link.
BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def expect_settled(page: Page) -> None:
    """htmx has finished every request, swap and settle it started."""
    expect(page.locator(BUSY)).to_have_count(0)
