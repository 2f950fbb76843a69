"""Card detail: history at a glance, and unbinding with a confirmation step (history itself: test_history.py)."""

from __future__ import annotations

import re

from kabao_testing import add_fault, card_path, csrf_token, sandbox_cards, text_of


def rich_card(sandbox) -> dict:
    return next(c for c in sandbox_cards(sandbox, "lime", user_id="u1001") if c["balance"] == 50000)


def text_of_html(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def rows(html: str) -> list[str]:
    return re.findall(r'<li class="txn">', html)


def test_a_freshly_bound_card_shows_its_one_page_of_history_and_its_end(client, launch, card_system):
    card = sandbox_cards(card_system, "lime", bound="0")[0]
    launch()
    client.post(
        "/bind",
        data={
            "csrf_token": csrf_token(client, "/bind"),
            "card_number": card["card_number"],
            "secret": card["secret"],
        },
    )
    html = client.get(card_path(client, card)).get_data(as_text=True)
    assert len(rows(html)) == 1  # the seed's top-up
    assert "充值" in text_of_html(html) and "没有更多记录了" in text_of_html(html) and "加载更多" not in html


def test_history_unavailable_keeps_the_page_usable(client, launch, card_system):
    launch()
    card = rich_card(card_system)
    add_fault(card_system, system="lime", op="transactions", mode="error_5xx")
    response = client.get(card_path(client, card))
    assert response.status_code == 200
    page = text_of(response)
    assert "交易记录暂时无法获取" in page and "¥500.00" in page and "解除绑定" in page


def test_unbind_asks_first_and_cancel_keeps_the_card(client, launch, card_system):
    launch()
    card = rich_card(card_system)
    confirm = client.get(f"{card_path(client, card)}/unbind")
    assert f"确定要解绑尾号 {card['card_number'][-4:]} 的卡吗" in text_of(confirm)
    assert "再想想" in text_of(confirm)
    assert any(c["card_id"] == card["card_id"] for c in sandbox_cards(card_system, "lime", user_id="u1001"))


def test_unbind_confirmed_removes_the_card(client, launch, card_system):
    launch()
    card = rich_card(card_system)
    path = f"{card_path(client, card)}/unbind"
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 303 and response.headers["Location"] == "/wallet"
    wallet = text_of(client.get("/wallet?js=0"))
    assert f"尾号 {card['card_number'][-4:]} 的卡已解绑" in wallet and "¥500.00" not in wallet
    assert all(c["card_id"] != card["card_id"] for c in sandbox_cards(card_system, "lime", user_id="u1001"))


def test_unbind_when_card_system_fails_says_so_and_keeps_the_card(client, launch, card_system):
    launch()
    card = rich_card(card_system)
    path = f"{card_path(client, card)}/unbind"
    token = csrf_token(client, path)
    add_fault(card_system, system="lime", op="unbind", mode="error_5xx")
    response = client.post(path, data={"csrf_token": token})
    assert response.status_code == 422 and "服务繁忙" in text_of(response)
    assert any(c["card_id"] == card["card_id"] for c in sandbox_cards(card_system, "lime", user_id="u1001"))


def test_unbind_without_csrf_token_is_refused(client, launch, card_system):
    launch()
    card = rich_card(card_system)
    assert client.post(f"{card_path(client, card)}/unbind").status_code == 400
    assert any(c["card_id"] == card["card_id"] for c in sandbox_cards(card_system, "lime", user_id="u1001"))


def test_an_unbind_applied_but_its_answer_lost_shows_the_card_unbound(client, launch, card_system):
    launch()
    card = rich_card(card_system)
    path = f"{card_path(client, card)}/unbind"
    token = csrf_token(client, path)
    add_fault(card_system, system="lime", op="unbind", mode="drop_response", count=1)
    response = client.post(path, data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/wallet"
    assert f"尾号 {card['card_number'][-4:]} 的卡已解绑" in text_of(client.get("/wallet?js=0"))
    assert all(c["card_id"] != card["card_id"] for c in sandbox_cards(card_system, "lime", user_id="u1001"))


def test_a_lost_unbind_answer_that_cannot_be_confirmed_says_so(client, launch, card_system):
    launch()
    card = rich_card(card_system)
    path = f"{card_path(client, card)}/unbind"
    token = csrf_token(client, path)
    add_fault(card_system, system="lime", op="unbind", mode="drop_response", count=1)
    add_fault(card_system, system="lime", op="list_cards", mode="error_5xx")
    response = client.post(path, data={"csrf_token": token})
    assert response.status_code == 422 and "暂时无法确认是否已解绑" in text_of(response)
