"""`kabao worker`: reconcile passes on a schedule; N workers over one store and ledger work each item once."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading

import pytest
import requests
from click.testing import CliRunner
from kabao_testing import LOOPBACK_SANDBOX, add_fault, bff_env, wait_for
from test_checkout import SYSTEM, Shopper, cards_of

from bff.checkout.payer import Payer
from bff.checkout.states import CheckoutStatus
from bff.cli import main
from bff.worker.leases import Leases
from bff.worker.runner import Worker


def pending_orders(app, card_system, count: int, merchant: str = "lime-market") -> list[Shopper]:
    """Orders whose pay answered PROCESSING (the card system settles them a moment later), left unpolled."""
    system = SYSTEM[merchant]
    card = max(cards_of(card_system, merchant).values(), key=lambda c: c["balance"])
    add_fault(card_system, system=system, op="pay", mode="processing", delay_ms=100, count=count)
    shoppers = []
    for _ in range(count):
        shopper = Shopper(app, app.test_client(), card_system, merchant=merchant, amount=1000)
        shopper.pay([card["card_id"]])
        assert "正在确认支付结果" in shopper.result().get_data(as_text=True)
        shoppers.append(shopper)
    settled = lambda: all([p["status"] for p in s.payments()] == ["SUCCEEDED"] for s in shoppers)  # noqa: E731
    assert wait_for(settled), "the card system did not settle its PROCESSING payments"
    return shoppers


def worker_of(app, lease_seconds: float = 60) -> Worker:
    services = app.extensions["kabao"]
    return Worker(services, Leases(services.store, lease_seconds), window=900, every=1, say=lambda _line: None)


def settled_notes(sandbox, order_id: str) -> list[str]:
    """The order statuses the host app was told of, one per payment_settled notification received."""
    found = requests.get(f"{sandbox.url}/_sandbox/notifications", timeout=5).json()["notifications"]
    return [
        n["body"]["order"]["status"] for n in found if n["event"] == "payment_settled" and n["order_id"] == order_id
    ]


def checkout_status(shopper: Shopper) -> CheckoutStatus:
    return shopper.app.extensions["kabao"].ledger.checkout_by_order(shopper.merchant, shopper.order_id).status


def test_two_workers_settle_each_pending_once(make_app, card_system, store_url):
    first, second = make_app(KABAO_STORE_URL=store_url), make_app(KABAO_STORE_URL=store_url)  # one ledger, one store
    shoppers = pending_orders(first, card_system, 4)
    add_fault(card_system, system="lime", op="payment_status", mode="latency", delay_ms=300)  # the workers overlap
    workers, together, passes = [worker_of(first), worker_of(second)], threading.Barrier(2), []

    def run(worker: Worker) -> None:
        together.wait(30)
        passes.append(worker.run_once())

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = [line for done in passes for line in done.lines]
    assert [done.failed for done in passes] == [0, 0]
    for shopper in shoppers:
        assert sum(f"order {shopper.order_id} " in line and "is now PAID" in line for line in lines) == 1, lines
        assert [(p["status"], p["amount"]) for p in shopper.payments()] == [("SUCCEEDED", 1000)]
        assert settled_notes(card_system, shopper.order_id) == ["PAID"]  # told once, though two workers ran
        assert checkout_status(shopper) is CheckoutStatus.PAID


def test_a_worker_killed_holding_a_lease_is_taken_over_once_it_lapses(app, card_system, tmp_path):
    [shopper] = pending_orders(app, card_system, 1)
    # the first worker's status question hangs, so it holds the attempt's lease when it is killed
    add_fault(card_system, system="lime", op="payment_status", mode="latency", delay_ms=20000, count=1)
    env = {**bff_env(card_system, tmp_path), "KABAO_WORKER_LEASE_SECONDS": "6"}  # same ledger and store as app
    doomed = subprocess.Popen(  # noqa: S603 - our own module
        [sys.executable, "-m", "bff.cli", "worker", "--once"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        assert wait_for(lambda: faults(card_system) == [], 60), "the worker never asked the card system"
    finally:
        doomed.kill()  # kill -9: no chance to give its lease up
        doomed.wait(10)
    taker = worker_of(app)
    first = taker.run_once()
    assert first.skipped == 1 and checkout_status(shopper) is CheckoutStatus.PENDING  # still the dead one's
    assert wait_for(lambda: any("is now PAID" in line for line in taker.run_once().lines), 30)
    assert [p["status"] for p in shopper.payments()] == ["SUCCEEDED"]
    assert wait_for(lambda: settled_notes(card_system, shopper.order_id) == ["PAID"])


def faults(sandbox) -> list[dict]:
    return requests.get(f"{sandbox.url}/_sandbox/faults", timeout=5).json()


def test_a_failing_card_system_does_not_stop_the_pass(app, card_system):
    [down] = pending_orders(app, card_system, 1, "lime-market")
    [fine] = pending_orders(app, card_system, 1, "peach-bakery")
    add_fault(card_system, system="lime", op="payment_status", mode="error_5xx")
    done = worker_of(app).run_once()
    assert any(f"order {down.order_id} " in line and "still unknown" in line for line in done.lines), done.lines
    assert checkout_status(down) is CheckoutStatus.PENDING  # left for the next pass, not failed
    assert checkout_status(fine) is CheckoutStatus.PAID
    assert settled_notes(card_system, fine.order_id) == ["PAID"]


@pytest.fixture
def cli_env(app, monkeypatch):
    for key in ("KABAO_CONFIG_DIR", "KABAO_STORE_URL", "KABAO_LEDGER_PATH", "KABAO_HOST_SECRET", *LOOPBACK_SANDBOX):
        monkeypatch.setenv(key, str(app.config[key]))
    monkeypatch.setenv("KABAO_SECRET_KEY", app.config["SECRET_KEY"])


def test_once_and_reconcile_exit_1_when_an_item_failed_and_do_the_rest(app, card_system, cli_env, monkeypatch):
    [broken] = pending_orders(app, card_system, 1, "lime-market")
    [fine] = pending_orders(app, card_system, 1, "peach-bakery")
    check_leg = Payer.check_leg

    def breaks_on_lime(self, gateway, leg, *args):  # an unexpected error while working one item
        if (
            leg.checkout_id
            == broken.app.extensions["kabao"].ledger.checkout_by_order("lime-market", broken.order_id).checkout_id
        ):
            raise RuntimeError("boom")
        return check_leg(self, gateway, leg, *args)

    monkeypatch.setattr(Payer, "check_leg", breaks_on_lime)
    once = CliRunner().invoke(main, ["worker", "--once"])
    assert once.exit_code == 1, once.output
    assert checkout_status(fine) is CheckoutStatus.PAID and checkout_status(broken) is CheckoutStatus.PENDING
    again = CliRunner().invoke(main, ["reconcile"])
    assert again.exit_code == 1, again.output
    assert f"checkout {checkout_of(broken)}: failed (RuntimeError); left for the next run" in again.output
    monkeypatch.setattr(Payer, "check_leg", check_leg)
    fixed = CliRunner().invoke(main, ["worker", "--once"])
    assert fixed.exit_code == 0, fixed.output
    assert checkout_status(broken) is CheckoutStatus.PAID


def checkout_of(shopper: Shopper) -> str:
    return shopper.app.extensions["kabao"].ledger.checkout_by_order(shopper.merchant, shopper.order_id).checkout_id


def test_sigterm_lets_the_worker_finish_the_item_in_hand(app, card_system, tmp_path):
    [shopper] = pending_orders(app, card_system, 1)
    add_fault(card_system, system="lime", op="payment_status", mode="latency", delay_ms=1500, count=1)
    env = {**bff_env(card_system, tmp_path), "PYTHONUNBUFFERED": "1"}
    worker = subprocess.Popen(  # noqa: S603 - our own module
        [sys.executable, "-m", "bff.cli", "worker", "--every", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert wait_for(lambda: faults(card_system) == [], 60), "the worker never asked the card system"
        worker.send_signal(signal.SIGTERM)  # while its status question is still waiting for an answer
        output, _ = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert worker.returncode == 0, output
    assert f"order {shopper.order_id} " in output and "is now PAID" in output
    assert output.rstrip().endswith("stopped"), output
    assert checkout_status(shopper) is CheckoutStatus.PAID


def test_an_idle_worker_stops_at_once_on_sigterm(card_system, tmp_path):
    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(  # noqa: S603 - our own module
            [sys.executable, "-m", "bff.cli", "worker", "--every", "600"],
            env={**bff_env(card_system, tmp_path), "PYTHONUNBUFFERED": "1"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            assert wait_for(lambda: "a pass every 600 s" in log_path.read_text(), 60), log_path.read_text()
            worker.send_signal(signal.SIGTERM)  # resting between passes, ten minutes from the next
            assert worker.wait(timeout=20) == 0, log_path.read_text()
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait()
    assert log_path.read_text().rstrip().endswith("stopped")
