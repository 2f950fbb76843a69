"""The pay code's PIN step after a wrong PIN: asked again on the phone, the till still waiting, one charge."""

from __future__ import annotations

import re
import shutil
import time

import pytest
from kabao_testing import CONFIG_DIR, add_fault, mint_launch_token, sandbox_payments
from paycode_testing import Terminal, lime_card, transaction
from test_paycode_page import shown_code, since_of

HX = {"HX-Request": "true"}
PIN_AMOUNT = 25000  # above lime-market's pin_above


@pytest.fixture
def opened(launch, client):
    launch()
    return client


class PinStep:
    """The shopper's phone at the PIN step of one till transaction, and the till that waits for it."""

    def __init__(self, app, phone, card_system, txn_id: str, amount: int = PIN_AMOUNT) -> None:
        self.app, self.phone, self.card_system, self.txn_id = app, phone, card_system, txn_id
        html = phone.get("/paycode").get_data(as_text=True)
        self.till = Terminal(app.test_client(), card_system)
        waiting = transaction(self.till.redeem(shown_code(html), amount, txn_id))
        assert waiting.get("waiting_for") == "PIN"
        self.html = phone.get(f"/paycode/result?since={since_of(html)}", headers=HX).get_data(as_text=True)

    def form(self) -> dict[str, str]:
        """The hidden fields of the PIN form now shown."""
        return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', self.html))

    def send(self, pin: str, form: dict[str, str] | None = None, action: str = "confirm"):
        """Type the PIN into a form the phone showed (this one unless given) and tap; the page after it."""
        data = {**(form or self.form()), "pin": pin, "action": action}
        done = self.phone.post(f"/paycode/payments/T1/{self.txn_id}/pin", data=data)
        assert done.status_code == 303, done.get_data(as_text=True)
        self.html = self.phone.get(done.headers["Location"]).get_data(as_text=True)
        return self.html

    def answer(self) -> dict:
        return transaction(self.till.query(self.txn_id))

    def charges(self) -> list[tuple[int, str]]:
        order = f"pos:T1:{self.txn_id}"
        return [
            (p["amount"], p["status"]) for p in sandbox_payments(self.card_system, "lime") if p["order_id"] == order
        ]

    def attempts(self) -> list[tuple[int, str]]:
        ledger = self.app.extensions["kabao"].ledger
        checkout = ledger.checkout_by_order("lime-market", f"pos:T1:{self.txn_id}")
        return [(a.seq, a.status.value) for a in ledger.attempts(checkout.checkout_id)]


def wrong(card: dict) -> str:
    return "000000" if card["secret"] != "000000" else "111111"


def pin_field(html: str) -> str:
    return re.search(r'<input id="paycode-pin"[^>]*>', html).group(0)


def test_a_wrong_pin_asks_again_with_the_tries_left_and_the_next_pin_pays_a_new_attempt(app, opened, card_system):
    card = lime_card(card_system)
    step = PinStep(app, opened, card_system, "tx-again")
    html = step.send(wrong(card))
    shown = text_of_html(html)
    assert "支付密码不正确，还可以再试 4 次" in shown and "¥250.00" in shown  # lime: 5 tries per card
    assert "autofocus" in pin_field(html) and 'aria-invalid="true"' in pin_field(html)
    assert '<a class="pin-forgot" href="tel:400-820-1234">忘记支付密码？请致电客服 400-820-1234</a>' in html
    answer = step.answer()
    assert (answer["status"], answer.get("waiting_for")) == ("PROCESSING", "PIN")  # not FAILED: the till waits
    assert step.charges() == []
    assert "支付成功" in text_of_html(step.send(card["secret"]))
    assert step.answer()["status"] == "SUCCEEDED"
    assert step.charges() == [(PIN_AMOUNT, "SUCCEEDED")]
    assert step.attempts() == [(1, "FAILED"), (2, "PAID")]  # attempt 2 of the same checkout, its own payment id


def test_the_same_pin_form_sent_twice_is_one_try(app, opened, card_system):
    card = lime_card(card_system)
    step = PinStep(app, opened, card_system, "tx-twice")
    first_form = step.form()
    step.send(wrong(card), first_form)
    assert "还可以再试 4 次" in text_of_html(step.send(wrong(card), first_form))  # the same tap again: no new try
    assert step.attempts() == [(1, "FAILED")]


def test_a_lost_answer_after_a_wrong_pin_is_processing_and_the_payment_is_never_sent_again(
    app, opened, card_system, monkeypatch
):
    card = lime_card(card_system)
    step = PinStep(app, opened, card_system, "tx-lost")
    step.send(wrong(card))
    form = step.form()
    add_fault(card_system, system="lime", op="pay", mode="drop_response", count=1)
    step.send(card["secret"], form)  # charged, but the answer never came
    assert step.answer()["status"] in ("PROCESSING", "SUCCEEDED")
    step.send(card["secret"], form)  # the same form again, and one for a next try nobody was offered
    step.send(card["secret"], {**form, "attempt": "3"})
    payer = app.extensions["kabao"].till.payer
    later = time.time() + 10  # past the status query's interval: the next query asks the card system
    monkeypatch.setattr(payer, "clock", lambda: later)
    assert step.answer()["status"] == "SUCCEEDED"
    assert step.charges() == [(PIN_AMOUNT, "SUCCEEDED")] and step.attempts() == [(1, "FAILED"), (2, "PAID")]


def test_a_refusal_that_is_not_a_wrong_pin_fails_as_before_and_asks_nothing_again(app, opened, card_system):
    card = lime_card(card_system)  # ¥500.00 on it
    step = PinStep(app, opened, card_system, "tx-poor", amount=60000)
    form = step.form()
    assert "支付未成功" in text_of_html(step.send(card["secret"]))
    step.send(card["secret"], {**form, "attempt": "2"})  # a crafted next try: nothing starts
    answer = step.answer()
    assert (answer["status"], answer["reason"]) == ("FAILED", "INSUFFICIENT_BALANCE")
    assert step.charges() == [(60000, "FAILED")] and step.attempts() == [(1, "FAILED")]  # declined once, no more


def test_when_the_tries_are_used_up_the_payment_fails_and_the_phone_says_the_card_is_locked(
    make_app, card_system, tmp_path
):
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    path = config / "lime-market.yaml"
    path.write_text(path.read_text().replace("per_card: {attempts: 5,", "per_card: {attempts: 3,"))
    app = make_app(config_dir=config)
    phone = app.test_client()
    phone.get(f"/launch?token={mint_launch_token(app.config['KABAO_HOST_SECRET'], 'u1001', 'lime-market')}")
    card = lime_card(card_system)
    step = PinStep(app, phone, card_system, "tx-lock")
    said = [text_of_html(step.send(wrong(card))) for _ in range(2)]
    assert "还可以再试 2 次" in said[0] and "还可以再试 1 次，再错卡将暂时锁定" in said[1]
    assert step.answer()["waiting_for"] == "PIN"
    form = step.form()
    locked = text_of_html(step.send(wrong(card), form))
    assert "支付未成功" in locked and "已暂时锁定，请 15 分钟后再试，或联系客服" in locked
    assert "忘记支付密码？请致电客服 400-820-1234" in locked and "paycode-pin" not in step.html
    answer = step.answer()
    assert (answer["status"], answer["reason"]) == ("FAILED", "WRONG_SECRET")
    step.send(card["secret"], {**form, "attempt": "4"})  # the right PIN now: the payment is over
    assert step.answer()["reason"] == "WRONG_SECRET" and step.charges() == []


def test_a_card_locked_before_its_first_pin_fails_the_payment_without_sending_it(app, opened, card_system):
    card = lime_card(card_system)
    guard = app.extensions["kabao"].guard
    limits = app.extensions["kabao"].registry.get("lime-market").config.limits.wrong_secret
    while guard.reserve(limits, "lime-market", "u1001", f"card:{card['card_id']}") is not None:
        pass  # this card's tries were used up elsewhere (online checkout)
    step = PinStep(app, opened, card_system, "tx-pre")
    assert "已暂时锁定" in text_of_html(step.html) and "autofocus" not in pin_field(step.html)  # said before typing
    assert "已暂时锁定" in text_of_html(step.send(card["secret"]))
    answer = step.answer()
    assert (answer["status"], answer["reason"]) == ("FAILED", "WRONG_SECRET") and step.charges() == []


def text_of_html(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
