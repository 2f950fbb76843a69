"""The shopper's pay code page: server-drawn codes, the card it pays from, rotation, and the till's result."""

from __future__ import annotations

import logging
import re

import pytest
from kabao_testing import mint_launch_token, sandbox_cards, sandbox_payments, text_of, wallet_handle
from paycode_testing import Terminal, lime_card, transaction

HX = {"HX-Request": "true"}


def shown_code(html: str) -> str:
    return re.search(r'class="digits digits-full">([\d ]+)<', html).group(1).replace(" ", "")


def since_of(html: str) -> str:
    return re.search(r"/paycode/result\?since=([\d.]+)", html).group(1)


@pytest.fixture
def opened(launch, client):
    launch()
    return client


def test_the_page_draws_a_qr_and_a_barcode_and_masks_the_digits(opened):
    page = opened.get("/paycode")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    code = shown_code(html)
    assert len(code) == 18 and code.startswith("66")
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'class="qr"' in html and 'class="barcode"' in html
    assert f"{code[:4]} •••• •••• ••{code[-4:]}" in html  # shown masked, the whole digits behind a tap
    assert "<script>" not in html  # nothing inline: the CSP holds


def test_the_default_card_is_the_usable_one_that_expires_first_and_the_shopper_can_switch(opened, card_system):
    cards = {c["balance"]: c for c in sandbox_cards(card_system, "lime", user_id="u1001")}
    page = text_of(opened.get("/paycode"))
    assert f"尾号 {cards[3650]['card_number'][-4:]}" not in page.split("更换付款卡")[0]  # never expires: last
    assert f"尾号 {cards[50000]['card_number'][-4:]}" in page.split("更换付款卡")[0]
    other = wallet_handle(opened, cards[3650]["card_number"][-4:])
    switched = text_of(opened.get(f"/paycode?card={other}"))
    assert f"尾号 {cards[3650]['card_number'][-4:]}" in switched.split("更换付款卡")[0]
    frozen = wallet_handle(opened, cards[12800]["card_number"][-4:])
    assert f"尾号 {cards[12800]['card_number'][-4:]}" not in text_of(opened.get(f"/paycode?card={frozen}"))


def test_rotation_gives_a_new_code_and_the_old_one_is_refused_at_the_till(app, opened, card_system):
    html = opened.get("/paycode").get_data(as_text=True)
    old = shown_code(html)
    rotate = re.search(r'hx-get="(/paycode/code\?[^"]+)"', html).group(1).replace("&amp;", "&")
    new = shown_code(opened.get(rotate, headers=HX).get_data(as_text=True))
    assert new != old
    till = Terminal(app.test_client(), card_system)
    refused = transaction(till.redeem(old, 500))
    assert (refused["status"], refused["reason"]) == ("FAILED", "CODE_EXPIRED")
    assert transaction(till.redeem(new, 500))["status"] == "SUCCEEDED"


def test_the_page_learns_of_the_payment_and_shows_amount_store_and_balance(app, opened, card_system):
    html = opened.get("/paycode").get_data(as_text=True)
    watch = f"/paycode/result?since={since_of(html)}"
    assert opened.get(watch, headers=HX).status_code == 204  # nothing yet: htmx swaps nothing
    transaction(Terminal(app.test_client(), card_system).redeem(shown_code(html), 1880, "tx-seen"))
    shown = text_of(opened.get(watch, headers=HX))
    assert "支付成功" in shown and "¥18.80" in shown and "青柠超市浦东店" in shown
    assert "卡内余额 ¥481.20" in shown


def test_above_the_pin_amount_the_shopper_confirms_with_the_pin_and_the_till_sees_it(app, opened, card_system):
    card = lime_card(card_system)
    html = opened.get("/paycode").get_data(as_text=True)
    till = Terminal(app.test_client(), card_system)
    waiting = transaction(till.redeem(shown_code(html), 25000, "tx-big"))
    assert waiting["status"] == "PROCESSING" and waiting["waiting_for"] == "PIN"
    asked = opened.get(f"/paycode/result?since={since_of(html)}", headers=HX).get_data(as_text=True)
    assert "请输入支付密码" in text_of_html(asked) and "¥250.00" in text_of_html(asked)
    token = re.search(r'name="csrf_token" value="([^"]+)"', asked).group(1)
    done = opened.post(
        "/paycode/payments/T1/tx-big/pin", data={"csrf_token": token, "pin": card["secret"], "action": "confirm"}
    )
    assert done.status_code == 303
    assert "支付成功" in text_of(opened.get(done.headers["Location"]))
    assert transaction(till.query("tx-big"))["status"] == "SUCCEEDED"
    assert [p["amount"] for p in sandbox_payments(card_system, "lime") if p["order_id"] == "pos:T1:tx-big"] == [25000]


def test_the_shopper_can_refuse_a_payment_waiting_for_the_pin(app, opened, card_system):
    html = opened.get("/paycode").get_data(as_text=True)
    till = Terminal(app.test_client(), card_system)
    transaction(till.redeem(shown_code(html), 25000, "tx-no"))
    asked = opened.get(f"/paycode/result?since={since_of(html)}", headers=HX).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', asked).group(1)
    opened.post("/paycode/payments/T1/tx-no/pin", data={"csrf_token": token, "action": "cancel"})
    answer = transaction(till.query("tx-no"))
    assert (answer["status"], answer["reason"]) == ("FAILED", "SHOPPER_CANCELLED")


def test_another_shoppers_payment_is_not_found(app, client, launch, card_system):
    launch()
    html = client.get("/paycode").get_data(as_text=True)
    transaction(Terminal(app.test_client(), card_system).redeem(shown_code(html), 500, "tx-mine"))
    other = app.test_client()
    other.get(f"/launch?token={mint_launch_token(app.config['KABAO_HOST_SECRET'], 'u2002', 'lime-market')}")
    assert other.get("/paycode/payments/T1/tx-mine").status_code == 404


def test_the_pay_code_is_off_where_config_leaves_it_out(launch, client):
    launch(merchant_id="harbor-books")
    assert client.get("/paycode").status_code == 404
    assert "/paycode" not in client.get("/wallet?js=0").get_data(as_text=True)


def test_the_wallet_and_each_usable_card_lead_to_the_pay_code(opened, card_system):
    assert 'href="/paycode"' in opened.get("/wallet?js=0").get_data(as_text=True)
    card = lime_card(card_system)
    handle = wallet_handle(opened, card["card_number"][-4:])
    assert f'href="/paycode?card={handle}"' in opened.get(f"/cards/{handle}").get_data(as_text=True)


def text_of_html(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def pin_form(opened, app, card_system, txn_id: str):
    html = opened.get("/paycode").get_data(as_text=True)
    till = Terminal(app.test_client(), card_system)
    transaction(till.redeem(shown_code(html), 25000, txn_id))
    asked = opened.get(f"/paycode/result?since={since_of(html)}", headers=HX).get_data(as_text=True)
    return till, re.search(r'name="csrf_token" value="([^"]+)"', asked).group(1)


def test_a_wrong_pin_is_asked_again_and_counts_as_a_wrong_try(app, opened, card_system):
    card = lime_card(card_system)
    till, token = pin_form(opened, app, card_system, "tx-wrong")
    wrong = "000000" if card["secret"] != "000000" else "111111"
    done = opened.post("/paycode/payments/T1/tx-wrong/pin", data={"csrf_token": token, "pin": wrong})
    assert "支付密码不正确" in text_of(opened.get(done.headers["Location"]))
    answer = transaction(till.query("tx-wrong"))
    assert (answer["status"], answer["waiting_for"]) == ("PROCESSING", "PIN")  # asked again: see test_paycode_pin_again
    guard = app.extensions["kabao"].guard
    limits = app.extensions["kabao"].registry.get("lime-market").config.limits.wrong_secret
    for _ in range(limits.per_card.attempts - 1):  # the wrong try was kept: one fewer is left
        assert guard.reserve(limits, "lime-market", "u1001", f"card:{card['card_id']}") is not None
    assert guard.blocked(limits, "lime-market", "u1001", f"card:{card['card_id']}")


def test_a_pin_of_the_wrong_shape_is_refused_on_the_phone_and_the_till_keeps_waiting(app, opened, card_system):
    till, token = pin_form(opened, app, card_system, "tx-shape")
    asked = opened.post("/paycode/payments/T1/tx-shape/pin", data={"csrf_token": token, "pin": "12"})
    assert asked.status_code == 422  # said at the boxes, with the focus there: not a notice at the top
    field = re.search(r'<input id="paycode-pin"[^>]*>', asked.text).group(0)
    assert "autofocus" in field and 'aria-invalid="true"' in field
    assert '<p id="paycode-pin-error" class="field-error">请输入尾号' in asked.text
    assert transaction(till.query("tx-shape"))["waiting_for"] == "PIN"


def test_pay_codes_and_pins_never_reach_the_logs_or_the_store(app, opened, card_system, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    card = lime_card(card_system)
    till = Terminal(app.test_client(), card_system)
    codes = []
    for txn_id, amount in (("tx-log-1", 500), ("tx-log-2", 25000)):
        html = opened.get("/paycode").get_data(as_text=True)
        codes.append(shown_code(html))
        transaction(till.redeem(codes[-1], amount, txn_id))
        transaction(till.redeem(codes[-1], amount, f"{txn_id}-again"))  # refused: used
    asked = opened.get("/paycode/payments/T1/tx-log-2").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', asked).group(1)
    opened.post("/paycode/payments/T1/tx-log-2/pin", data={"csrf_token": token, "pin": card["secret"]})
    logged = caplog.text
    assert not [c for c in codes if c in logged] and card["secret"] not in logged
    assert caplog.records  # the flows did log (e.g. the refused codes)
    store = b"".join(path.read_bytes() for path in tmp_path.glob("store.sqlite3*"))  # with its WAL
    assert b"paycode:" in store and not [c for c in codes if c.encode() in store]
