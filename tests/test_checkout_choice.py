"""Choosing cards at checkout: picked for the shopper by the merchant's rule, reordered, split from the
balances the page showed (no card call per tick), and confirmed once, live, when the shopper pays."""

from __future__ import annotations

import re
import shutil

import pytest
import requests
from kabao_testing import CONFIG_DIR, add_fault, text_of
from test_checkout import Shopper, cards_of


def post_form(shopper: Shopper, action: str, cards: list[dict], first: dict | None = None, order=None, **extra):
    """Post the checkout form as the page would: ticked cards, the page's use order, and a "use first" press."""
    html = shopper.page.get_data(as_text=True)
    data = {
        "csrf_token": shopper.csrf(),
        "attempt": shopper.attempt(),
        "card": [shopper.handle(c["card_id"]) for c in cards],
        "order": re.findall(r'name="order" value="([^"]+)"', html) if order is None else order,
        **extra,
    }
    if first is not None:
        data["first"] = shopper.handle(first["card_id"])
    response = shopper.client.post(f"{shopper.path}/{action}", data=data)
    if response.status_code != 303:
        shopper.page = response
    return response


def ticked(shopper: Shopper) -> list[str]:
    """The last four digits of the cards ticked on the page."""
    html = shopper.page.get_data(as_text=True)
    return re.findall(r'<input type="checkbox"[^>]*checked[^>]*>.*?···· (\d{4})<', html, re.S)


def split_rows(shopper: Shopper) -> list[str]:
    html = shopper.page.get_data(as_text=True)
    section = html[html.index('class="split"') : html.index("</section>", html.index('class="split"'))]
    rows = re.findall(r"<li\b.*?</li>", section, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def calls_left(sandbox, system: str) -> int:
    """What is left of the counting fault: each card-system request of `system` uses one."""
    faults = requests.get(f"{sandbox.url}/_sandbox/faults", timeout=5).json()
    return next(f["count"] for f in faults if f["system"] == system)


@pytest.fixture
def shop(app, client, card_system):
    return lambda **kw: Shopper(app, client, card_system, **kw)


@pytest.fixture
def shop_with_rule(make_app, card_system, tmp_path):
    """A shopper at lime-market whose checkout picks cards by another rule."""

    def make(rule: str, **kw):
        config = tmp_path / "config"
        shutil.copytree(CONFIG_DIR, config)
        path = config / "lime-market.yaml"
        path.write_text(path.read_text().replace("checkout:\n", f"checkout:\n  auto_pick: {rule}\n", 1))
        app = make_app(config_dir=config)
        return Shopper(app, app.test_client(), card_system, **kw)

    return make


def test_cards_that_cover_the_order_are_picked_together_and_the_page_says_why(shop, card_system):
    cards = cards_of(card_system, "lime-market")
    rich, poor = cards[50000]["card_number"][-4:], cards[3650]["card_number"][-4:]
    shopper = shop(amount=60000)  # more than either card: both, and the rest in the app
    assert sorted(ticked(shopper)) == sorted([rich, poor])
    assert split_rows(shopper)[0] == f"尾号 {rich} 的卡支付 ¥500.00"  # expires first: used first
    assert split_rows(shopper)[1].startswith(f"尾号 {poor} 的卡支付 ¥36.50")
    assert split_rows(shopper)[2] == "剩余在 App 内用其他方式支付 ¥63.50"
    assert "已为你选好卡：先用快到期的卡" in text_of(shopper.page)


def test_one_card_that_covers_the_order_is_picked_alone(shop, card_system):
    rich = cards_of(card_system, "lime-market")[50000]["card_number"][-4:]
    shopper = shop(amount=12800)
    assert ticked(shopper) == [rich] and split_rows(shopper) == [f"尾号 {rich} 的卡支付 ¥128.00"]


def test_smallest_first_uses_up_the_small_card(shop_with_rule, card_system):
    cards = cards_of(card_system, "lime-market")
    rich, poor = cards[50000]["card_number"][-4:], cards[3650]["card_number"][-4:]
    shopper = shop_with_rule("smallest_first", amount=12800)
    assert [row.split(" 先用")[0] for row in split_rows(shopper)] == [
        f"尾号 {poor} 的卡支付 ¥36.50",
        f"尾号 {rich} 的卡支付 ¥91.50",
    ]
    assert "先用余额少的卡" in text_of(shopper.page)
    post_form(shopper, "pay", [cards[3650], cards[50000]])
    paid = {p["card_id"]: p["amount"] for p in shopper.payments()}
    assert paid == {cards[3650]["card_id"]: 3650, cards[50000]["card_id"]: 9150}


def test_rule_none_leaves_the_choice_to_the_shopper(shop_with_rule):
    shopper = shop_with_rule("none", amount=12800)
    assert ticked(shopper) == [] and "已为你选好卡" not in text_of(shopper.page)
    assert re.search(
        r'<button type="submit" class="button block pay-button"\s+disabled', shopper.page.get_data(as_text=True)
    )


def test_use_first_changes_the_order_the_cards_pay_in_and_pay_keeps_it(shop, card_system):
    cards = cards_of(card_system, "peach-bakery")
    poor = cards[3650]["card_number"][-4:]
    shopper = shop(merchant="peach-bakery", amount=52000)
    both = [cards[50000], cards[3650]]
    moved = post_form(shopper, "preview", both, first=cards[3650])
    assert moved.status_code == 200
    assert split_rows(shopper)[0] == f"尾号 {poor} 的卡支付 ¥36.50"
    assert re.search(rf'<li id="leg-[^"]+" tabindex="-1" autofocus><span>尾号 {poor} ', moved.get_data(as_text=True))
    assert "已为你选好卡" not in text_of(moved)  # the shopper's own order now
    post_form(shopper, "pay", both)
    paid = {p["card_id"]: p["amount"] for p in shopper.payments()}
    assert paid == {cards[3650]["card_id"]: 3650, cards[50000]["card_id"]: 48350}


def test_enter_in_the_form_presses_pay_not_use_first(shop, card_system):
    shopper = shop(amount=60000)  # two cards: the second has a "use first" button
    html = re.sub(r"<noscript>.*?</noscript>", "", shopper.page.get_data(as_text=True), flags=re.S)  # JS on
    form = html[html.index('<form id="checkout-form"') : html.index("</form>")]
    assert "先用这张" in form
    first_submit = re.search(r'<button type="submit"[^>]*>', form).group(0)  # the form's default button
    assert "pay-button" in first_submit


def test_a_ticked_card_the_order_does_not_need_is_explained_not_charged_zero(shop, card_system):
    cards = cards_of(card_system, "lime-market")
    poor = cards[3650]["card_number"][-4:]
    shopper = shop(amount=12800)
    post_form(shopper, "preview", [cards[50000], cards[3650]])
    rows = split_rows(shopper)
    assert rows[1].startswith(f"尾号 {poor} 的卡：不需要，前面的卡已够支付") and "¥0.00" not in text_of(shopper.page)
    post_form(shopper, "pay", [cards[50000], cards[3650]])
    assert [(p["card_id"], p["amount"]) for p in shopper.payments()] == [(cards[50000]["card_id"], 12800)]


def test_ticking_cards_asks_no_card_system_and_paying_confirms_only_the_paying_cards(shop, card_system):
    cards = cards_of(card_system, "lime-market")
    shopper = shop(amount=12800)
    add_fault(card_system, system="lime", op="*", mode="latency", delay_ms=0, count=1000)  # counts lime's calls
    for picked in ([cards[3650]], [cards[50000], cards[3650]], [cards[50000]]):
        assert post_form(shopper, "preview", picked).status_code == 200
    assert calls_left(card_system, "lime") == 1000  # the split came from the balances the page showed
    assert split_rows(shopper)[0].endswith("¥128.00")
    post_form(shopper, "pay", [cards[50000]])
    assert 1000 - calls_left(card_system, "lime") == 2  # the paying card's balance once, then the payment
    assert "支付成功" in text_of(shopper.result())


def test_a_balance_that_dropped_since_the_page_is_refused_before_any_money_moves(shop, app, card_system):
    cards = cards_of(card_system, "lime-market")
    rich = cards[50000]
    shopper = shop(amount=12800)  # the page shows ¥500.00 and splits ¥128.00 on it
    other = Shopper(app, app.test_client(), card_system, amount=45000)  # meanwhile the card pays ¥450.00 elsewhere
    post_form(other, "pay", [rich], **{f"pin-{other.handle(rich['card_id'])}": rich["secret"]})
    assert [p["status"] for p in other.payments()] == ["SUCCEEDED"]
    refused = post_form(shopper, "pay", [rich])
    assert refused.status_code == 422
    assert f"尾号 {rich['card_number'][-4:]} 的卡余额现在是 ¥50.00，支付明细已更新" in text_of(refused)
    assert shopper.payments() == []  # nothing charged, and not silently a smaller amount
    html = refused.get_data(as_text=True)
    split = html.index('class="split"')
    assert split < html.index('id="checkout-problem"') < html.index('class="split-list"')  # at the split
    assert re.search(r'id="checkout-problem"[^>]*autofocus', html) and html.count("autofocus") == 1
    assert split_rows(shopper) == [
        f"尾号 {rich['card_number'][-4:]} 的卡支付 ¥50.00",
        "剩余在 App 内用其他方式支付 ¥78.00",
    ]
    post_form(shopper, "pay", [rich])  # the shopper saw the new split and pays it
    assert [(p["amount"], p["status"]) for p in shopper.payments()] == [(5000, "SUCCEEDED")]


def test_the_amount_to_pay_is_the_heading_and_the_pay_button_sits_in_the_pay_bar(shop):
    html = shop(amount=12800).page.get_data(as_text=True)
    [heading] = re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert re.sub(r"<[^>]+>|\s+", "", heading) == "订单金额¥128.00"
    bar = html[html.index('class="paybar"') :]
    assert "确认支付 ¥128.00" in bar


def test_a_missing_pin_is_asked_at_the_pin_with_the_focus_there_not_in_a_banner(shop, card_system):
    card = cards_of(card_system, "lime-market")[50000]
    shopper = shop(amount=25000)  # lime asks for the PIN above ¥200.00
    missing = post_form(shopper, "pay", [card])
    html = missing.get_data(as_text=True)
    assert missing.status_code == 422
    assert html.count("autofocus") == 1 and re.search(r'name="pin-[^"]+"[^>]*autofocus', html)
    assert 'role="alert"' not in html[: html.index('class="pick"')]  # no longer a banner at the top


def test_aria_describedby_points_only_at_elements_on_the_page(shop, card_system):
    card = cards_of(card_system, "lime-market")[50000]
    shopper = shop(amount=25000)
    pages = [shopper.page.get_data(as_text=True), post_form(shopper, "pay", [card]).get_data(as_text=True)]
    for html in pages:
        ids = set(re.findall(r'\bid="([^"]+)"', html))
        for refs in re.findall(r'aria-describedby="([^"]*)"', html):
            assert set(refs.split()) <= ids, refs


def test_an_htmx_preview_announces_the_split_in_the_one_live_region(shop, card_system):
    cards = cards_of(card_system, "lime-market")
    shopper = shop(amount=60000)
    page = shopper.page.get_data(as_text=True)
    assert page.count("aria-live") == 1 and 'id="checkout-announce"' in page
    html = shopper.page.get_data(as_text=True)
    data = {
        "csrf_token": shopper.csrf(),
        "attempt": shopper.attempt(),
        "card": [shopper.handle(cards[3650]["card_id"])],
        "order": re.findall(r'name="order" value="([^"]+)"', html),
    }
    swap = shopper.client.post(f"{shopper.path}/preview", data=data, headers={"HX-Request": "true"})
    fragment = swap.get_data(as_text=True)
    assert "aria-live" not in fragment  # the region stays; only its text is replaced (out of band)
    announce = re.search(r'<p id="checkout-announce" hx-swap-oob="innerHTML">(.*?)</p>', fragment, re.S)
    assert announce and "¥36.50" in announce.group(1) and "¥563.50" in announce.group(1)


def test_cards_that_cannot_pay_are_listed_below_the_ones_that_can(shop):
    """Frozen, expired and unavailable cards sit apart, under the usable ones, not between them."""
    html = shop(amount=12800).page.get_data(as_text=True)
    rows = re.findall(r'<label class="pick-card( disabled)?"', html)
    assert " disabled" in rows and "" in rows  # lime-market's shopper has both kinds
    assert rows == sorted(rows), rows  # every usable row ("") before every disabled one
