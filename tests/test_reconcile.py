"""`kabao reconcile`: found → final; never found → failed; paid on an abandoned attempt → given back."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner
from kabao_testing import LOOPBACK_SANDBOX, add_fault, wait_for
from test_checkout import Shopper, cards_of

from bff.checkout.reconcile import reconcile
from bff.cli import main


@pytest.fixture
def app(app_on_each_ledger):
    return app_on_each_ledger  # every test here runs on a SQLite and on a PostgreSQL ledger


def pending_order(app, client, card_system, mode, **fault):
    card = cards_of(card_system, "lime-market")[50000]
    add_fault(card_system, system="lime", op="pay", mode=mode, **fault)
    shopper = Shopper(app, client, card_system)
    shopper.pay([card["card_id"]])
    assert "正在确认支付结果" in shopper.result().get_data(as_text=True)
    return shopper


def test_a_payment_found_later_becomes_paid(app, client, card_system):
    shopper = pending_order(app, client, card_system, "processing", delay_ms=300)
    time.sleep(0.4)  # let the sandbox settle the payment it holds as PROCESSING
    lines = reconcile(app.extensions["kabao"], window=900)
    assert any("found: SUCCEEDED" in line for line in lines)
    assert any("is now PAID" in line for line in lines)
    assert "<h1>支付成功" in shopper.result().get_data(as_text=True)
    assert [p["status"] for p in shopper.payments()] == ["SUCCEEDED"]


def test_a_payment_never_seen_fails_after_the_window(app, client, card_system):
    shopper = pending_order(app, client, card_system, "error_5xx", count=1)
    assert "not seen by the card system yet" in reconcile(app.extensions["kabao"], window=900)[0]
    lines = reconcile(app.extensions["kabao"], window=0, now=time.time() + 1)
    assert any("never seen by the card system: NOT_FOUND" in line for line in lines)
    assert shopper.payments() == []
    assert "支付失败" in shopper.result().get_data(as_text=True)


def test_a_payment_that_succeeded_on_an_abandoned_attempt_is_given_back(app, client, card_system):
    shopper = pending_order(app, client, card_system, "processing", delay_ms=200)
    assert wait_for(lambda: cards_of(card_system, "lime-market").get(50000 - 12800) is not None)
    time.sleep(0.3)
    lines = reconcile(app.extensions["kabao"], window=0, now=time.time() + 1)
    assert any("paid on an abandoned attempt: reversed" in line for line in lines)
    assert [p["status"] for p in shopper.payments()] == ["REVERSED"]
    assert cards_of(card_system, "lime-market").get(50000) is not None  # the money is back


def test_card_system_still_down_leaves_it_pending(app, client, card_system):
    pending_order(app, client, card_system, "error_5xx", count=1)
    add_fault(card_system, system="lime", op="payment_status", mode="error_5xx")
    lines = reconcile(app.extensions["kabao"], window=0, now=time.time() + 1)
    assert any("still unknown" in line for line in lines)


def test_reconcile_command_prints_what_it_did(app, client, card_system, monkeypatch):
    pending_order(app, client, card_system, "processing", delay_ms=100)
    time.sleep(0.2)
    for key in (
        "KABAO_CONFIG_DIR",
        "KABAO_STORE_URL",
        "KABAO_LEDGER_PATH",
        "KABAO_LEDGER_URL",
        "KABAO_HOST_SECRET",
        *LOOPBACK_SANDBOX,
    ):
        monkeypatch.setenv(key, str(app.config[key]))
    monkeypatch.setenv("KABAO_SECRET_KEY", app.config["SECRET_KEY"])
    result = CliRunner().invoke(main, ["reconcile"])
    assert result.exit_code == 0, result.output
    assert "is now PAID" in result.output and "reconcile: " in result.output
    again = CliRunner().invoke(main, ["reconcile"])
    assert "reconcile: nothing pending" in again.output
