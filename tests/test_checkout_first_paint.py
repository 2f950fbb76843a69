"""Checkout first paint (issue 12): drawn without asking card systems, the balances arrive as one fragment."""

from __future__ import annotations

import re
import uuid

import requests
from kabao_testing import add_fault, checkout_handle, mint_checkout_token, sandbox_cards, sandbox_payments, text_of

HX = {"HX-Request": "true"}


def lime_card(card_system, balance: int) -> dict:
    return next(c for c in sandbox_cards(card_system, "lime", user_id="u1001") if c["balance"] == balance)


def open_checkout(client, card_system, amount: int = 12800, user_id: str = "u1001") -> str:
    """The host app opens a checkout of lime-market; the path of its page."""
    secret, order_id = client.application.config["KABAO_HOST_SECRET"], f"F-{uuid.uuid4().hex[:8]}"
    token = mint_checkout_token(secret, user_id, "lime-market", order_id, amount, f"{card_system.url}/sim/return")
    opened = client.get(f"/checkout?token={token}")
    assert opened.status_code == 303, opened.get_data(as_text=True)
    return opened.headers["Location"]


def pay_button(html: str) -> str:
    return re.search(r'<button type="[a-z]+" class="button block pay-button"[^>]*>', html).group(0)


def test_the_page_is_drawn_from_the_remembered_cards_without_asking_the_card_system(
    client, launch, card_system, request
):
    launch()
    client.get("/wallet?js=0")  # the cards are remembered from this visit
    path = open_checkout(client, card_system)
    request.getfixturevalue("silent_card_system")
    shell = client.get(path)
    html, text = shell.get_data(as_text=True), text_of(shell)
    assert shell.status_code == 200 and shell.headers["Cache-Control"] == "no-store"
    assert "订单金额 ¥128.00" in text and "选择支付的卡（最多 2 张）" in text
    assert lime_card(card_system, 50000)["card_number"][-4:] in text  # the card is there, its balance still to come
    assert "¥500.00" not in text and "正在获取余额" in text and "已冻结，不能支付" in text
    assert f'hx-get="{path}/cards" hx-trigger="load"' in html
    assert "disabled" in pay_button(html) and 'name="card"' not in html  # nothing to tick or pay yet


def test_a_first_checkout_with_no_remembered_cards_says_the_cards_are_loading(client, card_system, request):
    path = open_checkout(client, card_system)
    request.getfixturevalue("silent_card_system")
    shell = client.get(path)
    assert shell.status_code == 200 and "正在加载你的卡" in text_of(shell)
    assert "disabled" in pay_button(shell.get_data(as_text=True))


def test_the_balances_fragment_is_the_form_with_balances_picks_and_pay(client, card_system):
    path = open_checkout(client, card_system)
    fragment = client.get(f"{path}/cards", headers=HX)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html and fragment.headers["Cache-Control"] == "no-store"
    assert "余额 ¥500.00" in text_of(fragment) and "确认支付 ¥128.00" in text_of(fragment)
    rich = checkout_handle(html, lime_card(card_system, 50000)["card_number"][-4:])
    assert re.search(rf'value="{rich}" checked', html)  # the merchant's rule picked it
    assert "disabled" not in pay_button(html)


def test_paying_from_the_fragment_charges_once_what_was_shown(client, card_system):
    path = open_checkout(client, card_system)
    client.get(path)
    html = client.get(f"{path}/cards", headers=HX).get_data(as_text=True)
    card = lime_card(card_system, 50000)
    form = {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
        "attempt": re.search(r'name="attempt" value="(\d+)"', html).group(1),
        "card": checkout_handle(html, card["card_number"][-4:]),
    }
    assert client.post(f"{path}/pay", data=form).status_code == 303
    assert client.post(f"{path}/pay", data=form).status_code == 303  # a second tap
    paid = [(p["card_id"], p["amount"], p["status"]) for p in sandbox_payments(card_system, "lime")]
    assert paid == [(card["card_id"], 12800, "SUCCEEDED")]
    after = client.get(f"{path}/cards", headers=HX)  # a page left open: the fragment goes to the result
    assert after.headers["HX-Redirect"] == f"{path}/result"


def test_without_javascript_the_page_refreshes_to_the_complete_render(client, card_system):
    path = open_checkout(client, card_system)
    html = client.get(path).get_data(as_text=True)
    assert f'<noscript><meta http-equiv="refresh" content="0; url={path}?js=0"></noscript>' in html
    complete = client.get(f"{path}?js=0")
    assert "<noscript><meta" not in complete.get_data(as_text=True)
    assert "余额 ¥500.00" in text_of(complete) and "确认支付 ¥128.00" in text_of(complete)


def test_a_card_whose_balance_fails_is_unavailable_with_a_retry_that_brings_it(client, card_system):
    rich = lime_card(card_system, 50000)
    small = lime_card(card_system, 3650)
    path = open_checkout(client, card_system, amount=1000)
    add_fault(card_system, system="lime", op="card_detail", card_id=rich["card_id"], mode="error_5xx")
    fragment = client.get(f"{path}/cards", headers=HX)
    html = fragment.get_data(as_text=True)
    handle = checkout_handle(html, rich["card_number"][-4:])
    assert "余额暂时无法获取，不能支付" in text_of(fragment)
    assert f'name="retry" value="{handle}" hx-post="{path}/retry"' in html  # a live button, not a dead one
    other = checkout_handle(html, small["card_number"][-4:])
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    form = {"csrf_token": csrf, "card": [other], "retry": handle}
    still = client.post(f"{path}/retry", data=form, headers=HX)
    assert "这张卡的余额仍然无法获取" in text_of(still) and "余额暂时无法获取，不能支付" in text_of(still)

    requests.delete(f"{card_system.url}/_sandbox/faults", timeout=5).raise_for_status()
    back = client.post(f"{path}/retry", data=form, headers=HX)
    back_html = back.get_data(as_text=True)
    assert back.status_code == 200 and "余额 ¥500.00" in text_of(back) and "仍然无法获取" not in text_of(back)
    assert re.search(rf'value="{other}" checked', back_html)  # the shopper's pick stays
    assert f'name="retry" value="{handle}"' not in back_html
    picked = {**form, "card": [handle], "attempt": "1"}
    picked.pop("retry")
    assert client.post(f"{path}/pay", data=picked).status_code == 303  # paid from the balance the retry brought
    paid = [(p["card_id"], p["amount"]) for p in sandbox_payments(card_system, "lime")]
    assert paid == [(rich["card_id"], 1000)]


def test_a_retry_without_javascript_answers_the_whole_page(client, card_system):
    rich = lime_card(card_system, 50000)
    path = open_checkout(client, card_system, amount=1000)
    add_fault(card_system, system="lime", op="card_detail", card_id=rich["card_id"], mode="error_5xx")
    html = client.get(f"{path}?js=0").get_data(as_text=True)
    requests.delete(f"{card_system.url}/_sandbox/faults", timeout=5).raise_for_status()
    handle = checkout_handle(html, rich["card_number"][-4:])
    assert f'<noscript><button type="submit" class="link pick-retry" name="retry" value="{handle}"' in html
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    page = client.post(f"{path}/retry", data={"csrf_token": csrf, "retry": handle})
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True) and "余额 ¥500.00" in text_of(page)
