"""What the law asks the wallet to show per card: named or not, issuer and contact, validity, terms."""

from __future__ import annotations

from datetime import date

import pytest
from kabao_testing import card_path, sandbox_cards, text_of
from test_config import problems_of, write_variant

from bff.adapters.standard import parse_card
from bff.cards.models import Card, CardStatus
from bff.merchants.loader import load_merchant
from bff.wallet.card_legal import card_legal


def lime_card(sandbox, card_type: str) -> dict:
    cards = sandbox_cards(sandbox, "lime", user_id="u1001")
    return next(c for c in cards if c["card_type"] == card_type and c["status"] == "ACTIVE")


def test_an_anonymous_card_valid_less_than_three_years_is_refused(tmp_path):
    terms = {"registration": "anonymous", "validity_years": 2, "terms_url": "https://example.com/t"}
    path = write_variant(tmp_path, lambda d: d["legal"]["card_types"].update(gift=terms))
    [problem] = problems_of(path)
    assert problem.startswith("shop-a.yaml: legal.card_types.gift: ")
    assert "at least 3 years" in problem


def test_an_anonymous_card_without_a_validity_is_refused(tmp_path):
    terms = {"registration": "anonymous", "terms_url": "https://example.com/t"}
    path = write_variant(tmp_path, lambda d: d["legal"]["card_types"].update(gift=terms))
    [problem] = problems_of(path)
    assert "legal.card_types.gift" in problem and "at least 3 years" in problem


def test_a_named_card_with_a_validity_period_is_refused(tmp_path):
    terms = {"registration": "named", "validity_years": 5, "terms_url": "https://example.com/t"}
    path = write_variant(tmp_path, lambda d: d["legal"]["card_types"].update(member=terms))
    [problem] = problems_of(path)
    assert "legal.card_types.member" in problem and "may not have a validity period" in problem


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.pop("legal"), "shop-a.yaml: legal: Field required"),
        (lambda d: d["legal"]["card_types"].pop("default"), "card_types needs a 'default' entry"),
        (lambda d: d["legal"]["issuer"].pop("phone"), "shop-a.yaml: legal.issuer.phone: Field required"),
    ],
)
def test_the_legal_section_is_required_whole(tmp_path, change, where):
    [problem] = problems_of(write_variant(tmp_path, change))
    assert where in problem


def test_three_years_is_enough_for_an_anonymous_card(tmp_path):
    terms = {"registration": "anonymous", "validity_years": 3, "terms_url": "https://example.com/t"}
    path = write_variant(tmp_path, lambda d: d["legal"]["card_types"].update(member=terms))
    assert load_merchant(path).config.legal.terms_of("member").validity_years == 3


def test_a_named_card_page_says_named_no_expiry_issuer_and_terms(client, launch, card_system):
    launch()
    page = client.get(card_path(client, lime_card(card_system, "member")))
    html, text = page.get_data(as_text=True), text_of(page)
    assert "卡片信息" in text
    assert "记名方式 记名卡" in text
    assert "有效期 长期有效（记名卡不设有效期）" in text
    assert "发卡方 青柠超市（上海）有限公司" in text
    assert 'href="tel:400-820-1234"' in html
    assert 'href="https://example.com/lime/card-terms#member"' in html and "使用及退卡须知" in text


def test_an_anonymous_card_page_shows_its_expiry_in_english(client, launch, card_system):
    card = lime_card(card_system, "gift")
    launch(locale="en")
    text = text_of(client.get(card_path(client, card)))
    expires = date.fromisoformat(card["expires_on"])
    assert "Registration Anonymous card (not registered)" in text
    assert f"Valid Until {expires:%b} {expires.day}, {expires.year}" in text
    assert "Issued by Lime Market (Shanghai) Co., Ltd." in text
    assert "Usage and refund terms" in text and "卡片信息" not in text


def test_what_the_card_system_says_about_a_card_wins_over_its_type_config(tmp_path):
    legal = load_merchant(write_variant(tmp_path, lambda d: None)).config.legal
    member = Card("c1", "4245", "member", CardStatus.ACTIVE, "CNY", None, 100)
    assert card_legal(legal, member).named
    said = card_legal(legal, Card("c1", "4245", "member", CardStatus.ACTIVE, "CNY", None, 100, "anonymous"))
    assert not said.named and said.validity_years is None  # no years configured for it: the page says "see terms"
    gift = card_legal(legal, Card("c2", "0001", "gift", CardStatus.ACTIVE, "CNY", None, 100))
    assert gift.validity_years == 3 and gift.terms_url.endswith("#gift")


def test_the_standard_api_may_say_whether_a_card_is_named():
    base = {"card_id": "c1", "last4": "4245", "status": "ACTIVE", "balance": 1}
    assert parse_card({**base, "registration": "anonymous"}).registration == "anonymous"
    assert parse_card({**base, "registration": "maybe"}).registration is None  # unknown: config says
    assert parse_card(base).registration is None
