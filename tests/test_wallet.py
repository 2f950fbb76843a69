"""Wallet home over the real sandbox: sections in order, balances, total, failure states."""

from __future__ import annotations

import pytest
import requests
from kabao_testing import add_fault, handle_in_wallet, sandbox_cards, text_of


def test_wallet_shows_cards_balances_and_spendable_total(client, launch, card_system):
    launch()
    response = client.get("/wallet?js=0")
    page = text_of(response)
    cards = sandbox_cards(card_system, "lime", user_id="u1001")
    for card in cards:
        assert card["card_number"][-4:] in page
        assert card["card_number"] not in response.get_data(as_text=True)
    spendable = sum(c["balance"] for c in cards if c["status"] == "ACTIVE")
    assert f"卡内可用余额 ¥{spendable / 100:,.2f}" in page
    assert "¥500.00" in page and "¥36.50" in page
    assert "已冻结" in page and "已过期" in page and "不可用的卡" in page
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("merchant", "order"),
    [
        ("lime-market", ["卡内可用余额", "我的卡", "绑定新卡", "双十二", "常见问题", "帮助与客服"]),
        ("harbor-books", ["验证码将发送", "我的书店卡", "添加书店卡", "帮助与客服"]),
        ("peach-bakery", ["可用金额", "绑定新卡", "我的卡", "常见问题"]),
    ],
)
def test_sections_follow_the_merchants_configured_order(client, launch, merchant, order):
    launch(merchant_id=merchant)
    page = text_of(client.get("/wallet?js=0")).split("我的卡包", 1)[1]  # after the page's own heading
    positions = [page.index(text) for text in order]
    assert positions == sorted(positions)


def test_merchant_that_hides_unusable_cards_lists_only_active_ones(client, launch):
    launch(merchant_id="peach-bakery")
    page = text_of(client.get("/wallet?js=0"))
    assert "已冻结" not in page and "已过期" not in page
    assert "¥500.00" in page


def test_empty_wallet_has_a_designed_empty_state(client, launch):
    launch(user_id="u1003")
    page = text_of(client.get("/wallet?js=0"))
    assert "还没有卡片" in page and "¥0.00" not in page and "卡内可用余额" not in page
    assert page.count("绑定新卡") == 1  # one call to action: the merchant's bind section


def test_one_failing_card_says_unavailable_and_the_rest_render(client, launch, card_system):
    launch()
    cards = sandbox_cards(card_system, "lime", user_id="u1001")
    rich = next(c for c in cards if c["balance"] == 50000)
    add_fault(card_system, system="lime", op="card_detail", card_id=rich["card_id"], mode="error_5xx")
    response = client.get("/wallet?js=0")
    page = text_of(response)
    assert response.status_code == 200
    assert "余额暂时无法获取" in page and "¥36.50" in page
    assert page.count("部分卡片余额暂时无法获取") == 1 and page.count("重试") == 1  # one notice for the page
    total = page.split("卡内可用余额", 1)[1].split("我的卡", 1)[0]
    assert "暂时无法获取" in total and "¥" not in total  # no total that isn't one


def test_down_card_system_shows_last_known_balances_and_retry_recovers(client, launch, card_system):
    launch()
    assert "¥500.00" in text_of(client.get("/wallet?js=0"))
    add_fault(card_system, system="lime", op="*", mode="error_5xx")
    degraded = client.get("/wallet?js=0")
    page = text_of(degraded)
    assert "卡片列表暂时无法更新" in page
    assert "上次 ¥500.00" in page and page.count("重试") == 1
    requests.delete(f"{card_system.url}/_sandbox/faults", timeout=5)
    rich = next(c for c in sandbox_cards(card_system, "lime", user_id="u1001") if c["balance"] == 50000)
    retry = f"/wallet/cards/{handle_in_wallet(degraded.get_data(as_text=True), rich['card_number'][-4:])}"
    fragment = client.get(retry, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.get_data(as_text=True)
    assert "¥500.00" in text_of(fragment) and "余额暂时无法获取" not in text_of(fragment)
    assert "HX-Request" in fragment.headers["Vary"]


def test_down_card_system_with_nothing_known_says_so(client, launch, card_system):
    add_fault(card_system, system="lime", op="*", mode="error_5xx")
    launch()
    response = client.get("/wallet?js=0")
    assert response.status_code == 200
    assert "暂时无法获取您的卡片" in text_of(response)


def test_slow_card_system_still_renders_the_page(client, launch, card_system):
    launch(merchant_id="peach-bakery")  # read timeout 2 s
    add_fault(card_system, system="peach", op="card_detail", mode="latency", delay_ms=4000)
    page = text_of(client.get("/wallet?js=0"))
    assert "余额暂时无法获取" in page and "绑定新卡" in page


def test_malformed_answers_are_unavailable_not_errors(client, launch, card_system):
    launch()
    add_fault(card_system, system="lime", op="card_detail", mode="malformed")
    response = client.get("/wallet?js=0")
    assert response.status_code == 200
    assert "余额暂时无法获取" in text_of(response)


def test_another_shoppers_card_is_not_found(client, launch, card_system):
    other = sandbox_cards(card_system, "lime", user_id="u1002")[0]
    their_handle = client.application.extensions["kabao"].balances.handles("lime-market", "u1002").of(other["card_id"])
    launch(user_id="u1001")
    for name in (their_handle, other["card_id"]):  # the other shopper's handle, or the raw card id
        for path in (f"/wallet/cards/{name}", f"/cards/{name}", f"/cards/{name}/unbind"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert f"{other['balance'] / 100:.2f}" not in response.get_data(as_text=True)


def test_a_shoppers_own_card_id_is_no_address_for_it(client, launch, card_system):
    own = next(c for c in sandbox_cards(card_system, "lime", user_id="u1001") if c["balance"] == 50000)
    launch(user_id="u1001")
    assert "¥500.00" in text_of(client.get("/wallet?js=0"))
    for path in (f"/wallet/cards/{own['card_id']}", f"/cards/{own['card_id']}", f"/cards/{own['card_number']}"):
        assert client.get(path).status_code == 404, path


def test_slow_balances_are_fetched_side_by_side_so_all_arrive_in_time(client, launch, card_system):
    # 4 cards, each balance 1.2 s late; the page waits at most connect + read = 3.5 s for them:
    # one after another the last would miss it, side by side all four make it
    launch()
    add_fault(card_system, system="lime", op="card_detail", mode="latency", delay_ms=1200)
    page = text_of(client.get("/wallet?js=0"))
    assert "余额暂时无法获取" not in page
    assert "¥500.00" in page and "¥36.50" in page and "¥536.50" in page
