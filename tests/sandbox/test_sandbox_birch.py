"""The birch dialect over real HTTP: deliberately incomplete, and without idempotency on ref."""

from __future__ import annotations

import pytest


@pytest.fixture
def birch(seeded):
    """The birch system's seeded cards by role."""
    return seeded("birch")


def test_bind_answers_the_card_with_its_full_number(birch_api, birch, admin) -> None:
    card = birch["unbound"][0]
    body = {"user": "u1003", "card_no": card["card_number"], "password": card["secret"]}
    assert birch_api.call("POST", "/bind", body).json() == {
        "code": "OK",
        "data": {
            "card": {
                "id": card["card_id"],
                "no": card["card_number"],
                "type": "gift",
                "ok": True,
                "balance": 10000,
                "valid_to": card["expires_on"],
            }
        },
    }
    assert admin.card("birch", card["card_id"])["user_id"] == "u1003"


def test_birch_cards_have_birch_numbers(birch) -> None:
    for role in ("main", "small", "frozen", "expired", "u1002"):
        number = birch[role]["card_number"]
        assert len(number) == 10 and number.startswith("3") and number.isdigit()


def test_bind_an_unknown_number_answers_e01_and_a_wrong_password_e02(birch_api, birch) -> None:
    unknown = {"user": "u1003", "card_no": "3000000000", "password": "123456"}
    assert birch_api.call("POST", "/bind", unknown).json() == {"code": "E01", "data": {}}
    wrong = {"user": "u1003", "card_no": birch["unbound"][0]["card_number"], "password": "000000x"}
    assert birch_api.call("POST", "/bind", wrong).json() == {"code": "E02", "data": {}}


@pytest.mark.parametrize("role", ["unbound_frozen", "unbound_expired", "u1002"])
def test_bind_refusals_of_frozen_expired_or_taken_cards_say_only_e99(birch_api, birch, role) -> None:
    card = birch[role]
    body = {"user": "u1003", "card_no": card["card_number"], "password": card["secret"]}
    response = birch_api.call("POST", "/bind", body)
    assert (response.status_code, response.json()) == (200, {"code": "E99", "data": {}})


def test_a_locked_password_is_just_another_refusal(birch_api, birch) -> None:
    body = {"user": "u1003", "card_no": birch["unbound"][1]["card_number"], "password": "bad"}
    assert [birch_api.code("POST", "/bind", body) for _ in range(6)] == ["E02"] * 4 + ["E99"] * 2


def test_list_has_balances_and_an_ok_flag_without_reasons(birch_api, birch) -> None:
    answer = birch_api.call("GET", "/users/u1001/cards").json()
    by_id = {card["id"]: card for card in answer["data"]["cards"]}
    assert set(by_id) == {birch[role]["card_id"] for role in ("main", "small", "frozen", "expired")}
    ok = {role: by_id[birch[role]["card_id"]]["ok"] for role in ("main", "small", "frozen", "expired")}
    assert ok == {"main": True, "small": True, "frozen": False, "expired": False}
    assert birch_api.balances() == {
        birch[r]["card_id"]: b for r, b in [("main", 50000), ("small", 3650), ("frozen", 12800), ("expired", 2000)]
    }
    assert by_id[birch["small"]["card_id"]]["valid_to"] is None
    assert set(by_id[birch["main"]["card_id"]]) == {"id", "no", "type", "ok", "balance", "valid_to"}


def test_pay_answers_nothing_but_ok_and_query_says_done(birch_api, birch) -> None:
    card_id = birch["main"]["card_id"]
    assert birch_api.pay(card_id, "bp-1", 1500).json() == {"code": "OK", "data": {}}
    assert birch_api.balances()[card_id] == 48500
    query = birch_api.call("GET", "/pay/bp-1").json()
    assert query == {"code": "OK", "data": {"ref": "bp-1", "amount": 1500, "state": "DONE"}}


def test_pay_with_the_password(birch_api, birch) -> None:
    card = birch["main"]
    assert birch_api.pay(card["card_id"], "bp-pw", 100, password=card["secret"]).json()["code"] == "OK"
    assert birch_api.pay(card["card_id"], "bp-badpw", 100, password="000000x").json()["code"] == "E02"
    assert birch_api.call("GET", "/pay/bp-badpw").json()["code"] == "E99"


@pytest.mark.parametrize(
    ("role", "amount", "code"),
    [
        ("small", 3651, "E03"),
        ("frozen", 100, "E99"),
        ("expired", 100, "E99"),
        ("main", 200001, "E99"),
        ("u1002", 100, "E01"),
    ],
)
def test_pay_refusals_say_little(birch_api, birch, role, amount, code) -> None:
    assert birch_api.pay(birch[role]["card_id"], f"bp-{role}", amount).json() == {"code": code, "data": {}}


def test_a_declined_pay_is_queried_as_failed(birch_api, birch) -> None:
    birch_api.pay(birch["small"]["card_id"], "bp-low", 3651)
    assert birch_api.call("GET", "/pay/bp-low").json()["data"]["state"] == "FAILED"


@pytest.mark.parametrize(
    "body",
    [
        {"ref": "bp-x", "user": "u1001", "card": "c", "amount": "100", "order": "o"},
        {"ref": "bp-x", "user": "u1001", "card": "c", "amount": 1.5, "order": "o"},
        {"ref": "bp#x", "user": "u1001", "card": "c", "amount": 100, "order": "o"},
        {"user": "u1001", "card": "c", "amount": 100, "order": "o"},
        ["not", "an", "object"],
    ],
)
def test_bad_pay_requests_are_another_refusal(birch_api, body) -> None:
    assert birch_api.call("POST", "/pay", body).json() == {"code": "E99", "data": {}}


def test_a_repeated_ref_charges_again(birch_api, birch, admin) -> None:
    """Birch's flaw, on purpose: no idempotency, so a retried pay is a second payment."""
    card_id = birch["main"]["card_id"]
    assert birch_api.pay(card_id, "bp-twice", 1000).json()["code"] == "OK"
    assert birch_api.pay(card_id, "bp-twice", 1000).json()["code"] == "OK"
    assert birch_api.balances()[card_id] == 50000 - 2000
    recorded = admin.payments("birch")["payments"]
    assert [(p["payment_id"], p["amount"], p["status"]) for p in recorded] == [
        ("bp-twice", 1000, "SUCCEEDED"),
        ("bp-twice#2", 1000, "SUCCEEDED"),
    ]


def test_query_and_reverse_act_on_the_latest_payment_under_a_ref(birch_api, birch, admin) -> None:
    card_id = birch["main"]["card_id"]
    birch_api.pay(card_id, "bp-latest", 1000)
    birch_api.pay(card_id, "bp-latest", 700)
    assert birch_api.call("GET", "/pay/bp-latest").json()["data"]["amount"] == 700
    assert birch_api.call("POST", "/pay/bp-latest/reverse", {}).json() == {"code": "OK", "data": {}}
    assert birch_api.call("POST", "/pay/bp-latest/reverse", {}).json() == {"code": "OK", "data": {}}
    assert birch_api.call("GET", "/pay/bp-latest").json()["data"] == {
        "ref": "bp-latest",
        "amount": 700,
        "state": "FAILED",
    }
    assert birch_api.balances()[card_id] == 50000 - 1000
    statuses = [p["status"] for p in admin.payments("birch")["payments"]]
    assert statuses == ["SUCCEEDED", "REVERSED"]


def test_a_reversed_payment_is_queried_as_failed(birch_api, birch) -> None:
    card_id = birch["main"]["card_id"]
    birch_api.pay(card_id, "bp-rev", 2500)
    assert birch_api.code("POST", "/pay/bp-rev/reverse", {}) == "OK"
    assert birch_api.call("GET", "/pay/bp-rev").json()["data"]["state"] == "FAILED"
    assert birch_api.balances()[card_id] == 50000


def test_unknown_refs_are_another_refusal(birch_api) -> None:
    assert birch_api.call("GET", "/pay/bp-none").json() == {"code": "E99", "data": {}}
    assert birch_api.call("POST", "/pay/bp-none/reverse", {}).json() == {"code": "E99", "data": {}}


def test_a_processing_payment_is_done_at_once(birch_api, birch, admin) -> None:
    """Birch has no pending state: while the sandbox still settles the charge, birch already says DONE."""
    admin.add_fault(system="birch", op="pay", mode="processing", delay_ms=60000, count=1)
    assert birch_api.pay(birch["main"]["card_id"], "bp-slow", 100).json() == {"code": "OK", "data": {}}
    assert birch_api.call("GET", "/pay/bp-slow").json()["data"]["state"] == "DONE"
    assert [p["status"] for p in admin.payments("birch")["payments"]] == ["PROCESSING"]


@pytest.mark.parametrize("api_key", ["", "not-the-key"])
def test_a_missing_or_wrong_api_key_is_refused(birch_api, birch, admin, api_key) -> None:
    response = birch_api.call(
        "POST",
        "/pay",
        {"ref": "bp-key", "user": "u1001", "card": birch["main"]["card_id"], "amount": 100, "order": "o"},
        api_key=api_key,
    )
    assert (response.status_code, response.json()) == (401, {"code": "E99", "data": {}})
    assert admin.payments("birch")["payments"] == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/users/u1001/cards/c_1"),
        ("GET", "/users/u1001/cards/c_1/transactions"),
        ("DELETE", "/users/u1001/cards/c_1"),
        ("POST", "/sms"),
        ("POST", "/pay/bp-1/refunds"),
    ],
)
def test_what_birch_lacks_is_not_there(birch_api, method, path) -> None:
    response = birch_api.call(method, path, {})
    assert response.status_code in (404, 405) and response.json() == {"code": "E99", "data": {}}
