"""Paying, idempotency under concurrency, status, reversal and refund on the sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from sandbox.runner import start_sandbox

CLIENT_SCRIPT = """
import json, sys
from concurrent.futures import ThreadPoolExecutor
import requests
url, key, body = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
def pay(_):
    r = requests.post(url, json=body, headers={"Authorization": "Bearer " + key}, timeout=30)
    return r.status_code
with ThreadPoolExecutor(8) as pool:
    print(json.dumps(list(pool.map(pay, range(8)))))
"""


def payments_of(admin, system: str = "lime") -> list[dict]:
    """The payments the sandbox recorded."""
    return admin.payments(system)["payments"]


def test_pay_charges_the_card_and_writes_a_payment_transaction(api, lime, admin) -> None:
    card_id = lime["main"]["card_id"]
    response = api.pay("lime", card_id, "kb_1", 2500, order_id="20261125-0001")
    payment = response.json()["payment"]
    assert (payment["status"], payment["amount"], payment["refunded_amount"]) == ("SUCCEEDED", 2500, 0)
    assert payment["error_code"] is None and payment["order_id"] == "20261125-0001"
    assert api.balance("lime", card_id) == 47500
    newest = api.history("lime", card_id)[0]
    assert (newest["kind"], newest["amount"], newest["balance_after"]) == ("PAYMENT", -2500, 47500)
    assert newest["payment_id"] == "kb_1"


def test_pay_twice_with_same_id_charges_once(api, lime, admin) -> None:
    card_id = lime["main"]["card_id"]
    first = api.pay("lime", card_id, "kb_same", 1234)
    second = api.pay("lime", card_id, "kb_same", 1234)
    assert second.status_code == 200
    assert second.json() == first.json()
    assert api.balance("lime", card_id) == 50000 - 1234
    assert [p["payment_id"] for p in payments_of(admin)] == ["kb_same"]
    assert [t["payment_id"] for t in api.history("lime", card_id) if t["kind"] == "PAYMENT"].count("kb_same") == 1


@pytest.mark.parametrize("field", ["amount", "order_id", "card_id", "user_id"])
def test_pay_with_same_id_and_other_parameters_answers_duplicate(api, lime, admin, field) -> None:
    card_id = lime["main"]["card_id"]
    body = {
        "payment_id": "kb_dup",
        "user_id": "u1001",
        "card_id": card_id,
        "order_id": "o1",
        "amount": 1234,
        "currency": "CNY",
    }
    assert api.call("lime", "POST", "/payments", json=body).status_code == 200
    other = {"amount": 1235, "order_id": "o2", "card_id": lime["small"]["card_id"], "user_id": "u1002"}
    response = api.call("lime", "POST", "/payments", json={**body, field: other[field]})
    assert (response.status_code, response.json()["error"]["code"]) == (409, "DUPLICATE")
    assert api.balance("lime", card_id) == 50000 - 1234
    assert api.balance("lime", lime["small"]["card_id"]) == 3650
    assert len(payments_of(admin)) == 1


def test_concurrent_pays_with_the_same_id_from_threads_charge_once(api, lime, admin, sandbox) -> None:
    card_id = lime["main"]["card_id"]
    body = {
        "payment_id": "kb_race",
        "user_id": "u1001",
        "card_id": card_id,
        "order_id": "o-race",
        "amount": 999,
        "currency": "CNY",
    }

    def pay(_: int) -> tuple[int, dict]:
        response = requests.post(
            f"{sandbox.system_url('lime')}/payments",
            json=body,
            timeout=30,
            headers={"Authorization": f"Bearer {sandbox.api_key}"},
        )
        return response.status_code, response.json()["payment"]

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(pay, range(32)))
    assert {status for status, _ in answers} == {200}
    assert len({json.dumps(payment, sort_keys=True) for _, payment in answers}) == 1
    assert api.balance("lime", card_id) == 50000 - 999
    assert len(payments_of(admin)) == 1


def test_concurrent_pays_from_two_client_processes_charge_once(api, lime, admin, sandbox) -> None:
    card_id = lime["main"]["card_id"]
    body = json.dumps(
        {
            "payment_id": "kb_procs",
            "user_id": "u1001",
            "card_id": card_id,
            "order_id": "o-procs",
            "amount": 777,
            "currency": "CNY",
        }
    )
    command = [
        sys.executable,
        "-c",
        CLIENT_SCRIPT,
        f"{sandbox.system_url('lime')}/payments",
        sandbox.api_key,
        body,
    ]
    clients = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [client.communicate(timeout=60)[0] for client in clients]
    assert [json.loads(out) for out in outputs] == [[200] * 8, [200] * 8]
    assert api.balance("lime", card_id) == 50000 - 777
    assert len(payments_of(admin)) == 1


def test_two_sandbox_processes_on_one_database_charge_once(api, lime, admin, sandbox, config_dir) -> None:
    card_id = lime["main"]["card_id"]
    body = {
        "payment_id": "kb_two_servers",
        "user_id": "u1001",
        "card_id": card_id,
        "order_id": "o-2",
        "amount": 555,
        "currency": "CNY",
    }
    with start_sandbox(db_path=sandbox.db_path, config_dir=config_dir) as second:
        urls = [f"{s.system_url('lime')}/payments" for s in (sandbox, second)] * 8
        headers = {"Authorization": f"Bearer {sandbox.api_key}"}
        with ThreadPoolExecutor(16) as pool:
            statuses = list(
                pool.map(lambda url: requests.post(url, json=body, headers=headers, timeout=30).status_code, urls)
            )
    assert second.process.poll() is not None
    assert statuses == [200] * 16
    assert api.balance("lime", card_id) == 50000 - 555
    assert len(payments_of(admin)) == 1


def test_a_declined_payment_is_recorded_failed_and_a_retry_gives_the_same_decline(api, lime, admin) -> None:
    card_id = lime["small"]["card_id"]
    first = api.pay("lime", card_id, "kb_poor", 5000)
    assert (first.status_code, first.json()["error"]["code"]) == (402, "INSUFFICIENT_BALANCE")
    assert first.json()["payment"]["status"] == "FAILED"
    assert first.json()["payment"]["error_code"] == "INSUFFICIENT_BALANCE"
    again = api.pay("lime", card_id, "kb_poor", 5000)
    assert again.json() == first.json()
    assert api.balance("lime", card_id) == 3650
    assert [(p["payment_id"], p["status"]) for p in payments_of(admin)] == [("kb_poor", "FAILED")]


@pytest.mark.parametrize(("role", "code"), [("frozen", "CARD_FROZEN"), ("expired", "CARD_EXPIRED")])
def test_pay_refuses_frozen_and_expired_cards(api, lime, admin, role, code) -> None:
    response = api.pay("lime", lime[role]["card_id"], "kb_refused", 100)
    assert (response.status_code, response.json()["error"]["code"]) == (409, code)
    assert response.json()["payment"]["status"] == "FAILED"
    assert admin.card("lime", lime[role]["card_id"])["balance"] == lime[role]["balance"]


@pytest.mark.parametrize("amount", [12.5, "100", 0, -100, True, None])
def test_pay_refuses_amounts_that_are_not_positive_integers_in_fen(api, lime, admin, amount) -> None:
    body = {
        "payment_id": "kb_bad",
        "user_id": "u1001",
        "card_id": lime["main"]["card_id"],
        "order_id": "o",
        "amount": amount,
        "currency": "CNY",
    }
    response = api.call("lime", "POST", "/payments", json=body, valid_request=False)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "INVALID_REQUEST")
    assert payments_of(admin) == []


def test_pay_checks_the_secret_when_given_and_records_nothing_when_wrong(api, lime, admin) -> None:
    card = lime["main"]
    wrong = api.pay("lime", card["card_id"], "kb_pin", 100, secret="000000-wrong")
    assert (wrong.status_code, wrong.json()["error"]["code"]) == (400, "WRONG_SECRET")
    assert "payment" not in wrong.json() and payments_of(admin) == []
    right = api.pay("lime", card["card_id"], "kb_pin", 100, secret=card["secret"])
    assert right.json()["payment"]["status"] == "SUCCEEDED"


def test_pay_with_a_locked_secret_answers_secret_locked(api, lime) -> None:
    card = lime["main"]
    codes = [api.pay("lime", card["card_id"], f"kb_{i}", 100, secret="bad").json()["error"]["code"] for i in range(5)]
    assert codes[-1] == "SECRET_LOCKED"
    locked = api.pay("lime", card["card_id"], "kb_locked", 100, secret=card["secret"])
    assert (locked.status_code, locked.json()["error"]["code"]) == (423, "SECRET_LOCKED")
    assert api.balance("lime", card["card_id"]) == 50000


def test_payment_status_answers_the_recorded_payment(api, lime) -> None:
    paid = api.pay("lime", lime["main"]["card_id"], "kb_s", 300).json()["payment"]
    assert api.call("lime", "GET", "/payments/kb_s").json() == {"result": "OK", "payment": paid}
    unknown = api.call("lime", "GET", "/payments/kb_unknown")
    assert unknown.json()["error"]["code"] == "PAYMENT_NOT_FOUND"


def test_payments_are_separate_per_card_system(api, lime, seeded) -> None:
    api.pay("lime", lime["main"]["card_id"], "kb_shared_id", 300)
    assert api.call("peach", "GET", "/payments/kb_shared_id").status_code == 404
    peach_main = seeded("peach")["main"]["card_id"]
    assert api.pay("peach", peach_main, "kb_shared_id", 300).status_code == 200


def test_reverse_gives_the_money_back_once(api, lime, admin) -> None:
    card_id = lime["main"]["card_id"]
    api.pay("lime", card_id, "kb_r", 4000)
    first = api.call("lime", "POST", "/payments/kb_r/reversal", json={})
    second = api.call("lime", "POST", "/payments/kb_r/reversal", json={})
    assert first.json()["payment"]["status"] == "REVERSED"
    assert second.json() == first.json()
    assert api.balance("lime", card_id) == 50000
    kinds = [(t["kind"], t["amount"]) for t in api.history("lime", card_id)[:2]]
    assert kinds == [("REVERSAL", 4000), ("PAYMENT", -4000)]
    assert api.history("lime", card_id)[0]["payment_id"] == "kb_r"
    assert [p["status"] for p in payments_of(admin)] == ["REVERSED"]


def test_reverse_a_failed_payment_answers_it_unchanged(api, lime) -> None:
    api.pay("lime", lime["small"]["card_id"], "kb_fail", 99999)
    response = api.call("lime", "POST", "/payments/kb_fail/reversal", json={})
    assert response.status_code == 200
    assert response.json()["payment"]["status"] == "FAILED"
    assert api.balance("lime", lime["small"]["card_id"]) == 3650


def test_reverse_accepts_an_empty_body(api, lime, sandbox) -> None:
    api.pay("lime", lime["main"]["card_id"], "kb_nobody", 100)
    response = requests.post(
        f"{sandbox.system_url('lime')}/payments/kb_nobody/reversal",
        timeout=10,
        headers={"Authorization": f"Bearer {sandbox.api_key}"},
    )
    assert response.json()["payment"]["status"] == "REVERSED"


def test_reverse_after_a_refund_answers_not_reversible(api, lime) -> None:
    card_id = lime["main"]["card_id"]
    api.pay("lime", card_id, "kb_rf", 4000)
    api.call("lime", "POST", "/payments/kb_rf/refunds", json={"refund_id": "rf_1", "amount": 1000})
    response = api.call("lime", "POST", "/payments/kb_rf/reversal", json={})
    assert (response.status_code, response.json()["error"]["code"]) == (409, "NOT_REVERSIBLE")
    assert api.balance("lime", card_id) == 50000 - 3000


def test_refunds_add_up_to_at_most_the_payment(api, lime, admin) -> None:
    card_id = lime["main"]["card_id"]
    api.pay("lime", card_id, "kb_rf", 4000)

    def refund(refund_id: str, amount: int) -> requests.Response:
        body = {"refund_id": refund_id, "amount": amount}
        return api.call("lime", "POST", "/payments/kb_rf/refunds", json=body)

    first = refund("rf_1", 1500).json()
    assert first["refund"]["amount"] == 1500 and first["payment"]["refunded_amount"] == 1500
    too_much = refund("rf_2", 2501)
    assert (too_much.status_code, too_much.json()["error"]["code"]) == (409, "REFUND_EXCEEDED")
    rest = refund("rf_2", 2500).json()
    assert (rest["payment"]["refunded_amount"], rest["payment"]["status"]) == (4000, "SUCCEEDED")
    assert refund("rf_3", 1).json()["error"]["code"] == "REFUND_EXCEEDED"
    assert api.balance("lime", card_id) == 50000
    refunds = admin.payments("lime")["refunds"]
    assert [(r["refund_id"], r["amount"]) for r in refunds] == [("rf_1", 1500), ("rf_2", 2500)]
    history = api.history("lime", card_id)
    assert [(t["kind"], t["amount"], t["payment_id"]) for t in history[:2]] == [
        ("REFUND", 2500, "kb_rf"),
        ("REFUND", 1500, "kb_rf"),
    ]


def test_refund_twice_with_the_same_id_refunds_once(api, lime) -> None:
    card_id = lime["main"]["card_id"]
    api.pay("lime", card_id, "kb_rf", 4000)
    body = {"refund_id": "rf_once", "amount": 1000}
    first = api.call("lime", "POST", "/payments/kb_rf/refunds", json=body).json()
    second = api.call("lime", "POST", "/payments/kb_rf/refunds", json=body).json()
    assert second == first
    assert api.balance("lime", card_id) == 50000 - 3000
    other = api.call("lime", "POST", "/payments/kb_rf/refunds", json={**body, "amount": 999})
    assert (other.status_code, other.json()["error"]["code"]) == (409, "DUPLICATE")


@pytest.mark.parametrize("before", ["reversed", "failed"])
def test_refund_of_a_payment_that_took_no_money_answers_refund_exceeded(api, lime, before) -> None:
    if before == "reversed":
        api.pay("lime", lime["main"]["card_id"], "kb_x", 1000)
        api.call("lime", "POST", "/payments/kb_x/reversal", json={})
    else:
        api.pay("lime", lime["small"]["card_id"], "kb_x", 99999)
    response = api.call("lime", "POST", "/payments/kb_x/refunds", json={"refund_id": "r", "amount": 1})
    assert response.json()["error"]["code"] == "REFUND_EXCEEDED"
    assert api.balance("lime", lime["main"]["card_id"]) == 50000
