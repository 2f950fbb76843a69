"""PIN entry at checkout: boxes sized by config, and a wrong PIN asked again at its card with the tries left."""

from __future__ import annotations

import re

import pytest
import yaml
from kabao_testing import text_of
from paycode_testing import Terminal, transaction
from test_checkout import Shopper, cards_of
from test_paycode_page import shown_code, since_of


@pytest.fixture
def shop(app, client, card_system):
    return lambda **kw: Shopper(app, client, card_system, **kw)


def pin_input(html: str, handle: str) -> str:
    """The PIN field of one card, as the page sends it."""
    found = re.findall(rf'<input id="pin-{re.escape(handle)}"[^>]*>', html)
    assert len(found) == 1, f"{len(found)} PIN fields for {handle}"
    return found[0]


def attr(tag: str, name: str) -> str | None:
    found = re.search(rf'\s{name}(?:="([^"]*)")?', tag)
    return None if found is None else (found.group(1) or "")


def described_by(html: str, tag: str) -> str:
    """The text a screen reader adds to the field's name: what its aria-describedby points at."""
    texts = []
    for ref in attr(tag, "aria-describedby").split():
        found = re.search(rf'id="{re.escape(ref)}"[^>]*>([^<]*)<', html)
        assert found, f"aria-describedby points at {ref}, which is not on the page"
        texts.append(found.group(1))
    return " ".join(texts)


def wrong(card: dict) -> str:
    return "000000" if card["secret"] != "000000" else "111111"


def paid(shopper: Shopper) -> list[dict]:
    return [p for p in shopper.payments() if p["status"] == "SUCCEEDED"]


def test_the_pin_is_one_field_read_as_its_card_and_length(shop, card_system):
    card = cards_of(card_system, "harbor-books")[50000]
    shopper = shop(merchant="harbor-books")  # PIN always
    html = shopper.page.get_data(as_text=True)
    field = pin_input(html, shopper.handle(card["card_id"]))
    assert attr(field, "type") == "password" and attr(field, "inputmode") == "numeric"
    assert attr(field, "maxlength") == "6" and attr(field, "autocomplete") == "off"
    assert f'<label for="{attr(field, "id")}">尾号 {card["card_number"][-4:]} 的卡的支付密码</label>' in html
    assert described_by(html, field) == "6 位数字"
    assert 'class="pin-boxes" data-length="6"' in html
    assert attr(field, "aria-invalid") is None and attr(field, "autofocus") is None


def test_the_boxes_follow_the_configured_pin_length(make_app, config, card_system):
    path = config / "lime-market.yaml"
    path.write_text(path.read_text().replace("secret: {length: 6, digits_only: true}", "secret: {length: 8}"))
    app = make_app(config_dir=config)
    shopper = Shopper(app, app.test_client(), card_system, amount=30000)  # above lime's PIN amount
    card = cards_of(card_system, "lime-market")[50000]
    html = shopper.page.get_data(as_text=True)
    field = pin_input(html, shopper.handle(card["card_id"]))
    assert attr(field, "maxlength") == "8" and 'data-length="8"' in html
    assert described_by(html, field) == "8 位数字"


def test_a_wrong_pin_asks_again_at_that_card_keeping_the_choice(shop, card_system):
    card = cards_of(card_system, "harbor-books")[50000]
    shopper = shop(merchant="harbor-books")
    handle = shopper.handle(card["card_id"])
    answer = shopper.pay([card["card_id"]], pins={card["card_id"]: wrong(card)})

    assert answer.status_code == 422  # the checkout form again, not the result page
    html, page = answer.get_data(as_text=True), text_of(answer)
    assert "支付失败" not in page and "上次支付未成功" not in page
    assert re.search(rf'value="{re.escape(handle)}" checked', html), "the card picked is no longer picked"
    field = pin_input(html, handle)
    assert attr(field, "aria-invalid") == "true" and attr(field, "autofocus") == ""
    assert "支付密码不正确，还可以再试 4 次" in described_by(html, field)
    assert wrong(card) not in html and attr(field, "value") is None
    assert paid(shopper) == [] and cards_of(card_system, "harbor-books")[50000]["card_id"] == card["card_id"]

    shopper.page = answer  # the shopper types the right PIN in the form they were given back
    done = shopper.pay([card["card_id"]], pins={card["card_id"]: card["secret"]})
    assert done.status_code == 303 and "支付成功" in text_of(shopper.result())
    assert [(p["card_id"], p["amount"]) for p in paid(shopper)] == [(card["card_id"], 12800)]


def test_wrong_pins_count_down_then_the_card_locks_with_the_support_route(shop, card_system):
    card = cards_of(card_system, "harbor-books")[50000]
    shopper = shop(merchant="harbor-books")  # 5 wrong PINs per card; the card system locks at 5 too
    said = []
    for _ in range(5):
        shopper.page = shopper.pay([card["card_id"]], pins={card["card_id"]: wrong(card)})
        assert shopper.page.status_code == 422
        html = shopper.page.get_data(as_text=True)
        said.append(described_by(html, pin_input(html, shopper.handle(card["card_id"]))).removeprefix("6 位数字 "))
    assert said == [
        "支付密码不正确，还可以再试 4 次",
        "支付密码不正确，还可以再试 3 次",
        "支付密码不正确，还可以再试 2 次",
        "支付密码不正确，还可以再试 1 次，再错卡将暂时锁定",
        f"尾号 {card['card_number'][-4:]} 的卡支付密码已被发卡商户锁定，请联系客服解锁",
    ]
    sent = len(shopper.payments())
    shopper.page = shopper.pay([card["card_id"]], pins={card["card_id"]: card["secret"]})
    html = shopper.page.get_data(as_text=True)
    assert "密码错误次数过多，已暂时锁定，请 15 分钟后再试" in described_by(
        html, pin_input(html, shopper.handle(card["card_id"]))
    )
    assert len(shopper.payments()) == sent and paid(shopper) == []  # the sixth never reached the card system
    assert '<a class="pin-forgot" href="tel:400-600-8888">忘记支付密码？请致电客服 400-600-8888</a>' in html


def test_a_wrong_pin_on_the_second_card_gives_the_first_back_and_asks_again(shop, card_system):
    cards = cards_of(card_system, "harbor-books")
    rich, poor = cards[50000], cards[3650]
    shopper = shop(merchant="harbor-books", amount=52000)
    answer = shopper.pay(
        [rich["card_id"], poor["card_id"]], pins={rich["card_id"]: rich["secret"], poor["card_id"]: wrong(poor)}
    )

    assert answer.status_code == 422
    html, page = answer.get_data(as_text=True), text_of(answer)
    assert f"已退回 ¥500.00 到尾号 {rich['card_number'][-4:]} 的卡" in page
    for card in (rich, poor):
        assert re.search(rf'value="{re.escape(shopper.handle(card["card_id"]))}" checked', html)
    assert attr(pin_input(html, shopper.handle(rich["card_id"])), "aria-invalid") is None
    poor_field = pin_input(html, shopper.handle(poor["card_id"]))
    assert attr(poor_field, "autofocus") == "" and "支付密码不正确" in described_by(html, poor_field)
    statuses = {p["card_id"]: p["status"] for p in shopper.payments()}
    assert statuses.get(rich["card_id"]) == "REVERSED" and statuses.get(poor["card_id"]) != "SUCCEEDED"
    after = cards_of(card_system, "harbor-books")
    assert after[50000]["card_id"] == rich["card_id"] and after[3650]["card_id"] == poor["card_id"]
    shopper.assert_ledger_agrees()

    shopper.page = answer
    shopper.pay(
        [rich["card_id"], poor["card_id"]], pins={rich["card_id"]: rich["secret"], poor["card_id"]: poor["secret"]}
    )
    assert "支付成功" in text_of(shopper.result())
    assert sorted(p["amount"] for p in paid(shopper)) == [2000, 50000]  # each card charged once


def test_a_missing_pin_is_asked_for_at_its_card(shop, card_system):
    card = cards_of(card_system, "harbor-books")[50000]
    shopper = shop(merchant="harbor-books")
    answer = shopper.pay([card["card_id"]], pins={card["card_id"]: "12"})
    html = answer.get_data(as_text=True)
    field = pin_input(html, shopper.handle(card["card_id"]))
    assert answer.status_code == 422 and attr(field, "autofocus") == ""
    assert f"请输入尾号 {card['card_number'][-4:]} 的卡的 6 位支付密码" in described_by(html, field)
    assert 'role="alert"' not in html  # not a notice at the top, away from the field
    assert shopper.payments() == []


def test_forgot_pin_leads_to_the_merchants_configured_support_page(make_app, config, card_system):
    path = config / "harbor-books.yaml"
    merchant = yaml.safe_load(path.read_text())
    merchant["support"]["forgot_pin_url"] = "https://example.com/harbor/reset-pin"
    path.write_text(yaml.safe_dump(merchant, allow_unicode=True))
    app = make_app(config_dir=config)
    shopper = Shopper(app, app.test_client(), card_system, merchant="harbor-books")
    html = shopper.page.get_data(as_text=True)
    assert '<a class="pin-forgot" href="https://example.com/harbor/reset-pin" rel="noopener">忘记支付密码？</a>' in html


def test_with_htmx_the_wrong_pin_comes_back_as_the_form_with_the_focus_at_that_pin(shop, card_system):
    card = cards_of(card_system, "harbor-books")[50000]
    shopper = shop(merchant="harbor-books")
    shopper.client.environ_base["HTTP_HX_REQUEST"] = "true"
    answer = shopper.pay([card["card_id"]], pins={card["card_id"]: wrong(card)})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "HX-Redirect" not in answer.headers  # swapped in place (htmx-config)
    assert html.lstrip().startswith('<form id="checkout-form"')
    assert attr(pin_input(html, shopper.handle(card["card_id"])), "autofocus") == ""  # htmx focuses it after the swap


def test_the_pay_code_asks_for_the_pin_in_the_same_boxes(app, launch, client, card_system):
    launch()
    html = client.get("/paycode").get_data(as_text=True)
    transaction(Terminal(app.test_client(), card_system).redeem(shown_code(html), 25000, "tx-boxes"))
    asked = client.get(f"/paycode/result?since={since_of(html)}", headers={"HX-Request": "true"})
    form = asked.get_data(as_text=True)
    field = re.search(r'<input id="paycode-pin"[^>]*>', form).group(0)
    assert attr(field, "name") == "pin" and attr(field, "inputmode") == "numeric" and attr(field, "maxlength") == "6"
    assert 'data-length="6"' in form and described_by(form, field) == "6 位数字"
    assert '<a class="pin-forgot" href="tel:400-820-1234">忘记支付密码？请致电客服 400-820-1234</a>' in form


def test_a_card_with_no_tries_left_says_so_at_its_pin_before_any_typing(app, shop, card_system):
    card = cards_of(card_system, "harbor-books")[50000]
    guard = app.extensions["kabao"].guard
    limits = app.extensions["kabao"].registry.get("harbor-books").config.limits.wrong_secret
    for _ in range(limits.per_card.attempts):  # wrong tries used up, e.g. at the pay code
        assert guard.reserve(limits, "harbor-books", "u1001", f"card:{card['card_id']}") is not None
    shopper = shop(merchant="harbor-books")
    html = shopper.page.get_data(as_text=True)
    field = pin_input(html, shopper.handle(card["card_id"]))
    assert f"尾号 {card['card_number'][-4:]} 的卡支付密码错误次数过多，已暂时锁定" in described_by(html, field)
    assert attr(field, "autofocus") is None  # shown on arrival: the focus stays where the shopper is
    assert "忘记支付密码？请致电客服 400-600-8888" in html
    answer = shopper.pay([card["card_id"]], pins={card["card_id"]: card["secret"]})
    assert answer.status_code == 422 and shopper.payments() == []  # refused before the card system is asked
