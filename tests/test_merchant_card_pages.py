"""Every merchant's card system, through its own dialect, behind the card pages: history paging, unbind,
a wrong bind secret, and a card system that is down.

The browser suite runs these pages once per kind of merchant (e2e `merchant_traits`); what each merchant's
dialect answers is checked here, for every merchant file, without a browser.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
import requests
from kabao_testing import CONFIG_DIR, add_fault, card_path, csrf_token, sandbox_cards, text_of
from test_checkout import SYSTEM

MERCHANTS = sorted(path.stem for path in CONFIG_DIR.glob("*.yaml"))
ROW = re.compile(r'<li class="txn"')
TIME = re.compile(r'<time datetime="([^"]+)"')
NO_MORE = "没有更多记录了"


def merchant_config(app, merchant: str):
    return app.extensions["kabao"].registry.get(merchant).config


def supports(app, merchant: str, operation: str) -> bool:
    services = app.extensions["kabao"]
    return services.gateways.for_merchant(services.registry.get(merchant)).supports(operation)


def rows(response) -> int:
    return len(ROW.findall(response.get_data(as_text=True)))


def yuan(fen: int) -> str:
    return f"¥{fen // 100:,}.{fen % 100:02d}"


def shopper_cards(card_system, merchant: str) -> list[dict]:
    """u1001's ACTIVE cards, richest first (the seed gives the richest ~25 transactions)."""
    cards = sandbox_cards(card_system, SYSTEM[merchant], user_id="u1001")
    return sorted((c for c in cards if c["status"] == "ACTIVE"), key=lambda c: -c["balance"])


def owner(card_system, merchant: str, card: dict) -> str | None:
    return next(c for c in sandbox_cards(card_system, SYSTEM[merchant]) if c["card_id"] == card["card_id"])["user_id"]


def test_every_merchant_file_has_a_sandbox_card_system():
    assert set(MERCHANTS) == set(SYSTEM), "a new merchant file: add its sandbox system to test_checkout.SYSTEM"


def history_pages_through_every_row_newest_first(client, rich: dict) -> None:
    path = card_path(client, rich)
    first = client.get(path)
    if not text_of(first).count("交易记录"):  # off in the flows, or the card system has no history
        assert rows(first) == 0 and "加载更多" not in text_of(first)
        return
    assert rows(first) == 10
    assert f"余额 {yuan(rich['balance'])}" in text_of(first).split("加载更多")[0]  # the newest row comes first
    assert rows(client.get(path, query_string={"pages": 2})) == 20
    third = client.get(path, query_string={"pages": 3})
    assert 20 < rows(third) <= 30 and NO_MORE in text_of(third) and "加载更多" not in text_of(third)
    times = [datetime.fromisoformat(stamp) for stamp in TIME.findall(third.get_data(as_text=True))]
    assert len(times) == rows(third) and times == sorted(times, reverse=True), "not newest first across the pages"


def down_shows_the_last_known_balance(app, client, card_system, merchant: str, poorest: dict) -> None:
    assert yuan(poorest["balance"]) in text_of(client.get("/wallet?js=0"))  # seen once: remembered
    if supports(app, merchant, "card_detail"):
        add_fault(card_system, system=SYSTEM[merchant], op="card_detail", mode="error_5xx", card_id=poorest["card_id"])
    else:  # balances come with the card list: the whole list is down
        add_fault(card_system, system=SYSTEM[merchant], op="list_cards", mode="error_5xx")
    page = text_of(client.get("/wallet?js=0"))
    assert f"上次 {yuan(poorest['balance'])}" in page or f"上次余额 {yuan(poorest['balance'])}" in page, page
    requests.delete(f"{card_system.url}/_sandbox/faults", timeout=5).raise_for_status()
    assert "上次" not in text_of(client.get("/wallet?js=0"))


def unbind_removes_the_card_at_the_card_system(client, card_system, merchant: str, card: dict) -> None:
    path = f"{card_path(client, card)}/unbind"
    page = client.get(card_path(client, card))
    if "解除绑定" not in text_of(page):  # off in the flows, or the card system can't
        assert client.get(path).status_code == 404
        assert owner(card_system, merchant, card) == "u1001"
        return
    response = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 303, text_of(response)
    assert f"尾号 {card['card_number'][-4:]} 的卡已解绑" in text_of(client.get("/wallet?js=0"))
    assert owner(card_system, merchant, card) is None


@pytest.mark.parametrize("merchant", MERCHANTS)
def test_history_a_down_card_system_and_unbind_through_each_merchants_dialect(
    app, client, launch, card_system, merchant
):
    """One shopper visit per merchant (one app, one launch: the suite's time goes to what differs)."""
    richest, *_, poorest = shopper_cards(card_system, merchant)
    launch(merchant_id=merchant)
    history_pages_through_every_row_newest_first(client, richest)
    down_shows_the_last_known_balance(app, client, card_system, merchant, poorest)
    unbind_removes_the_card_at_the_card_system(client, card_system, merchant, poorest)


def bind_form_takes_the_merchants_real_cards(app, client, card_system, merchant: str) -> None:
    """What a browser lets a shopper type (maxlength) fits the merchant's cards: e2e binds one kind of merchant."""
    form = client.get("/bind").get_data(as_text=True)
    limits = dict(re.findall(r'<input id="(\w+)"[^>]*?maxlength="(\d+)"', form, re.S))
    assert ("secret" in limits) == (merchant_config(app, merchant).flows.bind.method == "password"), limits
    for card in sandbox_cards(card_system, SYSTEM[merchant], bound="0"):
        assert len(card["card_number"]) <= int(limits["card_number"]), (card["card_number"], limits)
        if "secret" in limits and card.get("secret"):
            assert len(card["secret"]) <= int(limits["secret"]), (card["secret"], limits)


@pytest.mark.parametrize("merchant", MERCHANTS)
def test_the_bind_form_fits_each_merchants_cards_and_a_wrong_secret_binds_nothing(
    app, client, launch, card_system, merchant
):
    launch(merchant_id=merchant)
    bind_form_takes_the_merchants_real_cards(app, client, card_system, merchant)
    method = merchant_config(app, merchant).flows.bind.method
    if method == "number_only":
        return  # no secret to get wrong: e2e test_bind (one number-only merchant) types a number no card has
    system = SYSTEM[merchant]
    card = next(c for c in sandbox_cards(card_system, system, bound="0") if c["status"] == "ACTIVE")
    form = {"csrf_token": csrf_token(client, "/bind"), "card_number": card["card_number"]}
    if method == "sms":
        client.post("/bind", data={**form, "action": "send_code"})
        sent = requests.get(
            f"{card_system.url}/_sandbox/sms", params={"system": system, "card_number": card["card_number"]}, timeout=5
        ).json()["code"]
        form |= {"sms_code": ("1" if sent[0] == "0" else "0") * len(sent), "action": "bind"}
        says = "卡号或验证码不正确"
    else:
        form["secret"] = ("1" if card["secret"][0] == "0" else "0") * len(card["secret"])
        says = "卡号或密码不正确"
    response = client.post("/bind", data=form)
    assert response.status_code == 422 and says in text_of(response), text_of(response)
    assert owner(card_system, merchant, card) is None
