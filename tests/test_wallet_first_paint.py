"""Wallet home first paint (issue 12): drawn without asking card systems, each balance loaded by itself."""

from __future__ import annotations

import re

import requests
from kabao_testing import add_fault, csrf_token, handle_in_wallet, sandbox_cards, text_of

from bff.cards.errors import CardSystemUnavailable

HX = {"HX-Request": "true"}


def rich_card(card_system) -> dict:
    return next(c for c in sandbox_cards(card_system, "lime", user_id="u1001") if c["balance"] == 50000)


def test_first_visit_draws_the_page_and_loads_the_card_list_by_itself(client, launch, card_system):
    launch()
    shell = client.get("/wallet")
    html = shell.get_data(as_text=True)
    assert shell.status_code == 200 and shell.headers["Cache-Control"] == "no-store"
    assert 'hx-get="/wallet/list" hx-trigger="load"' in html
    assert "正在加载卡片" in text_of(shell) and "¥0.00" not in text_of(shell)
    listed = client.get("/wallet/list", headers=HX)
    assert "<html" not in listed.get_data(as_text=True)
    assert "data-page-notice hidden" in listed.get_data(as_text=True)  # no failure to tell while balances come
    handle = handle_in_wallet(listed.get_data(as_text=True), rich_card(card_system)["card_number"][-4:])
    assert f'hx-get="/wallet/cards/{handle}?list=1" hx-trigger="load"' in listed.get_data(as_text=True)


def test_a_known_wallet_is_drawn_without_asking_the_card_system(client, launch, card_system, request):
    launch()
    client.get("/wallet?js=0")  # the cards are remembered from this visit
    request.getfixturevalue("silent_card_system")
    shell = client.get("/wallet")
    html = shell.get_data(as_text=True)
    assert shell.status_code == 200
    rich = handle_in_wallet(html, rich_card(card_system)["card_number"][-4:])
    assert f'hx-get="/wallet/cards/{rich}?list=1" hx-trigger="load"' in html
    assert 'data-state="loading"' in html and "¥500.00" not in html  # a placeholder, not a balance
    assert "已冻结" in text_of(shell)  # frozen cards are drawn too, below, with no balance to wait for


def test_without_javascript_the_page_refreshes_to_the_complete_render(client, launch):
    launch()
    html = client.get("/wallet").get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh" content="0; url=/wallet?js=0"></noscript>' in html
    complete = client.get("/wallet?js=0")
    assert "<noscript>" not in complete.get_data(as_text=True)
    assert "卡内可用余额 ¥536.50" in text_of(complete)


def test_each_card_brings_its_own_balance_as_a_fragment(client, launch, card_system):
    launch()
    client.get("/wallet?js=0")
    handle = handle_in_wallet(client.get("/wallet").get_data(as_text=True), "4245")
    fragment = client.get(f"/wallet/cards/{handle}?list=1", headers=HX)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html
    assert 'data-state="live"' in html and 'data-fen="50000"' in html
    assert "¥500.00" in text_of(fragment)


def test_a_failing_card_fragment_gives_its_last_known_balance_with_its_time(client, launch, card_system):
    launch()
    client.get("/wallet?js=0")
    handle = handle_in_wallet(client.get("/wallet").get_data(as_text=True), "4245")
    add_fault(card_system, system="lime", op="card_detail", mode="error_5xx")
    html = client.get(f"/wallet/cards/{handle}?list=1", headers=HX).get_data(as_text=True)
    assert 'data-state="known"' in html and 'data-fen="50000"' in html and "data-at-text=" in html
    assert "上次 ¥500.00" in html and "重试" not in html  # the page has the one retry


def test_the_list_check_is_empty_when_nothing_changed_and_redraws_when_it_did(client, launch, card_system):
    launch()
    client.get("/wallet?js=0")
    html = client.get("/wallet").get_data(as_text=True)
    check = re.search(r'hx-get="(/wallet/list\?known=[0-9a-f]+)"', html).group(1)
    assert client.get(check, headers=HX).status_code == 204
    other = next(c for c in sandbox_cards(card_system, "lime") if c["user_id"] is None and c["status"] == "ACTIVE")
    owner = f"{card_system.url}/_sandbox/systems/lime/cards/{other['card_id']}/owner"
    requests.post(owner, json={"user_id": "u1001"}, timeout=5).raise_for_status()
    redrawn = client.get(check, headers=HX)
    assert redrawn.status_code == 200 and other["card_number"][-4:] in text_of(redrawn)


def test_card_system_down_with_nothing_known_never_shows_zero(client, launch, card_system):
    add_fault(card_system, system="lime", op="*", mode="error_5xx")
    launch()
    page = text_of(client.get("/wallet?js=0"))
    assert "暂时无法获取您的卡片" in page and "¥0.00" not in page
    listed = client.get("/wallet/list", headers=HX)
    assert "暂时无法获取您的卡片" in text_of(listed) and "重试" in text_of(listed)


def test_a_card_that_cannot_say_is_unknown_not_zero(monkeypatch, client, launch, card_system):
    launch()
    services = client.application.extensions["kabao"]
    gateway = services.gateways.for_merchant(services.registry.get("lime-market"))
    real = gateway.card_detail

    def rich_fails(user_id, card_id):
        if card_id == rich_card(card_system)["card_id"]:
            raise CardSystemUnavailable("down")
        return real(user_id, card_id)

    monkeypatch.setattr(gateway, "card_detail", rich_fails)
    page = text_of(client.get("/wallet?js=0"))
    total = page.split("卡内可用余额", 1)[1].split("我的卡", 1)[0]
    assert "暂时无法获取" in total and "¥" not in total


def test_a_newly_bound_card_comes_first_and_highlighted(client, launch, card_system):
    launch()
    client.get("/wallet?js=0")
    card = next(c for c in sandbox_cards(card_system, "lime", bound="0") if c["status"] == "ACTIVE")
    form = {"csrf_token": csrf_token(client, "/bind"), "card_number": card["card_number"], "secret": card["secret"]}
    bound = client.post("/bind", data=form)
    assert bound.status_code == 303
    shell = client.get(bound.headers["Location"])
    html = shell.get_data(as_text=True)
    handles = re.findall(r'<li id="card-([^"]+)" class="wallet-card([^"]*)"', html)
    assert handles[0][0] == handle_in_wallet(html, card["card_number"][-4:])  # first, before the request asks
    assert "wallet-card-new" in handles[0][1] and "新绑定" in text_of(shell)
    assert f"绑定成功：尾号 {card['card_number'][-4:]}" in text_of(shell)
    fragment = client.get(f"/wallet/cards/{handles[0][0]}?list=1&new=1", headers=HX).get_data(as_text=True)
    assert "wallet-card-new" in fragment and f'data-fen="{card["balance"]}"' in fragment


def test_an_empty_wallet_has_one_bind_button_and_no_total(client, launch):
    launch(user_id="u1003")
    for path in ("/wallet?js=0", "/wallet/list"):
        page = text_of(client.get(path))
        assert "还没有卡片" in page and "¥" not in page
    assert text_of(client.get("/wallet?js=0")).count("绑定新卡") == 1


def test_a_merchant_whose_list_carries_balances_gets_them_all_in_one_call(client, launch, card_system):
    launch(merchant_id="birch-tea")  # no card_detail operation: balances come with the card list
    client.get("/wallet?js=0")
    html = client.get("/wallet").get_data(as_text=True)
    assert 'hx-get="/wallet/list" hx-trigger="load"' in html
    assert 'hx-get="/wallet/cards/' not in html  # no call per card: each would fetch the whole list again
    listed = client.get("/wallet/list", headers=HX)
    assert "¥500.00" in text_of(listed) and 'data-state="live"' in listed.get_data(as_text=True)
    add_fault(card_system, system="birch", op="list_cards", mode="error_5xx")
    down = text_of(client.get("/wallet/list", headers=HX))
    assert "上次 ¥500.00" in down and "卡片列表暂时无法更新" in down and "暂时无法获取您的卡片" not in down
