"""Checkout over the real sandbox: splits, declines, reversals, pending, and never two charges."""

from __future__ import annotations

import re
import threading
import uuid

import pytest
from itsdangerous import URLSafeTimedSerializer
from kabao_testing import (
    add_fault,
    checkout_handle,
    mint_checkout_token,
    sandbox_cards,
    sandbox_payments,
    text_of,
    wait_for,
)

SYSTEM = {
    "lime-market": "lime",
    "harbor-books": "harbor",
    "peach-bakery": "peach",
    "olive-fresh": "olive",
    "maple-cinema": "maple",
    "birch-tea": "birch",
    "cedar-noodles": "cedar",
    "aspen-fitness": "aspen",
    "willow-mall": "willow",
    "jade-pharmacy": "jade",
}


def cards_of(sandbox, merchant, user_id="u1001"):
    cards = sandbox_cards(sandbox, SYSTEM[merchant], user_id=user_id)
    return {c["balance"]: c for c in cards}  # seed balances are distinct: 50000, 3650, 12800, 2000


class Shopper:
    """A shopper in the test client who opened a checkout from the host app."""

    def __init__(self, app, client, sandbox, merchant="lime-market", amount=12800, user_id="u1001"):
        self.app, self.client, self.sandbox, self.merchant = app, client, sandbox, merchant
        self.order_id = f"T-{uuid.uuid4().hex[:10]}"
        token = mint_checkout_token(
            app.config["KABAO_HOST_SECRET"], user_id, merchant, self.order_id, amount, f"{sandbox.url}/sim/return"
        )
        response = client.get(f"/checkout?token={token}")
        assert response.status_code == 303, response.get_data(as_text=True)
        self.path = response.headers["Location"]
        self.page = client.get(f"{self.path}?js=0")  # the complete render: the form with its balances

    def csrf(self) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', self.page.get_data(as_text=True)).group(1)

    def attempt(self) -> str:
        return re.search(r'name="attempt" value="(\d+)"', self.page.get_data(as_text=True)).group(1)

    def handle(self, card_id: str) -> str:
        """The checkout page's name for a sandbox card, found by the last four digits the page shows.

        A card the page doesn't show is sent by its raw id, as someone tampering with the form would."""
        numbers = {c["card_id"]: c["card_number"] for c in sandbox_cards(self.sandbox, SYSTEM[self.merchant])}
        html = self.page.get_data(as_text=True)
        if card_id not in numbers or f"···· {numbers[card_id][-4:]}<" not in html:
            return card_id
        return checkout_handle(html, numbers[card_id][-4:])

    def pay(self, card_ids, pins=None, attempt=None):
        handles = {cid: self.handle(cid) for cid in {*card_ids, *(pins or {})}}
        data = {"csrf_token": self.csrf(), "attempt": attempt or self.attempt(), "card": [handles[c] for c in card_ids]}
        data.update({f"pin-{handles[cid]}": pin for cid, pin in (pins or {}).items()})
        return self.client.post(f"{self.path}/pay", data=data)

    def result(self):
        return self.client.get(f"{self.path}/result")

    def payments(self):
        return [p for p in sandbox_payments(self.sandbox, SYSTEM[self.merchant]) if p["order_id"] == self.order_id]

    def assert_ledger_agrees(self):
        """What the ledger says of every leg is what the card system recorded."""
        ledger = self.app.extensions["kabao"].ledger
        checkout = ledger.checkout_by_order(self.merchant, self.order_id)
        recorded = {p["payment_id"]: (p["status"], p["amount"]) for p in self.payments()}
        for leg in ledger.legs(checkout.checkout_id):
            expected = recorded.get(leg.payment_id)
            if leg.status.value in ("FAILED", "NOT_FOUND") and expected is None:
                continue  # declined before the card system recorded anything, never sent, or never seen
            if leg.status.value == "PENDING":
                continue  # not known yet: the ledger claims nothing
            assert expected == (leg.status.value, leg.amount), leg
        assert len(recorded) <= len(ledger.legs(checkout.checkout_id))


@pytest.fixture
def shop(app, client, card_system):
    return lambda **kw: Shopper(app, client, card_system, **kw)


def test_checkout_page_lists_cards_with_reasons_for_the_unusable_ones(shop):
    page = text_of(shop().page)
    assert "¥128.00" in page and "选择支付的卡（最多 2 张）" in page
    assert "已冻结，不能支付" in page and "已过期，不能支付" in page
    assert "余额 ¥500.00" in page


def test_pay_with_one_card(shop, card_system):
    shopper = shop()
    card = cards_of(card_system, "lime-market")[50000]
    response = shopper.pay([card["card_id"]])
    assert response.status_code == 303 and response.headers["Location"].endswith("/result")
    page = text_of(shopper.result())
    assert "支付成功" in page and "尾号 " + card["card_number"][-4:] + " 的卡已支付" in page
    [payment] = shopper.payments()
    assert (payment["status"], payment["amount"], payment["card_id"]) == ("SUCCEEDED", 12800, card["card_id"])
    assert cards_of(card_system, "lime-market")[50000 - 12800]["card_id"] == card["card_id"]
    shopper.assert_ledger_agrees()


def test_pay_with_two_cards_splits_in_the_order_shown(shop, card_system):
    cards = cards_of(card_system, "peach-bakery")
    shopper = shop(merchant="peach-bakery", amount=52000)
    shopper.pay([cards[3650]["card_id"], cards[50000]["card_id"]])
    paid = {p["card_id"]: p["amount"] for p in shopper.payments()}
    assert paid == {cards[50000]["card_id"]: 50000, cards[3650]["card_id"]: 2000}  # the ¥500 card is shown first
    assert "支付成功" in text_of(shopper.result())


def test_remainder_goes_to_the_app_when_the_merchant_allows_it(shop, card_system, client):
    card = cards_of(card_system, "lime-market")[3650]
    shopper = shop(amount=10000)
    shopper.pay([card["card_id"]])
    page = text_of(shopper.result())
    assert "卡已支付部分金额" in page and "请返回 App 支付剩余的 ¥63.50" in page
    back = client.get(f"{shopper.path}/return")
    result = URLSafeTimedSerializer(shopper.app.config["KABAO_HOST_SECRET"], salt="kabao.checkout-result").loads(
        back.headers["Location"].split("kabao_result=")[1]
    )
    assert (result["status"], result["paid_by_cards"], result["remainder"]) == ("PARTLY_PAID", 3650, 6350)


def test_without_remainder_cards_must_cover_the_total(shop, card_system):
    card = cards_of(card_system, "peach-bakery")[3650]
    shopper = shop(merchant="peach-bakery", amount=10000)
    response = shopper.pay([card["card_id"]])
    assert response.status_code == 422 and "余额不足以支付全部金额" in text_of(response)
    assert shopper.payments() == []


def test_insufficient_balance_fails_with_the_reason_and_lets_the_shopper_choose_again(shop, card_system):
    card = cards_of(card_system, "lime-market")[50000]
    add_fault(card_system, system="lime", op="pay", mode="decline_insufficient")
    shopper = shop()
    shopper.pay([card["card_id"]])
    page = text_of(shopper.result())
    assert "支付失败" in page and "卡内余额不足" in page and "重新选择支付方式" in page
    again = text_of(shopper.client.get(shopper.path))
    assert "上次支付未成功：卡内余额不足" in again
    shopper.assert_ledger_agrees()


def test_a_decline_on_the_second_card_reverses_the_first(shop, card_system):
    cards = cards_of(card_system, "peach-bakery")
    add_fault(card_system, system="peach", op="pay", card_id=cards[3650]["card_id"], mode="decline_insufficient")
    shopper = shop(merchant="peach-bakery", amount=52000)
    shopper.pay([cards[50000]["card_id"], cards[3650]["card_id"]])
    page = text_of(shopper.result())
    assert "支付失败" in page and "卡内余额不足" in page
    assert f"已退回 ¥500.00 到尾号 {cards[50000]['card_number'][-4:]} 的卡" in page
    statuses = {p["card_id"]: p["status"] for p in shopper.payments()}
    assert statuses == {cards[50000]["card_id"]: "REVERSED", cards[3650]["card_id"]: "FAILED"}
    after = cards_of(card_system, "peach-bakery")
    assert after[50000]["card_id"] == cards[50000]["card_id"] and after[3650]["card_id"] == cards[3650]["card_id"]
    shopper.assert_ledger_agrees()


def test_wrong_pin_fails_and_charges_nothing(shop, card_system):
    card = cards_of(card_system, "harbor-books")[50000]
    shopper = shop(merchant="harbor-books")  # PIN always
    missing = shopper.pay([card["card_id"]])
    assert missing.status_code == 422 and "位支付密码" in text_of(missing)
    wrong = "000000" if card["secret"] != "000000" else "111111"
    shopper.pay([card["card_id"]], pins={card["card_id"]: wrong})
    assert "支付密码不正确" in text_of(shopper.result())
    assert shopper.payments() == []
    assert wrong not in shopper.result().get_data(as_text=True)
    shopper.assert_ledger_agrees()


def test_right_pin_pays(shop, card_system):
    card = cards_of(card_system, "harbor-books")[50000]
    shopper = shop(merchant="harbor-books")
    shopper.pay([card["card_id"]], pins={card["card_id"]: card["secret"]})
    assert "支付成功" in text_of(shopper.result())


def test_a_double_tap_and_a_reload_charge_once(shop, card_system):
    card = cards_of(card_system, "lime-market")[50000]
    shopper = shop()
    first, second = shopper.pay([card["card_id"]]), shopper.pay([card["card_id"]])
    assert first.status_code == second.status_code == 303
    assert len(shopper.payments()) == 1
    assert cards_of(card_system, "lime-market")[50000 - 12800]
    shopper.assert_ledger_agrees()


def test_concurrent_pays_from_two_bff_processes_charge_once(make_app, card_system):
    first, second = make_app(), make_app()  # two apps sharing one ledger and store file
    client = first.test_client()
    shopper = Shopper(first, client, card_system)
    card = cards_of(card_system, "lime-market")[50000]
    other = second.test_client()
    with client.session_transaction() as s:
        cookie = dict(s)
    with other.session_transaction() as s:
        s.update(cookie)
    data = {"csrf_token": shopper.csrf(), "attempt": shopper.attempt(), "card": [shopper.handle(card["card_id"])]}
    codes = []

    def post(c):
        codes.append(c.post(f"{shopper.path}/pay", data=data).status_code)

    threads = [threading.Thread(target=post, args=(c,)) for c in (client, other, client, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [303] * 4
    assert len(shopper.payments()) == 1


def test_processing_payment_is_pending_then_resolves_on_the_result_page(shop, card_system):
    card = cards_of(card_system, "lime-market")[50000]
    add_fault(card_system, system="lime", op="pay", mode="processing", delay_ms=1500)
    shopper = shop()
    shopper.pay([card["card_id"]])
    pending = shopper.result()
    assert "正在确认支付结果" in text_of(pending) and "<h1>支付成功" not in pending.get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in pending.get_data(as_text=True)
    status = f"{shopper.path}/status"
    assert wait_for(
        lambda: "<h1>支付成功" in shopper.client.get(status, headers={"HX-Request": "true"}).get_data(as_text=True)
    )
    assert [p["status"] for p in shopper.payments()] == ["SUCCEEDED"]
    shopper.assert_ledger_agrees()


def test_a_lost_answer_is_confirmed_by_status_query_and_charged_once(shop, card_system):
    card = cards_of(card_system, "lime-market")[50000]
    add_fault(card_system, system="lime", op="pay", mode="drop_response", count=1)
    shopper = shop()
    shopper.pay([card["card_id"]])
    assert "正在确认支付结果" in text_of(shopper.result())
    status = f"{shopper.path}/status"
    assert wait_for(lambda: "<h1>支付成功" in shopper.client.get(status).get_data(as_text=True))
    assert len(shopper.payments()) == 1
    assert cards_of(card_system, "lime-market")[50000 - 12800]
    shopper.assert_ledger_agrees()


def test_return_to_the_app_carries_a_signed_result(shop, card_system, client):
    card = cards_of(card_system, "lime-market")[50000]
    shopper = shop()
    shopper.pay([card["card_id"]])
    back = client.get(f"{shopper.path}/return")
    location = back.headers["Location"]
    assert location.startswith(f"{card_system.url}/sim/return?kabao_result=")
    result = URLSafeTimedSerializer(shopper.app.config["KABAO_HOST_SECRET"], salt="kabao.checkout-result").loads(
        location.split("kabao_result=")[1], max_age=60
    )
    assert result["status"] == "PAID" and result["order_id"] == shopper.order_id and result["paid_by_cards"] == 12800


def test_leaving_without_paying_is_cancelled(shop, client):
    shopper = shop()
    back = client.get(f"{shopper.path}/return")
    result = URLSafeTimedSerializer(shopper.app.config["KABAO_HOST_SECRET"], salt="kabao.checkout-result").loads(
        back.headers["Location"].split("kabao_result=")[1]
    )
    assert result["status"] == "CANCELLED" and result["paid_by_cards"] == 0


def test_return_url_outside_the_allow_list_is_refused(app, client, card_system):
    for url in ("https://evil.example/sim/return", f"{card_system.url}/sim/returnx", f"{card_system.url}/other"):
        token = mint_checkout_token(app.config["KABAO_HOST_SECRET"], "u1001", "lime-market", "O-1", 100, url)
        assert client.get(f"/checkout?token={token}").status_code == 400


def test_the_same_order_with_another_amount_is_refused(app, client, card_system):
    url = f"{card_system.url}/sim/return"
    secret = app.config["KABAO_HOST_SECRET"]
    assert (
        client.get(
            f"/checkout?token={mint_checkout_token(secret, 'u1001', 'lime-market', 'O-9', 100, url)}"
        ).status_code
        == 303
    )
    assert (
        client.get(f"/checkout?token={mint_checkout_token(secret, 'u1001', 'lime-market', 'O-9', 1, url)}").status_code
        == 409
    )


def test_another_shoppers_checkout_is_not_found(shop, make_app, card_system):
    shopper = shop()
    from kabao_testing import mint_launch_token

    other = shopper.app.test_client()
    other.get(f"/launch?token={mint_launch_token(shopper.app.config['KABAO_HOST_SECRET'], 'u1002', 'lime-market')}")
    assert other.get(shopper.path).status_code == 404
    assert other.get(f"{shopper.path}/result").status_code == 404


def test_a_slow_card_system_is_pending_then_confirmed_once(shop, card_system):
    card = cards_of(card_system, "peach-bakery")[50000]
    add_fault(card_system, system="peach", op="pay", mode="latency", delay_ms=3000, count=1)  # read timeout 2 s
    shopper = shop(merchant="peach-bakery", amount=12800)
    shopper.pay([card["card_id"]])
    assert "正在确认支付结果" in text_of(shopper.result())
    status = f"{shopper.path}/status"
    assert wait_for(lambda: "<h1>支付成功" in shopper.client.get(status).get_data(as_text=True))
    assert [p["status"] for p in shopper.payments()] == ["SUCCEEDED"]
    shopper.assert_ledger_agrees()


def test_two_tabs_and_the_back_button_charge_once(shop, card_system, client):
    card = cards_of(card_system, "lime-market")[50000]
    shopper = shop()
    second_tab = client.get(f"{shopper.path}?js=0")  # the same checkout open twice
    shopper.pay([card["card_id"]])
    back = client.get(shopper.path)  # back to the checkout page after paying
    assert back.status_code == 303 and back.headers["Location"].endswith("/result")
    shopper.page = second_tab  # the other tab submits its (older) form
    assert shopper.pay([card["card_id"]]).status_code == 303
    assert len(shopper.payments()) == 1
    shopper.assert_ledger_agrees()


def test_a_5xx_on_pay_charges_nothing_and_the_ledger_agrees(shop, card_system):
    card = cards_of(card_system, "lime-market")[50000]
    add_fault(card_system, system="lime", op="pay", mode="error_5xx", count=1)
    shopper = shop()
    shopper.pay([card["card_id"]])
    assert "正在确认支付结果" in text_of(shopper.result())  # unknown is never success, nor failure yet
    assert shopper.payments() == []
    assert cards_of(card_system, "lime-market")[50000]["card_id"] == card["card_id"]
    shopper.assert_ledger_agrees()


def test_a_pending_result_tells_its_new_title_and_resolves_without_javascript(shop, card_system):
    card = cards_of(card_system, "lime-market")[50000]
    add_fault(card_system, system="lime", op="pay", mode="processing", delay_ms=1000)
    shopper = shop()
    shopper.pay([card["card_id"]])
    page = shopper.result().get_data(as_text=True)
    refresh = re.search(r'<meta http-equiv="refresh" content="\d+;url=([^"]+)">', page)
    assert refresh and refresh.group(1) == f"{shopper.path}/status"  # JS off: reload through the status query
    assert wait_for(lambda: "<h1>支付成功" in shopper.client.get(refresh.group(1)).get_data(as_text=True))
    fragment = shopper.client.get(refresh.group(1), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.startswith("<title>支付成功</title>")  # htmx puts it in the title bar
