"""A payment judged never seen (NOT_FOUND) stays watched: a late charge is given back and the host app told."""

from __future__ import annotations

import sqlite3
import time

import pytest
import requests
from kabao_testing import add_fault
from test_checkout import Shopper, cards_of
from test_refunds import call

from bff.checkout.ledger import Ledger
from bff.checkout.reconcile import reconcile
from bff.checkout.states import LegStatus


@pytest.fixture
def app(app_on_each_ledger):
    return app_on_each_ledger  # every test here runs on a SQLite and on a PostgreSQL ledger


LATER = 3600  # seconds: past every backoff of a watched leg and of a notification retry


def lost_payment(app, client, card_system) -> Shopper:
    """A lime-market order whose pay hit a 5xx; reconcile then judged it never seen."""
    add_fault(card_system, system="lime", op="pay", mode="error_5xx", count=1)
    shopper = Shopper(app, client, card_system)
    shopper.card = cards_of(card_system, "lime-market")[50000]
    shopper.pay([shopper.card["card_id"]])
    lines = reconcile(app.extensions["kabao"], window=0, now=time.time() + 1)
    assert any("never seen by the card system: NOT_FOUND" in line for line in lines), lines
    return shopper


def leg_of(shopper):
    ledger = shopper.app.extensions["kabao"].ledger
    [leg] = ledger.legs(ledger.checkout_by_order(shopper.merchant, shopper.order_id).checkout_id)
    return leg


def charge_late(shopper) -> None:
    """The lost request reaches the card system after all (a queue, a retrying proxy)."""
    leg = leg_of(shopper)
    answer = requests.post(
        f"{shopper.sandbox.url}/cs/lime/v1/payments",
        json={
            "payment_id": leg.payment_id,
            "user_id": "u1001",
            "card_id": leg.card_id,
            "order_id": shopper.order_id,
            "amount": leg.amount,
            "currency": "CNY",
        },
        headers={"Authorization": f"Bearer {shopper.sandbox.api_key}"},
        timeout=5,
    )
    assert answer.json()["payment"]["status"] == "SUCCEEDED"


def order_status(shopper) -> dict:
    path = f"/api/v1/orders/{shopper.merchant}/{shopper.order_id}"
    return call(shopper.client, shopper.app.config["KABAO_HOST_SECRET"], "GET", path).get_json()["order"]


def notifications(sandbox, event: str = "late_charge") -> list[dict]:
    """The host app's received notifications of one event (the failed payment's payment_settled came before)."""
    found = requests.get(f"{sandbox.url}/_sandbox/notifications", timeout=5).json()["notifications"]
    return [note for note in found if note["event"] == event]


def test_a_not_found_leg_is_failed_for_the_shopper_but_not_final(app, client, card_system):
    shopper = lost_payment(app, client, card_system)
    assert leg_of(shopper).status is LegStatus.NOT_FOUND
    assert "支付失败" in shopper.result().get_data(as_text=True)
    assert order_status(shopper)["status"] == "FAILED"


def test_a_late_charge_is_given_back_and_the_host_app_told(app, client, card_system):
    shopper = lost_payment(app, client, card_system)
    charge_late(shopper)
    assert cards_of(card_system, "lime-market").get(50000 - 12800)  # the money is gone, for now
    add_fault(card_system, system="host", op="notify", mode="error_5xx", count=1)  # the app is down once
    lines = reconcile(app.extensions["kabao"], window=900, now=time.time() + LATER)
    assert any("charged late, after it was judged never seen: given back" in line for line in lines), lines
    assert any("not acknowledged (HTTP 500); will retry" in line for line in lines), lines
    assert [p["status"] for p in shopper.payments()] == ["REVERSED"]
    assert cards_of(card_system, "lime-market")[50000]["card_id"] == shopper.card["card_id"]  # the money is back
    shopper.assert_ledger_agrees()
    order = order_status(shopper)
    assert (order["status"], order["paid_by_cards"]) == ("FAILED", 0)
    assert order["late_charges"] == [
        {"last4": shopper.card["card_number"][-4:], "amount": 12800, "status": "GIVEN_BACK"}
    ]
    assert notifications(card_system) == []
    again = reconcile(app.extensions["kabao"], window=900, now=time.time() + 2 * LATER)  # the retry
    assert any(line.endswith("): acknowledged") for line in again), again
    [note] = notifications(card_system)
    assert (note["event"], note["order_id"]) == ("late_charge", shopper.order_id)
    assert note["body"]["late_charge"]["status"] == "GIVEN_BACK" and note["body"]["order"] == order
    assert reconcile(app.extensions["kabao"], window=900, now=time.time() + 3 * LATER) == []  # nothing left


def test_a_watched_leg_is_looked_at_until_its_watch_ends(app, client, card_system):
    shopper = lost_payment(app, client, card_system)
    still = reconcile(app.extensions["kabao"], window=900, now=time.time() + LATER)
    assert any("still never seen by the card system; watched until" in line for line in still), still
    watch_until = leg_of(shopper).watch_until
    assert watch_until - time.time() > 6 * 86400  # lime-market watches for the default 7 days
    charge_late(shopper)
    assert reconcile(app.extensions["kabao"], window=900, now=watch_until + 1) == []  # the watch has ended
    assert leg_of(shopper).status is LegStatus.NOT_FOUND


def test_an_older_ledger_file_is_upgraded_and_its_not_found_legs_watched(tmp_path):
    path = tmp_path / "old-ledger.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE legs (
          payment_id TEXT PRIMARY KEY, checkout_id TEXT NOT NULL, seq INTEGER NOT NULL,
          position INTEGER NOT NULL, card_id TEXT NOT NULL, last4 TEXT NOT NULL,
          amount INTEGER NOT NULL CHECK (amount > 0), status TEXT NOT NULL, error_code TEXT,
          refunded INTEGER NOT NULL DEFAULT 0 CHECK (refunded >= 0 AND refunded <= amount),
          sent_at REAL, queries INTEGER NOT NULL DEFAULT 0, next_query_at REAL, updated_at REAL NOT NULL,
          UNIQUE (checkout_id, seq, position));
        INSERT INTO legs VALUES ('kb-a-1-1', 'a', 1, 1, 'c1', '1234', 1000, 'FAILED', 'NOT_FOUND', 0, 1, 3, 9, 100);
        INSERT INTO legs VALUES ('kb-b-1-1', 'b', 1, 1, 'c1', '1234', 1000, 'FAILED', 'INSUFFICIENT_BALANCE',
                                 0, 1, 0, NULL, 100);
        """
    )
    conn.close()
    ledger = Ledger(str(path))
    try:
        lost, declined = ledger.leg("kb-a-1-1"), ledger.leg("kb-b-1-1")
        assert lost.status is LegStatus.NOT_FOUND and lost.watch_until > 100
        assert declined.status is LegStatus.FAILED and declined.watch_until is None
    finally:
        ledger.close()
    assert Ledger(str(path)).leg("kb-a-1-1").status is LegStatus.NOT_FOUND  # a second open changes nothing
