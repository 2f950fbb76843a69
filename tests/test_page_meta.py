"""Every shopper page describes itself (search engines and link previews; Lighthouse's SEO audit asks for it)."""

from __future__ import annotations

import re


def description(page: str) -> str:
    return re.search(r'<meta name="description" content="([^"]*)">', page).group(1)


def test_shopper_pages_and_error_pages_carry_a_description_in_the_shoppers_language(client, launch):
    assert description(client.get("/no-such-page", headers={"Accept-Language": "en"}).get_data(as_text=True)) == (
        "Your stored-value cards: balances, history and payments"
    )
    launch()
    for path in ("/wallet", "/wallet?js=0", "/bind"):
        assert description(client.get(path).get_data(as_text=True)) == "青柠超市储值卡：余额、交易记录和付款", path
