"""The after-sales desk: ops find an order, see what happened, and act on it with a reason, each act audited."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import requests
from kabao_testing import add_fault, wait_for
from ledger_rows import add_settled_orders
from ops_testing import csrf, login
from test_checkout import Shopper, cards_of
from test_ledger_growth import work
from werkzeug.security import generate_password_hash

from bff.checkout.states import LegStatus
from bff.ops.desk import Desk


@pytest.fixture
def app(make_app, config, ledger_url):
    """The BFF with an ops account (alice), its ledger on each engine: the desk's queries must hold on both."""
    users = f"alice:{generate_password_hash('correct horse')}"
    return make_app(config, KABAO_OPS_USERS=users, KABAO_LEDGER_URL=ledger_url)


@pytest.fixture
def desk(app, client):
    login(client)
    return client


def paid(app, client, card_system, balance=50000, **kw) -> tuple[Shopper, dict]:
    card = cards_of(card_system, "lime-market")[balance]
    shopper = Shopper(app, client, card_system, **kw)
    shopper.pay([card["card_id"]])
    assert "支付成功" in shopper.result().get_data(as_text=True)
    return shopper, card


def stuck(app, client, card_system, balance=50000, amount=12800, **fault) -> Shopper:
    """A payment the card system holds as PROCESSING: the shopper's page gave up, it stays pending."""
    card = cards_of(card_system, "lime-market")[balance]
    add_fault(card_system, system="lime", op="pay", mode="processing", **fault)
    shopper = Shopper(app, client, card_system, amount=amount)
    shopper.pay([card["card_id"]])
    assert "正在确认支付结果" in shopper.result().get_data(as_text=True)
    return shopper


def checkout_of(app, shopper):
    return app.extensions["kabao"].ledger.checkout_by_order(shopper.merchant, shopper.order_id)


def order_path(app, shopper) -> str:
    return f"/ops/orders/{checkout_of(app, shopper).checkout_id}"


def act(client, app, shopper, action: str, reason: str = "shopper called support", **form):
    path = order_path(app, shopper)
    return client.post(f"{path}/{action}", data={"csrf_token": csrf(client, path), "reason": reason, **form})


def text(response) -> str:
    return response.get_data(as_text=True)


def today_in_shanghai() -> str:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()


def test_an_order_is_found_by_each_key_and_its_page_never_shows_a_card_number(app, desk, card_system):
    shopper, card = paid(app, desk, card_system)
    checkout = checkout_of(app, shopper)
    leg = app.extensions["kabao"].ledger.legs(checkout.checkout_id)[0]
    day = today_in_shanghai()
    searches = [
        {"kind": "order", "q": shopper.order_id},
        {"kind": "order", "q": shopper.order_id, "merchant": "lime-market"},
        {"kind": "checkout", "q": checkout.checkout_id},
        {"kind": "payment", "q": leg.payment_id},
        {"kind": "shopper", "q": "u1001", "since": day},
        {"kind": "last4", "q": card["card_number"][-4:], "merchant": "lime-market", "since": day},
    ]
    for query in searches:
        found = text(desk.get("/ops/orders", query_string=query))
        assert f">{shopper.order_id}</a>" in found, query
    assert "没有找到订单。" in text(desk.get("/ops/orders", query_string={"kind": "order", "q": "no-such-order"}))
    other_day = {"kind": "last4", "q": card["card_number"][-4:], "merchant": "lime-market", "since": "2020-01-01"}
    assert "没有找到订单。" in text(desk.get("/ops/orders", query_string=other_day))
    assert "按卡查找需要选择商户" in text(desk.get("/ops/orders", query_string={**other_day, "merchant": ""}))

    page = text(desk.get(order_path(app, shopper)))
    assert ">成功</span>" in page and ">已支付</span>" in page and "128.00" in page
    assert f"···· {card['card_number'][-4:]}" in page
    assert "(Asia/Shanghai)" in page  # times in the merchant's zone, the zone named
    for secret in (card["card_number"], card["card_id"]):
        assert secret not in page
    answered = text(act(desk, app, shopper, "query"))
    assert card["card_number"] not in answered and card["card_id"] not in answered


def test_the_desk_needs_an_ops_login_and_its_csrf_token(app, client, card_system):
    shopper, _card = paid(app, client, card_system)
    assert client.get("/ops/orders").status_code == 303
    assert client.post(f"{order_path(app, shopper)}/query", data={"reason": "x"}).status_code == 303
    login(client)
    refused = client.post(f"{order_path(app, shopper)}/query", data={"reason": "x", "csrf_token": "forged"})
    assert refused.status_code == 400


def test_query_now_shows_what_the_card_system_says_and_changes_nothing(app, desk, card_system):
    shopper = stuck(app, desk, card_system, delay_ms=60000)
    answered = act(desk, app, shopper, "query", reason="shopper says the money left her card")
    assert answered.status_code == 200
    assert "处理中 ¥128.00" in text(answered)
    leg = app.extensions["kabao"].ledger.legs(checkout_of(app, shopper).checkout_id)[0]
    assert leg.status is LegStatus.PENDING  # asking changes nothing in the ledger


def test_a_stuck_pending_settles_through_the_desk_and_ledger_and_card_system_agree(app, desk, card_system):
    shopper = stuck(app, desk, card_system, delay_ms=300)
    assert wait_for(lambda: [p["status"] for p in shopper.payments()] == ["SUCCEEDED"])
    settled = act(desk, app, shopper, "settle", reason="shopper waiting at the till")
    assert "已完成：处理待确认支付" in text(settled)
    assert "is now PAID" in text(settled)
    assert checkout_of(app, shopper).status.value == "PAID"
    shopper.assert_ledger_agrees()
    assert "支付成功" in shopper.result().get_data(as_text=True)


def test_settling_while_the_card_system_cannot_say_leaves_it_pending(app, desk, card_system):
    shopper = stuck(app, desk, card_system, delay_ms=60000)
    add_fault(card_system, system="lime", op="payment_status", mode="error_5xx")
    answered = text(act(desk, app, shopper, "settle"))
    assert "still unknown" in answered
    assert checkout_of(app, shopper).status.value == "PENDING"  # never paid without the card system saying so
    assert app.extensions["kabao"].ledger.legs(checkout_of(app, shopper).checkout_id)[0].status is LegStatus.PENDING


def refund_form(desk, app, shopper) -> dict:
    page = text(desk.get(order_path(app, shopper)))
    refund_id = re.search(r'name="refund_id" value="([^"]+)"', page).group(1)
    payment_id = re.search(r'<option value="(kb-[^"]+)"', page).group(1)
    return {"refund_id": refund_id, "payment_id": payment_id}


def test_a_leg_is_refunded_once_and_never_over_what_it_paid(app, desk, card_system):
    shopper, _card = paid(app, desk, card_system)
    form = refund_form(desk, app, shopper)
    first = text(act(desk, app, shopper, "refund", amount="50.00", **form))
    assert "¥50.00" in first and "：成功" in first
    again = text(act(desk, app, shopper, "refund", amount="50.00", **form))  # the same form sent twice
    assert "：成功" in again
    assert [p["refunded_amount"] for p in shopper.payments()] == [5000]  # given back once
    more = text(act(desk, app, shopper, "refund", amount="78.01", **refund_form(desk, app, shopper)))
    assert "超过可退金额" in more
    reused = text(act(desk, app, shopper, "refund", amount="10.00", **form))  # the same id for other terms
    assert "重复的退款单号" in reused
    assert [p["refunded_amount"] for p in shopper.payments()] == [5000]
    leg = app.extensions["kabao"].ledger.legs(checkout_of(app, shopper).checkout_id)[0]
    assert leg.refunded == 5000
    assert "¥50.00" in text(desk.get(order_path(app, shopper)))


def received(card_system, order_id: str) -> list[dict]:
    found = requests.get(f"{card_system.url}/_sandbox/notifications", timeout=5).json()["notifications"]
    return [n for n in found if n.get("order_id") == order_id]


def test_the_result_is_resent_to_the_host_app(app, desk, card_system):
    shopper, _card = paid(app, desk, card_system)
    before = len(received(card_system, shopper.order_id))
    answered = text(act(desk, app, shopper, "resend", event_key=""))
    assert "App 已确认收到" in answered
    assert len(received(card_system, shopper.order_id)) == before + 1
    page = text(desk.get(order_path(app, shopper)))
    assert "payment_settled:" in page and "App 已确认" in page
    event_key = re.search(r"<option>(payment_settled:[^<]+)</option>", page).group(1)
    act(desk, app, shopper, "resend", event_key=event_key)
    assert len(received(card_system, shopper.order_id)) == before + 2
    assert received(card_system, shopper.order_id)[-1]["body"]["order"]["status"] == "PAID"

    other, _card = paid(
        app, desk, card_system, balance=3650, amount=2000
    )  # another order's page can't resend this one's
    act(desk, app, other, "resend", event_key=event_key)
    assert len(received(card_system, shopper.order_id)) == before + 2
    assert len(received(card_system, other.order_id)) == 1  # its own result went instead


def test_an_action_without_a_reason_is_refused_and_nothing_is_done(app, desk, card_system):
    shopper, _card = paid(app, desk, card_system)
    notes = len(received(card_system, shopper.order_id))
    for action in ("query", "settle", "refund", "resend"):
        answered = act(desk, app, shopper, action, reason="   ", amount="1.00", **refund_form(desk, app, shopper))
        assert answered.status_code == 400, action
        assert "请先填写原因。未做任何操作。" in text(answered), action
    assert [p["refunded_amount"] for p in shopper.payments()] == [0]
    assert len(received(card_system, shopper.order_id)) == notes
    assert "售后：" not in text(desk.get("/ops/audit"))


def test_each_action_is_in_the_audit_log_with_who_what_reason_and_result(app, desk, card_system):
    shopper, _card = paid(app, desk, card_system)
    act(desk, app, shopper, "query", reason="shopper asked if she paid")
    act(desk, app, shopper, "refund", reason="one item returned", amount="20.00", **refund_form(desk, app, shopper))
    log = text(desk.get("/ops/audit"))
    assert "售后：立即查询" in log and "原因：shopper asked if she paid" in log
    assert "售后：单卡退款" in log and "原因：one item returned" in log
    assert f"订单 {shopper.order_id}" in log and "¥20.00" in log and "succeeded" in log
    assert "<strong>alice</strong>" in log
    assert log.index("单卡退款") < log.index("立即查询")  # newest first
    kept = Desk(app.extensions["kabao"].registry.config_dir).audit("lime-market")[0]
    assert kept.action == "after-sales: refund leg" and "reason: one item returned" in kept.note  # the data: English
    history = text(desk.get(order_path(app, shopper)))  # the order page lists what the desk did to it
    assert "售后：单卡退款" in history and "原因：one item returned" in history
    assert "售后：" not in text(desk.get(order_path(app, paid(app, desk, card_system, 3650, amount=2000)[0])))


def test_each_search_and_the_order_page_cost_the_same_in_a_big_ledger(app, desk, card_system):
    """Counted in SQLite steps (tests/test_ledger_growth.py), not time: the desk reads no row it doesn't show."""
    services = app.extensions["kabao"]
    if services.ledger.db.engine != "sqlite":
        pytest.skip("steps are counted on SQLite; the same indexes serve PostgreSQL")
    shopper, card = paid(app, desk, card_system)
    checkout = checkout_of(app, shopper)
    payment_id = services.ledger.legs(checkout.checkout_id)[0].payment_id
    day = today_in_shanghai()
    searches = {
        "order": {"kind": "order", "q": shopper.order_id},
        "checkout": {"kind": "checkout", "q": checkout.checkout_id},
        "payment": {"kind": "payment", "q": payment_id},
        "shopper": {"kind": "shopper", "q": "u1001", "since": day},
        "last4": {"kind": "last4", "q": card["card_number"][-4:], "merchant": "lime-market", "since": day},
    }
    conn = services.ledger.db.sqlite.connection()  # this thread's: the test client runs here

    def costs() -> dict[str, int]:
        found = {k: work(conn, lambda q=q: desk.get("/ops/orders", query_string=q)) for k, q in searches.items()}
        return {**found, "order page": work(conn, lambda: desk.get(order_path(app, shopper)))}

    small = costs()
    add_settled_orders(services.ledger.db, 3000, merchant_id="lime-market")  # another shopper's, yesterday
    big = costs()
    for what, steps in small.items():
        assert big[what] <= steps * 1.5 + 20, (what, small, big)  # flat, not 3,000 rows more


def test_the_dashboard_shows_each_merchants_day_and_the_pendings_past_the_window(app, desk, card_system):
    add_fault(card_system, system="lime", op="pay", mode="decline_insufficient", count=1)
    declined = Shopper(app, desk, card_system)
    declined.pay([cards_of(card_system, "lime-market")[50000]["card_id"]])
    assert "支付失败" in declined.result().get_data(as_text=True)
    paid(app, desk, card_system)
    pending = stuck(app, desk, card_system, balance=3650, amount=2000, delay_ms=60000)
    app.config["KABAO_RECONCILE_WINDOW_SECONDS"] = 0  # every pending is past the window now
    page = text(desk.get("/ops/dashboard"))
    row = re.search(r'<tr id="merchant-lime-market">(.*?)</tr>', page, re.S).group(1)
    cells = [re.sub(r"<[^>]+>", " ", cell).split() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
    assert cells[1] == ["1"] and cells[2] == ["¥128.00"]  # one payment today, paid in full
    assert cells[3][-1] == "1" and cells[3] != ["—"]  # one failed attempt, by its reason
    assert pending.order_id in cells[4]
    assert cells[5] == ["正常"]  # the card system answered: its breaker is closed
    other = re.search(r'<tr id="merchant-peach-bakery">(.*?)</tr>', page, re.S).group(1)
    assert "¥0.00" in other
