"""Two machines for real: two `kabao serve` sharing only PostgreSQL, one Redis, the sandbox and the config dir.

Each machine has its own instance, working and temp dirs (and keeps nothing in them): whatever one does,
the other sees through the shared services. One charge per leg however the shopper's clicks are spread,
refunds and the host API on either machine, a worker on each settling each pending once, and a machine
killed with SIGKILL mid-payment whose payment the other machine and the workers settle, charged once.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress

import psycopg
import pytest
import redis
import requests
from kabao_testing import (
    CONFIG_DIR,
    add_fault,
    bff_env,
    mint_launch_token,
    sandbox_cards,
    sandbox_payments,
    wait_for,
)
from machines_testing import KABAO, Ops, Tab, host_api, open_order, running, start_machine, worker_once
from werkzeug.security import generate_password_hash

SYSTEM = {"lime-market": "lime", "peach-bakery": "peach"}
OPS_USERS = f"alice:{generate_password_hash('correct horse')},bob:{generate_password_hash('battery staple')}"


@pytest.fixture(scope="module")
def shared(sandbox, postgres, redis_url, tmp_path_factory) -> dict[str, str]:
    """The environment every machine shares: one PostgreSQL ledger (upgraded once), one Redis, one config dir."""
    root = tmp_path_factory.mktemp("machines")
    shutil.copytree(CONFIG_DIR, root / "config")
    store = redis_url.rsplit("/", 1)[0] + "/3"  # a Redis database of its own
    redis.Redis.from_url(store).flushdb()
    env = {
        **bff_env(sandbox, root, root / "config"),
        "KABAO_LEDGER_URL": postgres.create_database("machines"),
        "KABAO_STORE_URL": store,
        "KABAO_WORKER_LEASE_SECONDS": "20",
        "KABAO_OPS_USERS": OPS_USERS,
    }
    del env["KABAO_LEDGER_PATH"]
    upgrade = subprocess.run([KABAO, "db", "upgrade"], env=env, capture_output=True, text=True, check=False)  # noqa: S603
    assert upgrade.returncode == 0, upgrade.stdout + upgrade.stderr
    return env


@pytest.fixture(scope="module")
def fleet(shared, tmp_path_factory):
    """Machines a and b, and a third one a test kills; booted together."""
    started = [start_machine(name, shared, tmp_path_factory.mktemp(f"machine-{name}")) for name in ("a", "b", "c")]
    with running(started):
        yield started
    for machine in started:
        assert machine.local_files() == [], f"machine {machine.name} kept local state"


@pytest.fixture(scope="module")
def machines(fleet):
    return fleet[:2]


def charges(sandbox, merchant: str, order_id: str) -> list[tuple[str, int]]:
    found = [p for p in sandbox_payments(sandbox, SYSTEM[merchant]) if p["order_id"] == order_id]
    return sorted((p["status"], p["amount"]) for p in found)


def balances(sandbox, system: str) -> dict[str, int]:
    return {c["card_id"]: c["balance"] for c in sandbox_cards(sandbox, system, user_id="u1001")}


def by_balance(sandbox, system: str) -> dict[int, dict]:
    return {c["balance"]: c for c in sandbox_cards(sandbox, system, user_id="u1001")}


def all_at_once(jobs) -> list:
    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(lambda job: job(), jobs))


def order_on(machine, sandbox, merchant: str, order_id: str) -> dict:
    answer = host_api(machine.url, sandbox.host_secret, "GET", f"/api/v1/orders/{merchant}/{order_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()["order"]


def settled_notes(sandbox, order_id: str) -> list[str]:
    found = requests.get(f"{sandbox.url}/_sandbox/notifications", timeout=5).json()["notifications"]
    return [
        n["body"]["order"]["status"] for n in found if n["event"] == "payment_settled" and n["order_id"] == order_id
    ]


def test_one_host_order_opened_and_paid_through_both_machines_is_charged_once(machines, card_system):
    a, b = machines
    card = by_balance(card_system, "lime")[50000]
    order_id = f"M-{uuid.uuid4().hex[:10]}"
    # the host app opens the same order twice, once on each machine (two tokens, two browsers)
    first, path_a = open_order(a.url, card_system, "lime-market", order_id, 12800)
    second, path_b = open_order(b.url, card_system, "lime-market", order_id, 12800)
    assert path_a == path_b  # one checkout per host order, whichever machine opened it
    tabs = [Tab(first, a.url, path_a), Tab(second, b.url, path_b)]
    codes = all_at_once([lambda t=tab: t.pay(card) for tab in tabs] * 4)
    assert all(code < 500 for code in codes), codes
    assert charges(card_system, "lime-market", order_id) == [("SUCCEEDED", 12800)]
    assert balances(card_system, "lime")[card["card_id"]] == 50000 - 12800
    for machine in machines:
        assert order_on(machine, card_system, "lime-market", order_id)["status"] == "PAID"


def test_twenty_concurrent_pays_split_across_both_machines_charge_once_per_leg(machines, card_system):
    a, b = machines
    cards = by_balance(card_system, "peach")
    big, small = cards[50000], cards[3650]
    order_id = f"M-{uuid.uuid4().hex[:10]}"
    browser, path = open_order(a.url, card_system, "peach-bakery", order_id, 52000)
    tab_a, tab_b = Tab(browser, a.url, path), Tab(browser, b.url, path)  # the same attempt, posted to both
    codes = all_at_once([lambda: tab_a.pay(big, small), lambda: tab_b.pay(big, small)] * 10)
    assert all(code < 500 for code in codes), codes
    paid = charges(card_system, "peach-bakery", order_id)
    assert len(paid) == 2 and {s for s, _ in paid} == {"SUCCEEDED"} and sum(a for _, a in paid) == 52000
    left = balances(card_system, "peach")
    assert (50000 - left[big["card_id"]]) + (3650 - left[small["card_id"]]) == 52000
    assert "支付成功" in tab_b.result() and "支付成功" in tab_a.result()


def test_a_refund_through_one_machine_of_an_order_paid_through_the_other(machines, card_system):
    a, b = machines
    card = by_balance(card_system, "lime")[50000]
    order_id = f"M-{uuid.uuid4().hex[:10]}"
    browser, path = open_order(a.url, card_system, "lime-market", order_id, 12800)
    assert Tab(browser, a.url, path).pay(card) == 303
    body = {"merchant_id": "lime-market", "order_id": order_id, "refund_id": "R-other", "amount": 5000}
    refunded = host_api(b.url, card_system.host_secret, "POST", "/api/v1/refunds", body)
    assert refunded.status_code == 200 and refunded.json()["refund"]["status"] == "SUCCEEDED", refunded.text
    [payment] = [p for p in sandbox_payments(card_system, "lime") if p["order_id"] == order_id]
    assert (payment["status"], payment["refunded_amount"]) == ("SUCCEEDED", 5000)
    assert order_on(a, card_system, "lime-market", order_id)["refunded"] == 5000  # the other machine sees it
    again = host_api(a.url, card_system.host_secret, "POST", "/api/v1/refunds", body)
    assert again.json() == refunded.json()  # the same refund id on the other machine: the same refund
    assert balances(card_system, "lime")[card["card_id"]] == 50000 - 12800 + 5000


def test_a_worker_on_each_machine_settles_each_pending_once(machines, card_system, tmp_path):
    card = by_balance(card_system, "lime")[50000]
    add_fault(card_system, system="lime", op="pay", mode="processing", delay_ms=100, count=4)
    orders = []
    for i in range(4):
        machine = machines[i % 2]
        order_id = f"M-{uuid.uuid4().hex[:10]}"
        browser, path = open_order(machine.url, card_system, "lime-market", order_id, 1000)
        assert Tab(browser, machine.url, path).pay(card) == 303
        orders.append(order_id)
    settled = lambda: all(charges(card_system, "lime-market", o) == [("SUCCEEDED", 1000)] for o in orders)  # noqa: E731
    assert wait_for(settled, 30), "the card system did not settle its PROCESSING payments"
    add_fault(card_system, system="lime", op="payment_status", mode="latency", delay_ms=300)  # the workers overlap
    workers = [worker_once(m.env, tmp_path / m.name) for m in machines]
    outputs = [w.communicate(timeout=60)[0] for w in workers]
    requests.delete(f"{card_system.url}/_sandbox/faults", timeout=5)
    assert [w.returncode for w in workers] == [0, 0], outputs
    lines = "\n".join(outputs).splitlines()
    for order_id in orders:
        assert sum(f"order {order_id} " in line and "is now PAID" in line for line in lines) == 1, outputs
        assert charges(card_system, "lime-market", order_id) == [("SUCCEEDED", 1000)]
        assert wait_for(lambda o=order_id: settled_notes(card_system, o) == ["PAID"], 15)  # told once
        assert order_on(machines[0], card_system, "lime-market", order_id)["status"] == "PAID"


def test_a_machine_killed_mid_payment_is_settled_by_the_other_and_the_workers(
    shared, fleet, card_system, tmp_path_factory
):
    survivor, doomed = fleet[1], fleet[2]
    card = by_balance(card_system, "lime")[50000]
    order_id = f"M-{uuid.uuid4().hex[:10]}"
    browser, path = open_order(doomed.url, card_system, "lime-market", order_id, 12800)
    tab = Tab(browser, doomed.url, path)
    add_fault(card_system, system="lime", op="pay", mode="latency", delay_ms=3000, count=1)  # a slow payment
    paying = threading.Thread(target=lambda: _ignore_lost(tab.pay, card), daemon=True)
    paying.start()
    in_flight = lambda: requests.get(f"{card_system.url}/_sandbox/faults", timeout=5).json() == []  # noqa: E731
    assert wait_for(in_flight, 30), "the payment never reached the card system"
    doomed.kill()  # mid-payment: the card system is still working on the charge
    paying.join(30)
    # the card system finishes the charge the dead machine asked for; nobody has recorded its outcome yet
    assert wait_for(lambda: charges(card_system, "lime-market", order_id) == [("SUCCEEDED", 12800)], 30)
    assert ledger_legs(shared, order_id) == [("PENDING", 12800)]
    worker = worker_once(survivor.env, tmp_path_factory.mktemp("worker-after-kill"))
    output = worker.communicate(timeout=60)[0]
    assert worker.returncode == 0 and f"order {order_id} " in output and "is now PAID" in output, output
    assert wait_for(lambda: settled_notes(card_system, order_id) == ["PAID"], 15)
    tab.url = f"{survivor.url}{path}"  # the shopper's tab, reloaded: the other machine answers
    assert "支付成功" in tab.result()
    assert tab.pay(card) < 500  # the form sent again, to the survivor, charges nothing more
    assert charges(card_system, "lime-market", order_id) == [("SUCCEEDED", 12800)]
    assert balances(card_system, "lime")[card["card_id"]] == 50000 - 12800
    assert order_on(survivor, card_system, "lime-market", order_id)["status"] == "PAID"


def _ignore_lost(pay, card) -> None:
    with suppress(requests.RequestException):  # the machine died under the request: what the shopper sees
        pay(card)


def wallet_on(machine, sandbox, merchant: str) -> str:
    """The wallet page a shopper launched on this machine sees."""
    browser = requests.Session()
    browser.get(f"{machine.url}/launch?token={mint_launch_token(sandbox.host_secret, 'u1001', merchant)}", timeout=15)
    return browser.get(f"{machine.url}/wallet", timeout=15).text


def test_a_publish_on_one_machine_is_served_by_the_other_within_seconds(machines, card_system, shared):
    a, b = machines
    assert "卡内可用余额" in wallet_on(b, card_system, "lime-market")
    alice = Ops(a.url, "alice", "correct horse")
    live = alice.live_text("lime-market", shared)
    assert alice.save("lime-market", live.replace("卡内可用余额", "礼品卡余额")) == 200
    assert alice.publish("lime-market", alice.base("lime-market")) == 303
    assert wait_for(lambda: "礼品卡余额" in wallet_on(b, card_system, "lime-market"), 10)


def test_two_ops_publishing_one_merchant_on_two_machines_at_once_one_wins(machines, shared):
    a, b = machines
    alice, bob = Ops(a.url, "alice", "correct horse"), Ops(b.url, "bob", "battery staple")
    for round_ in range(3):
        live = alice.live_text("peach-bakery", shared)
        assert alice.save("peach-bakery", f"{live}# round {round_}\n") == 200
        seen = [alice.base("peach-bakery"), bob.base("peach-bakery")]  # both opened the same draft
        assert seen[0] == seen[1]
        presses = [ops.publisher("peach-bakery", v) for ops, v in zip((alice, bob), seen, strict=True)]
        codes = all_at_once(presses)  # both press publish at the same moment
        assert sorted(codes) == [303, 409], codes
        assert alice.live_text("peach-bakery", shared).endswith(f"# round {round_}\n")
        assert Ops.actions(shared, "peach-bakery").count("publish") == round_ + 1  # one publish a round


def ledger_legs(shared: dict[str, str], order_id: str) -> list[tuple[str, int]]:
    """What the shared ledger says of an order's legs, read straight from PostgreSQL (no Kabao code asked)."""
    with psycopg.connect(shared["KABAO_LEDGER_URL"]) as conn:
        rows = conn.execute(
            "SELECT l.status, l.amount FROM legs l JOIN checkouts c USING (checkout_id) WHERE c.order_id = %s",
            (order_id,),
        ).fetchall()
    return sorted(rows)
