"""The terminal API against the sandbox: a pay code charges once, through the same ledger as checkout."""

from __future__ import annotations

import shutil
import threading
import time

import pytest
from kabao_testing import CONFIG_DIR, add_fault, sandbox_cards, sandbox_payments, wait_for
from paycode_testing import Terminal, issue_code, lime_card, transaction

from bff.checkout.reconcile import reconcile
from bff.paycode.redemptions import RedemptionState


@pytest.fixture
def app(app_on_each_ledger):
    return app_on_each_ledger  # money moves here: on a SQLite and on a PostgreSQL ledger


@pytest.fixture
def till(client, card_system):
    return Terminal(client, card_system)


def paid(sandbox, txn_id: str, terminal: str = "T1") -> list[dict]:
    return [p for p in sandbox_payments(sandbox, "lime") if p["order_id"] == f"pos:{terminal}:{txn_id}"]


def test_a_redeemed_code_charges_the_card_once_and_ledger_and_sandbox_agree(app, till, card_system):
    card = lime_card(card_system)
    answer = transaction(till.redeem(issue_code(app, card), 3250, "tx-1"))
    assert answer["status"] == "SUCCEEDED"
    assert answer["legs"] == [{"last4": card["card_number"][-4:], "amount": 3250}]
    assert answer["balance_after"] == 50000 - 3250
    assert [(p["amount"], p["status"]) for p in paid(card_system, "tx-1")] == [(3250, "SUCCEEDED")]
    assert lime_card(card_system, 50000 - 3250)
    ledger = app.extensions["kabao"].ledger
    checkout = ledger.checkout_by_order("lime-market", "pos:T1:tx-1")
    assert checkout.status == "PAID" and [leg.status for leg in ledger.legs(checkout.checkout_id)] == ["SUCCEEDED"]


def test_the_same_terminal_transaction_answers_the_same_payment_and_never_charges_twice(app, till, card_system):
    code = issue_code(app, lime_card(card_system))
    first = transaction(till.redeem(code, 1200, "tx-dup"))
    again = transaction(till.redeem(code, 1200, "tx-dup"))
    assert first["status"] == again["status"] == "SUCCEEDED"
    assert len(paid(card_system, "tx-dup")) == 1
    other_terms = till.redeem(code, 9900, "tx-dup")
    assert other_terms.status_code == 409 and other_terms.get_json()["error"]["code"] == "TXN_MISMATCH"


def test_twenty_concurrent_requests_for_one_transaction_charge_once(app, card_system):
    code = issue_code(app, lime_card(card_system))
    answers: list[dict] = []

    def send() -> None:
        answers.append(transaction(Terminal(app.test_client(), card_system).redeem(code, 800, "tx-race")))

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 20 and {a["status"] for a in answers} <= {"SUCCEEDED", "PROCESSING"}
    assert len(paid(card_system, "tx-race")) == 1
    assert lime_card(card_system, 50000 - 800)
    assert transaction(Terminal(app.test_client(), card_system).query("tx-race"))["status"] == "SUCCEEDED"


def test_a_used_code_is_refused_for_another_transaction(app, till, card_system):
    code = issue_code(app, lime_card(card_system))
    assert transaction(till.redeem(code, 500, "tx-a"))["status"] == "SUCCEEDED"
    second = transaction(till.redeem(code, 500, "tx-b"))
    assert (second["status"], second["reason"]) == ("FAILED", "CODE_USED")
    assert paid(card_system, "tx-b") == []


def test_an_expired_code_is_refused(app, till, card_system, monkeypatch):
    codes = app.extensions["kabao"].till.codes
    code = issue_code(app, lime_card(card_system), ttl=30)
    later = codes.clock() + 31
    monkeypatch.setattr(codes, "clock", lambda: later)
    answer = transaction(till.redeem(code, 500, "tx-old"))
    assert (answer["status"], answer["reason"]) == ("FAILED", "CODE_EXPIRED")
    assert paid(card_system, "tx-old") == []


def test_a_rotated_code_is_refused_and_the_new_one_pays(app, till, card_system):
    card = lime_card(card_system)
    old, new = issue_code(app, card), issue_code(app, card)
    refused = transaction(till.redeem(old, 500, "tx-shot"))
    assert (refused["status"], refused["reason"]) == ("FAILED", "CODE_EXPIRED")
    assert transaction(till.redeem(new, 500, "tx-new"))["status"] == "SUCCEEDED"


def test_a_code_is_redeemable_only_by_a_terminal_of_the_issuing_merchant(app, client, card_system):
    peach_card = sandbox_cards(card_system, "peach", user_id="u1001")[0]
    code = issue_code(app, peach_card, merchant="peach-bakery")
    answer = transaction(Terminal(client, card_system).redeem(code, 500, "tx-foreign"))
    assert (answer["status"], answer["reason"]) == ("FAILED", "CODE_INVALID")
    assert transaction(Terminal(client, card_system, "peach-bakery", "P1").redeem(code, 500))["status"] == "SUCCEEDED"


def test_unknown_and_malformed_codes_are_refused_alike(app, till):
    for code in ("661234567890123456", "12345", "66abc"):
        answer = transaction(till.redeem(code, 500))
        assert (answer["status"], answer["reason"]) == ("FAILED", "CODE_INVALID")


def test_failed_redemptions_are_limited_per_terminal(app, client, till, card_system):
    for _ in range(10):
        assert transaction(till.redeem("661234567890123456", 500))["reason"] == "CODE_INVALID"
    good = issue_code(app, lime_card(card_system))
    blocked = till.redeem(good, 500)
    assert blocked.status_code == 429 and blocked.get_json()["error"]["code"] == "TOO_MANY_FAILURES"
    assert transaction(Terminal(client, card_system, terminal_id="T2").redeem(good, 500))["status"] == "SUCCEEDED"


def test_a_bad_signature_a_stale_clock_a_replay_and_a_wrong_key_are_refused(app, client, till, card_system):
    path, raw = "/api/terminal/v1/transactions/tx-x", b""
    forged = {**till.headers("GET", path, raw), "X-Kabao-Signature": "0" * 64}
    assert client.get(path, headers=forged).status_code == 401
    stale = till.headers("GET", path, raw, timestamp=str(int(time.time()) - 120))
    assert client.get(path, headers=stale).status_code == 401
    fresh = till.headers("GET", path, raw)
    assert client.get(path, headers=fresh).status_code == 404  # signed: the transaction just doesn't exist
    replay = client.get(path, headers=fresh)
    assert replay.status_code == 401 and replay.get_json()["error"]["code"] == "REPLAYED"
    t2_key_as_t1 = Terminal(client, card_system, key=card_system.keys["KABAO_MERCHANT_LIME_TERMINAL_T2_KEY"])
    assert t2_key_as_t1.query("tx-x").status_code == 401
    assert Terminal(client, card_system, terminal_id="T9", key="x").query("tx-x").status_code == 401


def test_an_unknown_outcome_is_processing_then_confirmed(app, till, card_system):
    add_fault(card_system, system="lime", op="pay", mode="drop_response", count=1)
    code = issue_code(app, lime_card(card_system))
    assert transaction(till.redeem(code, 700, "tx-lost"))["status"] == "PROCESSING"
    assert wait_for(lambda: transaction(till.query("tx-lost"))["status"] == "SUCCEEDED")
    assert len(paid(card_system, "tx-lost")) == 1


def test_a_declined_card_is_failed_with_a_reason_the_cashier_can_read(app, till, card_system):
    code = issue_code(app, lime_card(card_system, 3650))
    answer = transaction(till.redeem(code, 5000, "tx-poor"))
    assert (answer["status"], answer["reason"]) == ("FAILED", "INSUFFICIENT_BALANCE")


def test_cancel_gives_the_whole_payment_back(app, till, card_system):
    code = issue_code(app, lime_card(card_system))
    transaction(till.redeem(code, 4200, "tx-void"))
    assert transaction(till.cancel("tx-void"))["status"] == "CANCELLED"
    assert lime_card(card_system, 50000)
    assert transaction(till.query("tx-void"))["status"] == "CANCELLED"
    assert till.refund("tx-void", 100).status_code == 409  # nothing left to refund


def test_partial_refunds_up_to_what_was_paid_and_never_beyond(app, till, card_system):
    code = issue_code(app, lime_card(card_system))
    transaction(till.redeem(code, 3000, "tx-ref"))
    first = till.refund("tx-ref", 1000, "rf-1")
    assert first.status_code == 200 and first.get_json()["refund"]["status"] == "SUCCEEDED"
    assert till.refund("tx-ref", 1000, "rf-1").get_json()["refund"]["amount"] == 1000  # a retry: the same refund
    over = till.refund("tx-ref", 2001, "rf-2")
    assert over.status_code == 409 and over.get_json()["error"]["code"] == "REFUND_EXCEEDED"
    assert till.refund("tx-ref", 2000, "rf-3").status_code == 200
    assert lime_card(card_system, 50000)
    assert till.cancel("tx-ref").status_code == 409  # refunded: no cancel on top


def test_above_the_pin_amount_the_till_waits_for_the_shopper(app, till, card_system):
    code = issue_code(app, lime_card(card_system))
    waiting = transaction(till.redeem(code, 25000, "tx-pin"))
    assert (waiting["status"], waiting.get("waiting_for")) == ("PROCESSING", "PIN")
    assert paid(card_system, "tx-pin") == []
    assert transaction(till.query("tx-pin"))["status"] == "PROCESSING"
    assert transaction(till.cancel("tx-pin"))["reason"] == "SHOPPER_CANCELLED"
    assert paid(card_system, "tx-pin") == []


def test_a_pending_redemption_is_settled_by_reconcile_and_the_till_then_sees_it(app, till, card_system):
    add_fault(card_system, system="lime", op="pay", mode="drop_response", count=1)
    code = issue_code(app, lime_card(card_system))
    assert transaction(till.redeem(code, 900, "tx-night"))["status"] == "PROCESSING"
    reconcile(app.extensions["kabao"], window=900, now=time.time() + 60)
    ledger = app.extensions["kabao"].ledger
    assert ledger.checkout_by_order("lime-market", "pos:T1:tx-night").status == "PAID"
    assert transaction(till.query("tx-night"))["status"] == "SUCCEEDED"
    assert len(paid(card_system, "tx-night")) == 1


def test_a_claim_whose_payment_never_started_fails_after_a_while_and_can_never_charge(
    app, till, card_system, monkeypatch
):
    services = app.extensions["kabao"]
    code = issue_code(app, lime_card(card_system))
    grant = services.till.codes.resolve(code, "lime-market")
    services.till.redemptions.claim(grant, "T1", "tx-crash", "S-PUDONG", 700, RedemptionState.CLAIMED)  # then died
    assert transaction(till.query("tx-crash"))["status"] == "PROCESSING"
    later = time.time() + 200
    monkeypatch.setattr(services.till, "clock", lambda: later)
    answer = transaction(till.query("tx-crash"))
    assert (answer["status"], answer["reason"]) == ("FAILED", "NOT_STARTED")
    assert transaction(till.redeem(code, 700, "tx-crash"))["status"] == "FAILED"  # a late retry starts nothing
    assert paid(card_system, "tx-crash") == []


def test_cancel_is_refused_after_the_merchants_window(app, till, card_system, monkeypatch):
    code = issue_code(app, lime_card(card_system))
    transaction(till.redeem(code, 600, "tx-late"))
    later = time.time() + 601  # lime-market: cancel_window_seconds 600
    monkeypatch.setattr(app.extensions["kabao"].till, "clock", lambda: later)
    refused = till.cancel("tx-late")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "CANCEL_WINDOW_PASSED"
    assert lime_card(card_system, 50000 - 600)


def test_a_retry_while_the_transaction_is_in_flight_answers_processing_and_uses_no_failure_slot(
    make_app, card_system, tmp_path
):
    """A till retrying a slow redemption must not use up its refused-code limit: a retry takes no slot."""
    config = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config)
    path = config / "lime-market.yaml"
    path.write_text(path.read_text().replace("failed_redemptions: {attempts: 10,", "failed_redemptions: {attempts: 1,"))
    app = make_app(config_dir=config)
    code = issue_code(app, lime_card(card_system))
    add_fault(card_system, system="lime", op="pay", mode="latency", delay_ms=1500)
    first: list[dict] = []
    working = threading.Thread(
        target=lambda: first.append(transaction(Terminal(app.test_client(), card_system).redeem(code, 800, "tx-slow")))
    )
    working.start()
    redemptions = app.extensions["kabao"].till.redemptions
    assert wait_for(lambda: redemptions.find("lime-market", "T1", "tx-slow") is not None)  # charging now

    retry = Terminal(app.test_client(), card_system).redeem(code, 800, "tx-slow")
    working.join()
    assert retry.status_code == 200, retry.get_data(as_text=True)  # not TOO_MANY_FAILURES: no code was refused
    assert transaction(retry)["status"] == "PROCESSING"
    assert first[0]["status"] == "SUCCEEDED" and len(paid(card_system, "tx-slow")) == 1
