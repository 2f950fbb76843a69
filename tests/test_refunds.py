"""Refunds: split by the merchant's policy, idempotent by refund id, never more than was paid."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from kabao_testing import add_fault, card_path, mint_launch_token, sandbox_cards, sandbox_payments, text_of
from test_checkout import Shopper, cards_of

from bff.checkout.reconcile import reconcile
from bff.checkout.refunds import allocate
from bff.security.signatures import sign_request


@pytest.fixture
def app(app_on_each_ledger):
    return app_on_each_ledger  # every test here runs on a SQLite and on a PostgreSQL ledger


rooms = st.lists(st.integers(min_value=0, max_value=100_000), min_size=1, max_size=4)


@given(rooms, st.data(), st.sampled_from(["last_paid_first", "pro_rata"]))
def test_allocation_adds_up_and_never_exceeds_a_payment(room_list, data, policy):
    available = [(f"p{i}", room) for i, room in enumerate(room_list)]
    total = sum(room_list)
    if total == 0:
        return
    amount = data.draw(st.integers(min_value=1, max_value=total))
    shares = allocate(amount, available, policy)
    assert sum(share for _, share in shares) == amount
    room_of = dict(available)
    assert all(0 < share <= room_of[pid] for pid, share in shares)


def test_last_paid_first_takes_from_the_last_payment_first():
    assert allocate(3000, [("p1", 50000), ("p2", 2000)], "last_paid_first") == [("p2", 2000), ("p1", 1000)]


def test_pro_rata_shares_in_proportion():
    assert dict(allocate(5200, [("p1", 50000), ("p2", 2000)], "pro_rata")) == {"p1": 5000, "p2": 200}


def call(client, secret, method, path, body=None, timestamp=None, signature=None):
    raw = json.dumps(body).encode() if body is not None else b""
    ts = timestamp or str(int(time.time()))
    headers = {
        "X-Kabao-Timestamp": ts,
        "X-Kabao-Signature": signature or sign_request(secret, ts, method, path, raw),
        "Content-Type": "application/json",
    }
    return client.open(path, method=method, data=raw, headers=headers)


@pytest.fixture
def paid(app, client, card_system):
    """A peach-bakery order of ¥520.00 paid with two cards: ¥500.00 then ¥20.00."""
    cards = cards_of(card_system, "peach-bakery")
    shopper = Shopper(app, client, card_system, merchant="peach-bakery", amount=52000)
    shopper.pay([cards[50000]["card_id"], cards[3650]["card_id"]])
    assert {p["status"] for p in shopper.payments()} == {"SUCCEEDED"}
    shopper.big, shopper.small = cards[50000], cards[3650]
    return shopper


def refund(client, shopper, amount, refund_id=None):
    body = {
        "merchant_id": shopper.merchant,
        "order_id": shopper.order_id,
        "refund_id": refund_id or uuid.uuid4().hex[:12],
        "amount": amount,
    }
    return call(client, shopper.app.config["KABAO_HOST_SECRET"], "POST", "/api/v1/refunds", body)


def test_partial_refund_goes_to_the_last_paid_card_first_and_shows_in_history(client, paid, card_system):
    response = refund(client, paid, 3000, "R-1")
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()["refund"]
    assert answer["status"] == "SUCCEEDED"
    assert [leg["amount"] for leg in answer["legs"]] == [2000, 1000]
    refunded = {p["card_id"]: p["refunded_amount"] for p in paid.payments()}
    assert refunded == {paid.small["card_id"]: 2000, paid.big["card_id"]: 1000}
    balances = {c["card_id"]: c["balance"] for c in sandbox_cards(card_system, "peach", user_id="u1001")}
    assert balances[paid.small["card_id"]] == 3650 and balances[paid.big["card_id"]] == 1000
    client.get(f"/launch?token={mint_launch_token(paid.app.config['KABAO_HOST_SECRET'], 'u1001', 'peach-bakery')}")
    history = text_of(client.get(card_path(client, paid.small)))
    assert "退款" in history and "+¥20.00" in history and "-¥20.00" in history


def test_refund_is_idempotent_by_refund_id(client, paid):
    first = refund(client, paid, 3000, "R-2")
    again = refund(client, paid, 3000, "R-2")
    assert first.get_json() == again.get_json()
    assert sum(p["refunded_amount"] for p in paid.payments()) == 3000
    other = refund(client, paid, 100, "R-2")
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "DUPLICATE"


def test_refunds_never_exceed_what_was_paid(client, paid):
    assert refund(client, paid, 50000).status_code == 200
    over = refund(client, paid, 2001)
    assert over.status_code == 409 and over.get_json()["error"]["code"] == "REFUND_EXCEEDED"
    assert refund(client, paid, 2000).status_code == 200
    assert sum(p["refunded_amount"] for p in paid.payments()) == 52000


def test_order_status_reports_paid_and_refunded(client, paid):
    refund(client, paid, 1234)
    path = f"/api/v1/orders/peach-bakery/{paid.order_id}"
    order = call(client, paid.app.config["KABAO_HOST_SECRET"], "GET", path).get_json()["order"]
    assert (order["status"], order["paid_by_cards"], order["refunded"]) == ("PAID", 52000, 1234)


def test_unsigned_stale_or_forged_requests_are_refused(client, paid):
    secret = paid.app.config["KABAO_HOST_SECRET"]
    body = {"merchant_id": "peach-bakery", "order_id": paid.order_id, "refund_id": "R-9", "amount": 100}
    assert client.post("/api/v1/refunds", json=body).status_code == 401
    stale = str(int(time.time()) - 600)
    assert call(client, secret, "POST", "/api/v1/refunds", body, timestamp=stale).status_code == 401
    assert call(client, secret, "POST", "/api/v1/refunds", body, signature="0" * 64).status_code == 401
    assert call(client, "not-the-secret", "POST", "/api/v1/refunds", body).status_code == 401
    assert sum(p["refunded_amount"] for p in paid.payments()) == 0


def test_unknown_and_unpaid_orders_are_not_refundable(app, client, card_system):
    secret = app.config["KABAO_HOST_SECRET"]
    body = {"merchant_id": "lime-market", "order_id": "nope", "refund_id": "R-1", "amount": 100}
    assert call(client, secret, "POST", "/api/v1/refunds", body).status_code == 404
    open_order = Shopper(app, client, card_system)
    body["order_id"] = open_order.order_id
    answer = call(client, secret, "POST", "/api/v1/refunds", body)
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "NOT_REFUNDABLE"


def test_a_refund_the_card_system_did_not_confirm_is_pending_and_a_retry_completes_it(client, paid, card_system):
    requests.post(
        f"{card_system.url}/_sandbox/faults",
        json={"system": "peach", "op": "refund", "mode": "error_5xx", "count": 1},
        timeout=5,
    )
    first = refund(client, paid, 3000, "R-3").get_json()["refund"]
    assert first["status"] == "PENDING"
    second = refund(client, paid, 3000, "R-3").get_json()["refund"]
    assert second["status"] == "SUCCEEDED"
    assert (
        sum(p["refunded_amount"] for p in sandbox_payments(card_system, "peach") if p["order_id"] == paid.order_id)
        == 3000
    )


def ledger_refunded(shopper) -> dict[str, int]:
    """What the ledger counts as given back, per card payment."""
    ledger = shopper.app.extensions["kabao"].ledger
    checkout = ledger.checkout_by_order(shopper.merchant, shopper.order_id)
    return {leg.payment_id: leg.refunded for leg in ledger.legs(checkout.checkout_id)}


def test_concurrent_refunds_with_one_id_refund_once_and_answer_alike(app, paid):
    answers = []

    def post() -> None:
        answer = refund(app.test_client(), paid, 3000, "R-same")
        answers.append((answer.status_code, answer.get_data(as_text=True)))

    threads = [threading.Thread(target=post) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {code for code, _ in answers} == {200}
    assert len({body for _, body in answers}) == 1  # same id, same answer
    card_system_says = {p["payment_id"]: p["refunded_amount"] for p in paid.payments()}
    assert sum(card_system_says.values()) == 3000
    assert ledger_refunded(paid) == card_system_says  # counted once, whoever confirmed it
    paid.assert_ledger_agrees()


def test_a_refund_confirmed_by_reconcile_beside_host_retries_is_counted_once(app, paid, card_system):
    add_fault(card_system, system="peach", op="refund", mode="drop_response", count=2)
    assert refund(app.test_client(), paid, 3000, "R-both").get_json()["refund"]["status"] == "PENDING"
    lines, codes = [], []
    work = [lambda: lines.extend(reconcile(app.extensions["kabao"], window=900))] + [
        lambda: codes.append(refund(app.test_client(), paid, 3000, "R-both").status_code)
    ] * 6
    threads = [threading.Thread(target=job) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [200] * 6 and not any("failed" in line for line in lines), lines
    assert sum(ledger_refunded(paid).values()) == 3000
    assert sum(p["refunded_amount"] for p in paid.payments()) == 3000


def test_reconcile_goes_on_past_one_failure(app, paid, card_system, monkeypatch):
    refunds = app.extensions["kabao"].refunds
    add_fault(card_system, system="peach", op="refund", mode="error_5xx", count=2)
    refund(app.test_client(), paid, 1000, "R-a")
    refund(app.test_client(), paid, 1000, "R-b")
    real_send = refunds.send

    def send(gateway, merchant_id, pending):
        if pending.refund_id == "R-a":
            raise sqlite3.OperationalError("database is locked")
        return real_send(gateway, merchant_id, pending)

    monkeypatch.setattr(refunds, "send", send)
    lines = reconcile(app.extensions["kabao"], window=900)
    assert any("R-a" in line and "left for the next run" in line for line in lines), lines
    assert any("refund R-b (peach-bakery): SUCCEEDED" in line for line in lines), lines


@pytest.mark.parametrize("amount", [0, -100, 1.5, "100", True, None, 10**30, [100]])
def test_a_refund_amount_that_is_not_whole_positive_fen_is_a_bad_request(client, paid, amount):
    answer = refund(client, paid, amount)
    assert answer.status_code == 400
    assert answer.get_json() == {"result": "ERROR", "error": {"code": "INVALID_REQUEST"}}
    assert sum(p["refunded_amount"] for p in paid.payments()) == 0


def test_a_refund_for_an_unknown_merchant_answers_json(client, paid):
    paid.merchant = "no-such-merchant"
    answer = refund(client, paid, 100)
    assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "ORDER_NOT_FOUND"


def test_a_partly_refused_refund_is_not_ok(client, paid, card_system):
    small = next(p for p in paid.payments() if p["card_id"] == paid.small["card_id"])
    requests.post(  # someone gave the small payment back at the card system itself, behind Kabao's back
        f"{card_system.url}/cs/peach/v1/payments/{small['payment_id']}/refunds",
        json={"refund_id": "outside", "amount": 2000},
        headers={"Authorization": f"Bearer {card_system.api_key}"},
        timeout=5,
    ).raise_for_status()
    answer = refund(client, paid, 3000, "R-part")
    body = answer.get_json()
    assert answer.status_code == 409 and body["result"] == "ERROR" and body["error"]["code"] == "REFUND_FAILED"
    assert [(leg["amount"], leg["status"]) for leg in body["refund"]["legs"]] == [(2000, "FAILED"), (1000, "SUCCEEDED")]
    assert refund(client, paid, 3000, "R-part").get_json() == body  # same id, same answer
    assert sum(p["refunded_amount"] for p in paid.payments()) == 2000 + 1000
