"""Each fault mode does what docs/sandbox-contract.md says, and leaves the books right."""

from __future__ import annotations

import json
import time

import pytest
import requests


def raw_pay(sandbox, card_id: str, payment_id: str, amount: int) -> requests.Response:
    """Pay without spec validation (a faulty answer is not the contract, on purpose)."""
    body = {
        "payment_id": payment_id,
        "user_id": "u1001",
        "card_id": card_id,
        "order_id": f"order-{payment_id}",
        "amount": amount,
        "currency": "CNY",
    }
    headers = {"Authorization": f"Bearer {sandbox.api_key}"}
    return requests.post(f"{sandbox.system_url('lime')}/payments", json=body, headers=headers, timeout=30)


def test_latency_delays_then_answers_normally(api, admin, lime) -> None:
    admin.add_fault(system="lime", op="card_detail", mode="latency", delay_ms=400, count=1)
    path = f"/users/u1001/cards/{lime['main']['card_id']}"
    started = time.monotonic()
    slow = api.call("lime", "GET", path)
    elapsed = time.monotonic() - started
    assert slow.status_code == 200 and slow.json()["card"]["balance"] == 50000
    assert elapsed >= 0.4
    started = time.monotonic()
    api.call("lime", "GET", path)
    assert time.monotonic() - started < 0.4
    assert admin.faults() == []


def test_error_5xx_answers_500_in_plain_text_and_charges_nothing(api, admin, lime, sandbox) -> None:
    admin.add_fault(system="lime", op="pay", mode="error_5xx", count=1)
    response = raw_pay(sandbox, lime["main"]["card_id"], "kb_5xx", 1000)
    assert response.status_code == 500
    assert response.headers["Content-Type"].startswith("text/plain")
    assert admin.payments("lime")["payments"] == []
    assert api.balance("lime", lime["main"]["card_id"]) == 50000


def test_malformed_answers_200_with_a_body_that_is_not_the_contract(api, admin, lime, sandbox) -> None:
    admin.add_fault(system="lime", op="pay", mode="malformed", count=1)
    response = raw_pay(sandbox, lime["main"]["card_id"], "kb_bad_body", 1000)
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)
    assert admin.payments("lime")["payments"] == []
    assert api.balance("lime", lime["main"]["card_id"]) == 50000


def test_decline_insufficient_makes_pay_answer_insufficient_balance(api, admin, lime) -> None:
    admin.add_fault(system="lime", op="pay", mode="decline_insufficient", count=1)
    declined = api.pay("lime", lime["main"]["card_id"], "kb_declined", 100)
    assert (declined.status_code, declined.json()["error"]["code"]) == (402, "INSUFFICIENT_BALANCE")
    assert api.pay("lime", lime["main"]["card_id"], "kb_next", 100).status_code == 200
    assert [(p["payment_id"], p["status"]) for p in admin.payments("lime")["payments"]] == [
        ("kb_declined", "FAILED"),
        ("kb_next", "SUCCEEDED"),
    ]
    assert api.balance("lime", lime["main"]["card_id"]) == 50000 - 100


def test_processing_settles_to_succeeded_after_the_delay(api, admin, lime) -> None:
    admin.add_fault(system="lime", op="pay", mode="processing", delay_ms=300, count=1)
    started = time.monotonic()
    first = api.pay("lime", lime["main"]["card_id"], "kb_slow", 2000)
    assert first.json()["payment"]["status"] == "PROCESSING"
    status = api.call("lime", "GET", "/payments/kb_slow").json()["payment"]["status"]
    if time.monotonic() - started < 0.3:
        assert status == "PROCESSING"
    time.sleep(0.35)
    assert api.call("lime", "GET", "/payments/kb_slow").json()["payment"]["status"] == "SUCCEEDED"
    assert api.pay("lime", lime["main"]["card_id"], "kb_slow", 2000).json()["payment"]["status"] == ("SUCCEEDED")
    assert api.balance("lime", lime["main"]["card_id"]) == 48000
    assert [p["status"] for p in admin.payments("lime")["payments"]] == ["SUCCEEDED"]


def test_refund_of_a_processing_payment_answers_unavailable(api, admin, lime) -> None:
    admin.add_fault(system="lime", op="pay", mode="processing", delay_ms=60000, count=1)
    api.pay("lime", lime["main"]["card_id"], "kb_wait", 2000)
    body = {"refund_id": "rf", "amount": 100}
    response = api.call("lime", "POST", "/payments/kb_wait/refunds", json=body)
    assert (response.status_code, response.json()["error"]["code"]) == (503, "UNAVAILABLE")
    reversed_ = api.call("lime", "POST", "/payments/kb_wait/reversal", json={})
    assert reversed_.json()["payment"]["status"] == "REVERSED"
    assert api.balance("lime", lime["main"]["card_id"]) == 50000


def test_drop_response_applies_the_charge_then_loses_the_answer(api, admin, lime, sandbox) -> None:
    admin.add_fault(system="lime", op="pay", mode="drop_response", delay_ms=200, count=1)
    started = time.monotonic()
    lost = raw_pay(sandbox, lime["main"]["card_id"], "kb_lost", 3000)
    assert time.monotonic() - started >= 0.2
    assert lost.status_code == 502
    with pytest.raises(requests.JSONDecodeError):
        lost.json()
    status = api.call("lime", "GET", "/payments/kb_lost").json()["payment"]
    assert (status["status"], status["amount"]) == ("SUCCEEDED", 3000)
    retry = api.pay("lime", lime["main"]["card_id"], "kb_lost", 3000)
    assert retry.json()["payment"] == status
    assert api.balance("lime", lime["main"]["card_id"]) == 47000
    assert len(admin.payments("lime")["payments"]) == 1


def test_count_applies_the_fault_to_the_next_n_matching_requests_only(api, admin, sandbox) -> None:
    admin.add_fault(system="lime", op="list_cards", mode="error_5xx", count=2)
    url = f"{sandbox.system_url('lime')}/users/u1001/cards"
    headers = {"Authorization": f"Bearer {sandbox.api_key}"}
    statuses = [requests.get(url, headers=headers, timeout=10).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]
    assert admin.faults() == []


def test_a_fault_without_count_stays_until_cleared(admin, sandbox, http) -> None:
    fault = admin.add_fault(system="lime", op="*", mode="error_5xx")
    assert fault["count"] is None and fault["id"] is not None
    url = f"{sandbox.system_url('lime')}/users/u1001/cards"
    headers = {"Authorization": f"Bearer {sandbox.api_key}"}
    assert [requests.get(url, headers=headers, timeout=10).status_code for _ in range(3)] == [500] * 3
    assert http.delete(f"{sandbox.url}/_sandbox/faults", timeout=10).json() == []
    assert requests.get(url, headers=headers, timeout=10).status_code == 200


def test_a_fault_naming_a_card_leaves_other_cards_alone(api, admin, lime, sandbox) -> None:
    admin.add_fault(system="lime", op="pay", mode="error_5xx", card_id=lime["small"]["card_id"])
    assert api.pay("lime", lime["main"]["card_id"], "kb_main", 100).status_code == 200
    assert raw_pay(sandbox, lime["small"]["card_id"], "kb_small", 100).status_code == 500
    assert [p["payment_id"] for p in admin.payments("lime")["payments"]] == ["kb_main"]


def test_a_card_fault_also_matches_payment_operations_on_that_card(api, admin, lime, sandbox) -> None:
    api.pay("lime", lime["main"]["card_id"], "kb_card_fault", 100)
    admin.add_fault(system="lime", op="reverse", mode="error_5xx", card_id=lime["main"]["card_id"])
    url = f"{sandbox.system_url('lime')}/payments/kb_card_fault/reversal"
    headers = {"Authorization": f"Bearer {sandbox.api_key}"}
    assert requests.post(url, json={}, headers=headers, timeout=10).status_code == 500
    assert api.balance("lime", lime["main"]["card_id"]) == 50000 - 100


def test_a_fault_on_one_system_leaves_other_systems_alone(api, admin) -> None:
    admin.add_fault(system="harbor", op="*", mode="error_5xx")
    assert api.call("lime", "GET", "/users/u1001/cards").status_code == 200


def test_pay_only_modes_under_op_star_leave_other_operations_alone(api, admin, lime) -> None:
    admin.add_fault(system="lime", op="*", mode="decline_insufficient", count=1)
    assert api.call("lime", "GET", "/users/u1001/cards").status_code == 200
    assert admin.faults()[0]["count"] == 1
    declined = api.pay("lime", lime["main"]["card_id"], "kb_star", 100)
    assert declined.json()["error"]["code"] == "INSUFFICIENT_BALANCE"
    assert admin.faults() == []


@pytest.mark.parametrize(
    "fault",
    [
        {"system": "lime", "op": "pay", "mode": "explode"},
        {"system": "lime", "op": "teleport", "mode": "latency"},
        {"system": "lime", "op": "bind", "mode": "processing"},
        {"system": "aspen", "op": "pay", "mode": "refund_processing"},
        {"system": "lime", "op": "pay", "mode": "latency", "delay_ms": -1},
        {"system": "lime", "op": "pay", "mode": "latency", "count": 0},
        {"op": "pay", "mode": "latency"},
    ],
)
def test_admin_refuses_faults_the_contract_does_not_describe(admin, http, fault) -> None:
    response = http.post(f"{admin.url}/faults", json=fault, timeout=10)
    assert response.status_code == 400 and response.json()["error"]
    assert admin.faults() == []


def test_reset_clears_faults(admin, http) -> None:
    admin.add_fault(system="lime", op="*", mode="latency", delay_ms=10)
    http.post(f"{admin.url}/reset", timeout=10).raise_for_status()
    assert admin.faults() == []
