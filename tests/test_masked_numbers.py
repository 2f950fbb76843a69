"""Masked card numbers are read as "card ending 4245", not star by star and digit by digit."""

from __future__ import annotations

import re

from kabao_testing import card_path, sandbox_cards

from tests.test_checkout import Shopper


def spoken_numbers(html: str) -> list[tuple[str, str]]:
    """(what is shown but hidden from screen readers, what they read instead) for every masked number."""
    pattern = (
        r'<span aria-hidden="true" class="(?:face-number|pick-name)">([^<]*)</span>'
        r'<span class="visually-hidden">([^<]*)</span>'
    )
    return [(shown, spoken.strip()) for shown, spoken in re.findall(pattern, html)]


def test_wallet_faces_and_the_card_page_read_the_last_four_digits(client, launch, card_system):
    launch()
    cards = sandbox_cards(card_system, "lime", user_id="u1001")
    page = client.get("/wallet?js=0").get_data(as_text=True)  # the complete render
    numbers = dict((spoken, shown) for shown, spoken in spoken_numbers(page))
    assert len(numbers) == len(cards)
    for card in cards:
        last4 = card["card_number"][-4:]
        assert numbers[f"卡号尾号 {last4}"].endswith(f"**** {last4}")
    detail = client.get(card_path(client, cards[0])).get_data(as_text=True)
    [(shown, spoken)] = spoken_numbers(detail)
    assert shown.endswith(cards[0]["card_number"][-4:]) and spoken == f"卡号尾号 {cards[0]['card_number'][-4:]}"


def test_checkout_reads_each_card_by_name_and_last_four_digits(app, client, card_system):
    shopper = Shopper(app, client, card_system)
    html = shopper.page.get_data(as_text=True)
    numbers = spoken_numbers(html)
    assert numbers, "every card on the checkout page has a spoken number"
    for shown, spoken in numbers:
        last4 = shown[-4:]
        assert shown.endswith(f" ···· {last4}") and spoken.endswith(f"卡号尾号 {last4}")
        assert spoken.startswith(shown.split(" ···· ")[0])  # the card's name comes first
    assert "···· " not in re.sub(r'<span aria-hidden="true"[^>]*>[^<]*</span>', "", html)
