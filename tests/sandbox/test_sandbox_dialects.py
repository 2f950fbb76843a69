"""What the three dialects share: faults by the standard op names, one set of card data, merchants, keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from sandbox.app import create_app
from sandbox.dialects.signing import maple_signature, olive_sign
from sandbox.merchants import load_merchants, system_in_url

OLIVE_OPS = {
    "bind": (
        "/card/bind",
        lambda c: {"member_id": "u1003", "card_no": c["unbound"][0]["card_number"], "card_pwd": "1"},
    ),
    "list_cards": ("/card/list", lambda c: {"member_id": "u1001"}),
    "card_detail": ("/card/query", lambda c: {"member_id": "u1001", "card_id": c["main"]["card_id"]}),
    "transactions": ("/card/trades", lambda c: {"member_id": "u1001", "card_id": c["main"]["card_id"]}),
    "unbind": ("/card/unbind", lambda c: {"member_id": "u1001", "card_id": c["small"]["card_id"]}),
    "pay": (
        "/trade/pay",
        lambda c: {"member_id": "u1001", "card_id": c["main"]["card_id"], "out_trade_no": "f", "total_amt": "1.00"},
    ),
    "payment_status": ("/trade/query", lambda c: {"out_trade_no": "f"}),
    "reverse": ("/trade/cancel", lambda c: {"out_trade_no": "f"}),
    "refund": ("/trade/refund", lambda c: {"out_trade_no": "f", "out_refund_no": "r", "refund_amt": "1.00"}),
}
MAPLE_OPS = {
    "sms": ("POST", "/cards/otp", lambda c: {"customerRef": "u1003", "cardNumber": c["unbound"][0]["card_number"]}),
    "bind": ("POST", "/cards/binding", lambda c: {"customerRef": "u1003", "cardNumber": "7", "smsCode": "1"}),
    "list_cards": ("GET", "/customers/u1001/cards", None),
    "card_detail": ("GET", "/customers/u1001/cards/{main}", None),
    "transactions": ("GET", "/customers/u1001/cards/{main}/ledger", None),
    "unbind": ("POST", "/cards/unbinding", lambda c: {"customerRef": "u1001", "cardRef": c["small"]["card_id"]}),
    "pay": (
        "POST",
        "/payments",
        lambda c: {"paymentRef": "f", "customerRef": "u1001", "cardRef": c["main"]["card_id"]},
    ),
    "payment_status": ("GET", "/payments/f", None),
    "reverse": ("POST", "/payments/f/void", lambda c: {}),
    "refund": ("POST", "/payments/f/refunds", lambda c: {"refundRef": "r"}),
}
BIRCH_OPS = {
    "bind": ("POST", "/bind", lambda c: {"user": "u1003", "card_no": c["unbound"][0]["card_number"], "password": "1"}),
    "list_cards": ("GET", "/users/u1001/cards", None),
    "pay": (
        "POST",
        "/pay",
        lambda c: {"ref": "f", "user": "u1001", "card": c["main"]["card_id"], "amount": 1, "order": "o"},
    ),
    "payment_status": ("GET", "/pay/f", None),
    "reverse": ("POST", "/pay/f/reverse", lambda c: {}),
}
CASES = [("olive", op) for op in OLIVE_OPS] + [("maple", op) for op in MAPLE_OPS] + [("birch", op) for op in BIRCH_OPS]


@pytest.fixture
def send(olive_api, maple_api, birch_api, seeded):
    """A function sending one dialect's request for one fault op, with plausible parameters."""

    def send(dialect: str, op: str) -> requests.Response:
        cards = seeded(dialect)
        if dialect == "olive":
            path, params = OLIVE_OPS[op]
            return olive_api.post(path, **params(cards))
        method, path, body = (MAPLE_OPS if dialect == "maple" else BIRCH_OPS)[op]
        path = path.format(main=cards["main"]["card_id"])
        if dialect == "birch":
            return birch_api.call(method, path, body(cards) if body else None)
        return maple_api.get(path) if method == "GET" else maple_api.post(path, body(cards))

    return send


@pytest.mark.parametrize(("dialect", "op"), CASES)
def test_faults_match_dialect_requests_by_the_standard_op_names(send, admin, dialect, op) -> None:
    admin.add_fault(system=dialect, op=op, mode="error_5xx", count=1)
    other = "payment_status" if op == "list_cards" else "list_cards"
    assert send(dialect, other).status_code != 500
    assert len(admin.faults()) == 1
    failed = send(dialect, op)
    assert failed.status_code == 500 and failed.headers["Content-Type"].startswith("text/plain")
    assert admin.faults() == []


def test_a_badly_signed_request_takes_no_fault(olive_api, maple_api, admin) -> None:
    admin.add_fault(system="olive", op="*", mode="error_5xx", count=1)
    admin.add_fault(system="maple", op="*", mode="error_5xx", count=1)
    assert olive_api.post("/card/list", key="wrong", member_id="u1001").json()["ret_code"] == "8001"
    assert maple_api.get("/customers/u1001/cards", key="wrong").status_code == 401
    assert [fault["count"] for fault in admin.faults()] == [1, 1]


def test_latency_slows_a_dialect_request_then_answers_normally(olive_api, admin, seeded) -> None:
    card_id = seeded("olive")["main"]["card_id"]
    admin.add_fault(system="olive", op="card_detail", mode="latency", delay_ms=300, count=1)
    started = time.monotonic()
    assert olive_api.balance(card_id) == "500.00"
    assert time.monotonic() - started >= 0.3


def test_malformed_answers_a_body_that_is_not_olive_and_charges_nothing(olive_api, admin, seeded) -> None:
    card_id = seeded("olive")["main"]["card_id"]
    admin.add_fault(system="olive", op="pay", mode="malformed", count=1)
    response = olive_api.post("/trade/pay", member_id="u1001", card_id=card_id, out_trade_no="ot-bad", total_amt="1.00")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.text)
    assert admin.payments("olive")["payments"] == []


def test_decline_insufficient_makes_olive_answer_2001(olive_api, admin, seeded) -> None:
    card_id = seeded("olive")["main"]["card_id"]
    admin.add_fault(system="olive", op="pay", mode="decline_insufficient", count=1)
    declined = olive_api.pay(card_id, "ot-forced", "1.00")
    assert (declined["ret_code"], declined["trade_state"]) == ("2001", "FAIL")
    assert olive_api.balance(card_id) == "500.00"


def test_processing_on_olive_answers_processing_until_it_settles(olive_api, admin, seeded) -> None:
    card_id = seeded("olive")["main"]["card_id"]
    admin.add_fault(system="olive", op="pay", mode="processing", delay_ms=300, count=1)
    started = time.monotonic()
    assert olive_api.pay(card_id, "ot-slow", "20.00")["trade_state"] == "PROCESSING"
    state = olive_api.ok("/trade/query", out_trade_no="ot-slow")["trade_state"]
    if time.monotonic() - started < 0.3:
        assert state == "PROCESSING"
    time.sleep(0.35)
    assert olive_api.ok("/trade/query", out_trade_no="ot-slow")["trade_state"] == "SUCCESS"
    assert olive_api.balance(card_id) == "480.00"


def test_drop_response_on_olive_charges_once_and_the_retry_answers_2003(olive_api, admin, seeded) -> None:
    card_id = seeded("olive")["main"]["card_id"]
    admin.add_fault(system="olive", op="pay", mode="drop_response", count=1)
    params = {"member_id": "u1001", "card_id": card_id, "out_trade_no": "ot-lost", "total_amt": "30.00"}
    lost = olive_api.post("/trade/pay", **params)
    assert lost.status_code == 502
    with pytest.raises(requests.JSONDecodeError):
        lost.json()
    assert olive_api.call("/trade/pay", **params)["ret_code"] == "2003"
    assert olive_api.ok("/trade/query", out_trade_no="ot-lost")["trade_state"] == "SUCCESS"
    assert olive_api.balance(card_id) == "470.00"
    assert len(admin.payments("olive")["payments"]) == 1


def test_drop_response_on_maple_then_the_retry_answers_the_same_payment(maple_api, admin, seeded) -> None:
    card_ref = seeded("maple")["main"]["card_id"]
    admin.add_fault(system="maple", op="pay", mode="drop_response", count=1)
    assert maple_api.pay(card_ref, "mp-lost", 3000).status_code == 502
    assert maple_api.ok(maple_api.pay(card_ref, "mp-lost", 3000))["payment"]["status"] == "PAID"
    assert maple_api.balance(card_ref) == 47000


def test_drop_response_on_birch_then_the_retry_charges_twice(birch_api, admin, seeded) -> None:
    """The flaw connector checks exist for: a birch retry after a lost answer is a second charge."""
    card_id = seeded("birch")["main"]["card_id"]
    admin.add_fault(system="birch", op="pay", mode="drop_response", count=1)
    assert birch_api.pay(card_id, "bp-lost", 3000).status_code == 502
    assert birch_api.pay(card_id, "bp-lost", 3000).json()["code"] == "OK"
    assert birch_api.balances()[card_id] == 44000


def test_a_fault_naming_a_card_matches_dialect_requests_about_that_card(olive_api, admin, seeded) -> None:
    cards = seeded("olive")
    olive_api.pay(cards["main"]["card_id"], "ot-card", "1.00")
    admin.add_fault(system="olive", op="*", mode="error_5xx", card_id=cards["main"]["card_id"])
    assert olive_api.post("/card/query", member_id="u1001", card_id=cards["small"]["card_id"]).status_code == 200
    assert olive_api.post("/card/query", member_id="u1001", card_id=cards["main"]["card_id"]).status_code == 500
    assert olive_api.post("/trade/query", out_trade_no="ot-card").status_code == 500


@pytest.mark.parametrize("system", ["olive", "maple", "birch"])
def test_dialect_systems_are_seeded_the_same_after_every_reset(admin, http, system) -> None:
    def cards() -> list[dict]:  # bound_at is "N days before the reset": a second may tick between two resets
        return [{k: v for k, v in card.items() if k != "bound_at"} for card in admin.cards(system)]

    before = cards()
    http.post(f"{admin.url}/reset", timeout=10).raise_for_status()
    assert cards() == before
    assert sorted(card["balance"] for card in before if card["user_id"] == "u1001") == [2000, 3650, 12800, 50000]
    assert len([card for card in before if card["user_id"] is None]) == 8


def test_the_dialects_and_the_standard_api_share_the_cards(olive_api, api, seeded) -> None:
    card_id = seeded("olive")["main"]["card_id"]
    olive_api.pay(card_id, "ot-shared", "100.00")
    assert api.balance("olive", card_id) == 40000
    assert api.call("olive", "GET", "/payments/ot-shared").json()["payment"]["status"] == "SUCCEEDED"


MERCHANTS = {
    "olive-tea.yaml": 'backend:\n  base_url: "${KABAO_MERCHANT_SANDBOX_URL:-http://127.0.0.1:8000}/legacy/olive"\n',
    "maple-books.yaml": 'backend: {base_url: "http://127.0.0.1:8000/openapi/maple/v2"}\nflows: {bind: {method: sms}}\n',
    "birch-bar.yaml": 'backend:\n  base_url: "http://127.0.0.1:8000/birch/birch/"\n',
    "elsewhere.yaml": 'backend:\n  base_url: "https://cards.example.com/api/v3"\n',
}


@pytest.mark.parametrize(
    ("url", "system"),
    [
        ("http://127.0.0.1:8000/cs/lime/v1", "lime"),
        ("${KABAO_MERCHANT_SANDBOX_URL:-http://127.0.0.1:8000}/legacy/olive", "olive"),
        ("http://127.0.0.1:8000/legacy/olive-2/", "olive-2"),
        ("http://127.0.0.1:8000/openapi/maple/v2", "maple"),
        ("http://127.0.0.1:8000/openapi/maple/v3", None),
        ("http://127.0.0.1:8000/birch/birch", "birch"),
        ("http://birch.example/api", None),
    ],
)
def test_a_merchants_system_is_read_from_any_face_of_the_sandbox(url, system) -> None:
    assert system_in_url(url) == system


def dialect_merchants_app(tmp_path: Path, keys: dict[str, str] | None = None):
    """The sandbox in this process with a config dir of dialect merchants."""
    config = tmp_path / "config"
    config.mkdir()
    for name, text in MERCHANTS.items():
        (config / name).write_text(text, encoding="utf-8")
    return create_app(tmp_path / "s.sqlite3", config, "http://bff.test", "k", "h", keys=keys)


def test_dialect_merchants_appear_in_the_admin_api_and_the_simulator(tmp_path) -> None:
    client = dialect_merchants_app(tmp_path).test_client()
    systems = {m["id"]: m["system"] for m in client.get("/_sandbox/merchants").get_json()}
    assert systems == {"birch-bar": "birch", "elsewhere": None, "maple-books": "maple", "olive-tea": "olive"}
    page = client.get("/").get_data(as_text=True)
    for system in ("olive", "maple", "birch"):
        for card in client.get(f"/_sandbox/systems/{system}/cards?bound=0").get_json():
            assert card["card_number"] in page
    assert {m.system for m in load_merchants(tmp_path / "config")} == {"olive", "maple", "birch", None}


def test_without_keys_every_olive_and_maple_request_is_refused(tmp_path) -> None:
    client = dialect_merchants_app(tmp_path).test_client()
    form = {"mch_no": "m", "timestamp": "20261125120000", "member_id": "u1001"}
    form["sign"] = olive_sign(form, "")
    assert client.post("/legacy/olive/card/list", data=form).get_json()["ret_code"] == "8001"
    headers = {
        "X-Maple-Timestamp": "1",
        "X-Maple-Signature": maple_signature("", "1", "/openapi/maple/v2/customers/u1/cards"),
    }
    assert client.get("/openapi/maple/v2/customers/u1/cards", headers=headers).status_code == 401


def test_keys_given_to_the_factory_sign_requests(tmp_path) -> None:
    client = dialect_merchants_app(
        tmp_path, {"KABAO_MERCHANT_OLIVE_SIGN_KEY": "ok", "KABAO_MERCHANT_MAPLE_HMAC_KEY": "mk"}
    ).test_client()
    form = {"mch_no": "m", "timestamp": "20261125120000", "member_id": "u1001"}
    form["sign"] = olive_sign(form, "ok")
    assert client.post("/legacy/olive/card/list", data=form).get_json()["ret_code"] == "0000"
    headers = {
        "X-Maple-Timestamp": "1",
        "X-Maple-Signature": maple_signature("mk", "1", "/openapi/maple/v2/customers/u1/cards"),
    }
    assert client.get("/openapi/maple/v2/customers/u1/cards", headers=headers).status_code == 200


def test_the_process_starts_without_dialect_keys_and_names_each_one_missing(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KABAO_")}
    env.update(KABAO_MERCHANT_SANDBOX_API_KEY="a", KABAO_HOST_SECRET="b", KABAO_MERCHANT_OLIVE_SIGN_KEY="o")
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0", "--db", str(tmp_path / "s.sqlite3")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("sandbox ready"):
                break
    finally:
        process.kill()
        process.wait()
        process.stdout.close()
    text = "".join(lines)
    assert "sandbox ready on" in text
    assert "KABAO_MERCHANT_MAPLE_HMAC_KEY is not set" in text
    assert "KABAO_MERCHANT_CEDAR_KEY is not set" in text
    assert "OLIVE" not in text


def test_the_process_refuses_to_start_without_its_own_keys() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KABAO_")}
    env.update(KABAO_HOST_SECRET="b")
    result = subprocess.run(
        [sys.executable, "-m", "sandbox", "--port", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2
    assert "KABAO_MERCHANT_SANDBOX_API_KEY are required" in result.stderr
