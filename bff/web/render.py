"""The shopper views' name for bff.pages.responses (moved there: the ops console answers the same way)."""

from bff.pages.responses import is_htmx, no_store, page_or_fragment, redirect_after_post, static_url, static_version

__all__ = ["is_htmx", "no_store", "page_or_fragment", "redirect_after_post", "static_url", "static_version"]
