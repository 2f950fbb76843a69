"""A pending pay reaches a verdict on the result page and in the status API, without waiting for reconcile."""

from __future__ import annotations

from kabao_testing import add_fault, text_of
from test_checkout import Shopper, cards_of
from test_refunds import call

from bff.checkout.records import PlannedLeg


def age(shopper, seconds: float) -> None:
    """Let the order's latest attempt be `seconds` older, as if the shopper had waited that long."""
    ledger = shopper.app.extensions["kabao"].ledger
    checkout = ledger.checkout_by_order(shopper.merchant, shopper.order_id)
    with ledger.db.write() as conn:
        conn.execute(
            "UPDATE attempts SET created_at = created_at - ? WHERE checkout_id = ?", (seconds, checkout.checkout_id)
        )
        conn.execute(
            "UPDATE legs SET sent_at = sent_at - ?, next_query_at = NULL WHERE checkout_id = ?",
            (seconds, checkout.checkout_id),
        )


def two_card_pay_with_a_5xx_on_the_second(app, client, card_system, mode="error_5xx") -> Shopper:
    cards = cards_of(card_system, "peach-bakery")
    add_fault(card_system, system="peach", op="pay", card_id=cards[3650]["card_id"], mode=mode, count=1)
    shopper = Shopper(app, client, card_system, merchant="peach-bakery", amount=52000)
    shopper.cards = cards
    shopper.pay([cards[50000]["card_id"], cards[3650]["card_id"]])
    assert "正在确认支付结果" in text_of(shopper.result())
    return shopper


def test_the_result_page_reaches_a_verdict_after_the_window_and_gives_the_first_card_back(app, client, card_system):
    shopper = two_card_pay_with_a_5xx_on_the_second(app, client, card_system)
    age(shopper, 3600)  # long past peach-bakery's give_up_seconds
    page = shopper.result().get_data(as_text=True)
    assert "hx-trigger=" in page  # still asking: the verdict comes from the status query
    verdict = text_of(client.get(f"{shopper.path}/status", headers={"HX-Request": "true"}))
    assert "支付失败" in verdict and "重新选择支付方式" in verdict
    assert f"已退回 ¥500.00 到尾号 {shopper.cards[50000]['card_number'][-4:]} 的卡" in verdict
    assert [p["status"] for p in shopper.payments()] == ["REVERSED"]  # the second was never charged
    assert cards_of(card_system, "peach-bakery")[50000]["card_id"] == shopper.cards[50000]["card_id"]
    assert client.get(shopper.path).status_code == 200  # the shopper can choose again
    shopper.assert_ledger_agrees()


def test_a_malformed_answer_reaches_a_verdict_through_the_status_api(app, client, card_system):
    shopper = two_card_pay_with_a_5xx_on_the_second(app, client, card_system, mode="malformed")
    path = f"/api/v1/orders/peach-bakery/{shopper.order_id}"
    secret = app.config["KABAO_HOST_SECRET"]
    paid = call(client, secret, "GET", path).get_json()["order"]
    if paid["status"] == "PAID":  # a malformed answer to a charge that went through: confirmed as paid
        assert {p["status"] for p in shopper.payments()} == {"SUCCEEDED"}
        return
    age(shopper, 3600)
    order = call(client, secret, "GET", path).get_json()["order"]
    assert (order["status"], order["paid_by_cards"]) == ("FAILED", 0)
    assert {p["status"] for p in shopper.payments()} <= {"REVERSED", "FAILED"}
    shopper.assert_ledger_agrees()


def test_a_leg_the_ledger_shows_as_never_sent_fails_at_once(app, client, card_system):
    card = cards_of(card_system, "lime-market")[50000]
    shopper = Shopper(app, client, card_system)
    ledger = app.extensions["kabao"].ledger
    checkout = ledger.checkout_by_order("lime-market", shopper.order_id)
    # written, then the process stopped before calling the card system
    ledger.start_attempt(checkout.checkout_id, 1, [PlannedLeg(card["card_id"], card["card_number"][-4:], 12800)], 0)
    age(shopper, 10)  # well inside the 45 s window, but past one call's timeouts
    verdict = text_of(client.get(f"{shopper.path}/status"))
    assert "支付失败" in verdict and "重新选择支付方式" in verdict
    assert shopper.payments() == []
    shopper.assert_ledger_agrees()


def test_a_leg_just_written_is_not_failed_while_its_sender_may_still_send_it(app, client, card_system):
    card = cards_of(card_system, "lime-market")[50000]
    shopper = Shopper(app, client, card_system)
    ledger = app.extensions["kabao"].ledger
    checkout = ledger.checkout_by_order("lime-market", shopper.order_id)
    ledger.start_attempt(checkout.checkout_id, 1, [PlannedLeg(card["card_id"], card["card_number"][-4:], 12800)], 0)
    assert "正在确认支付结果" in text_of(client.get(f"{shopper.path}/status"))
    [leg] = ledger.legs(checkout.checkout_id)
    assert ledger.mark_sent(leg.payment_id, 0.0, 0.0)  # the sender can still claim it
