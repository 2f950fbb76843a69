"""Every operation of the sandbox, happy and error paths, answers as the OpenAPI file says.

Each call goes through the `api` fixture, which validates the request and the real HTTP answer
against docs/openapi/standard-card-api.yaml; the cases then check the status and error code.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from sandbox.cardnumbers import NumberRule

SPEC_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi" / "standard-card-api.yaml"


@dataclass
class World:
    """What a case needs: the API, the admin API and the seeded cards."""

    api: Any
    admin: Any
    lime: dict[str, Any]
    harbor: dict[str, Any]

    def paid(self, payment_id: str = "kb_paid", amount: int = 1000) -> str:
        """Make a successful payment with u1001's main lime card; answer its id."""
        response = self.api.pay("lime", self.lime["main"]["card_id"], payment_id, amount)
        assert response.status_code == 200, response.text
        return payment_id

    def refunded(self, amount: int = 100) -> str:
        """A payment with a partial refund."""
        payment_id = self.paid()
        self.refund(payment_id, "rf_first", amount)
        return payment_id

    def refund(self, payment_id: str, refund_id: str, amount: Any) -> requests.Response:
        """Refund (part of) a payment."""
        body = {"refund_id": refund_id, "amount": amount}
        return self.api.call("lime", "POST", f"/payments/{payment_id}/refunds", json=body)

    def main_path(self, suffix: str = "", user: str = "u1001") -> str:
        """The path of u1001's main lime card."""
        return f"/users/{user}/cards/{self.lime['main']['card_id']}{suffix}"


@pytest.fixture
def world(api: Any, admin: Any, seeded: Callable[[str], dict[str, Any]]) -> World:
    """The API, the admin API and the seeded lime and harbor cards."""
    return World(api, admin, seeded("lime"), seeded("harbor"))


def unknown_lime_number(world: World) -> str:
    """A well-formed lime card number that no card has."""
    rule, rng = NumberRule("6", 16, luhn=True), random.Random(0)
    known = {c["card_number"] for c in world.admin.cards("lime")}
    return next(n for n in iter(lambda: rule.generate(rng), None) if n not in known)


def unbound(world: World, index: int = 0) -> dict[str, Any]:
    """An unbound active lime card."""
    return world.lime["unbound"][index]


def sms_code_for(world: World, card: dict[str, Any], user: str = "u1003") -> str:
    """Send an SMS code for a harbor card and read it from the admin API."""
    body = {"user_id": user, "card_number": card["card_number"]}
    assert world.api.call("harbor", "POST", "/sms-codes", json=body).status_code == 200
    return world.admin.latest_sms_code("harbor", card["card_number"])


Case = tuple[str, int, str | None, Callable[[World], requests.Response]]

# One case per line reads as a table.
# fmt: off
CASES: list[Case] = [
    ("bind", 200, None, lambda w: w.api.bind(
        "lime", "u1003", unbound(w)["card_number"], secret=unbound(w)["secret"])),
    ("bind", 200, None, lambda w: w.api.bind(
        "harbor", "u1003", w.harbor["unbound"][0]["card_number"],
        sms_code=sms_code_for(w, w.harbor["unbound"][0]))),
    ("bind", 200, None, lambda w: w.api.bind("lime", "u1001", w.lime["main"]["card_number"], secret="0")),
    ("bind", 400, "INVALID_REQUEST", lambda w: w.api.bind("lime", "u1003", unbound(w)["card_number"])),
    ("bind", 400, "INVALID_REQUEST", lambda w: w.api.bind("lime", "u1003", "1234", secret="1")),
    ("bind", 400, "WRONG_SECRET", lambda w: w.api.bind(
        "lime", "u1003", unbound(w)["card_number"], secret="not-it")),
    ("bind", 404, "CARD_NOT_FOUND", lambda w: w.api.bind(
        "lime", "u1003", unknown_lime_number(w), secret="123456")),
    ("bind", 409, "CARD_FROZEN", lambda w: w.api.bind(
        "lime", "u1003", w.lime["unbound_frozen"]["card_number"],
        secret=w.lime["unbound_frozen"]["secret"])),
    ("bind", 409, "CARD_EXPIRED", lambda w: w.api.bind(
        "lime", "u1003", w.lime["unbound_expired"]["card_number"],
        secret=w.lime["unbound_expired"]["secret"])),
    ("bind", 409, "ALREADY_BOUND", lambda w: w.api.bind(
        "lime", "u1003", w.lime["u1002"]["card_number"], secret=w.lime["u1002"]["secret"])),
    ("bind", 401, "UNAUTHORIZED", lambda w: w.api.call(
        "lime", "POST", "/bindings", json={"user_id": "u1", "card_number": "1"},
        api_key="wrong", valid_request=False)),
    ("listCards", 200, None, lambda w: w.api.call("lime", "GET", "/users/u1001/cards")),
    ("listCards", 200, None, lambda w: w.api.call("lime", "GET", "/users/u1003/cards")),
    ("listCards", 401, "UNAUTHORIZED", lambda w: w.api.call(
        "lime", "GET", "/users/u1001/cards", api_key=None, valid_request=False)),
    ("getCard", 200, None, lambda w: w.api.call("lime", "GET", w.main_path())),
    ("getCard", 404, "CARD_NOT_FOUND", lambda w: w.api.call("lime", "GET", w.main_path(user="u1002"))),
    ("getCard", 404, "CARD_NOT_FOUND", lambda w: w.api.call("lime", "GET", "/users/u1001/cards/c_nope")),
    ("listTransactions", 200, None, lambda w: w.api.call("lime", "GET", w.main_path("/transactions"))),
    ("listTransactions", 200, None, lambda w: w.api.call(
        "lime", "GET", w.main_path("/transactions"), params={"limit": 50})),
    ("listTransactions", 400, "INVALID_REQUEST", lambda w: w.api.call(
        "lime", "GET", w.main_path("/transactions"), params={"limit": 51}, valid_request=False)),
    ("listTransactions", 400, "INVALID_REQUEST", lambda w: w.api.call(
        "lime", "GET", w.main_path("/transactions"), params={"cursor": "bogus"})),
    ("listTransactions", 404, "CARD_NOT_FOUND", lambda w: w.api.call(
        "lime", "GET", w.main_path("/transactions", user="u1002"))),
    ("reportLost", 200, None, lambda w: w.api.call(
        "lime", "POST", w.main_path("/loss-report"), json={"secret": w.lime["main"]["secret"]})),
    ("reportLost", 200, None, lambda w: w.api.call(
        "lime", "POST", f"/users/u1001/cards/{w.lime['frozen']['card_id']}/loss-report",
        json={"secret": w.lime["frozen"]["secret"]})),
    ("reportLost", 400, "WRONG_SECRET", lambda w: w.api.call(
        "lime", "POST", w.main_path("/loss-report"), json={"secret": "not-it"})),
    ("reportLost", 400, "INVALID_REQUEST", lambda w: w.api.call(
        "lime", "POST", w.main_path("/loss-report"), json={}, valid_request=False)),
    ("reportLost", 404, "CARD_NOT_FOUND", lambda w: w.api.call(
        "lime", "POST", w.main_path("/loss-report", user="u1002"), json={"secret": "123456"})),
    ("reportLost", 409, "CARD_EXPIRED", lambda w: w.api.call(
        "lime", "POST", f"/users/u1001/cards/{w.lime['expired']['card_id']}/loss-report",
        json={"secret": w.lime["expired"]["secret"]})),
    ("unbind", 200, None, lambda w: w.api.call("lime", "DELETE", w.main_path())),
    ("unbind", 404, "CARD_NOT_FOUND", lambda w: w.api.call("lime", "DELETE", w.main_path(user="u1002"))),
    ("sendSmsCode", 200, None, lambda w: w.api.call(
        "harbor", "POST", "/sms-codes",
        json={"user_id": "u1003", "card_number": w.harbor["unbound"][0]["card_number"]})),
    ("sendSmsCode", 400, "INVALID_REQUEST", lambda w: w.api.call(
        "lime", "POST", "/sms-codes", json={"user_id": "u1003", "card_number": unbound(w)["card_number"]})),
    ("sendSmsCode", 404, "CARD_NOT_FOUND", lambda w: w.api.call(
        "harbor", "POST", "/sms-codes", json={"user_id": "u1003", "card_number": "8" * 19})),
    ("pay", 200, None, lambda w: w.api.pay("lime", w.lime["main"]["card_id"], "kb_ok", 2500)),
    ("pay", 200, None, lambda w: w.api.pay(
        "lime", w.lime["main"]["card_id"], "kb_pin", 2500, secret=w.lime["main"]["secret"])),
    ("pay", 400, "INVALID_REQUEST", lambda w: w.api.call(
        "lime", "POST", "/payments", json={"payment_id": "kb_x", "amount": 1.5}, valid_request=False)),
    ("pay", 400, "INVALID_REQUEST", lambda w: w.api.pay(
        "lime", w.lime["main"]["card_id"], "kb_usd", 100, currency="USD")),
    ("pay", 400, "WRONG_SECRET", lambda w: w.api.pay(
        "lime", w.lime["main"]["card_id"], "kb_pin", 100, secret="999999x")),
    ("pay", 402, "INSUFFICIENT_BALANCE", lambda w: w.api.pay(
        "lime", w.lime["small"]["card_id"], "kb_big", 3651)),
    ("pay", 404, "CARD_NOT_FOUND", lambda w: w.api.pay("lime", w.lime["u1002"]["card_id"], "kb_them", 100)),
    ("pay", 409, "CARD_FROZEN", lambda w: w.api.pay("lime", w.lime["frozen"]["card_id"], "kb_f", 100)),
    ("pay", 409, "CARD_EXPIRED", lambda w: w.api.pay("lime", w.lime["expired"]["card_id"], "kb_e", 100)),
    ("pay", 409, "DUPLICATE", lambda w: w.api.pay(
        "lime", w.lime["main"]["card_id"], w.paid("kb_dup", 100), 200)),
    ("pay", 429, "LIMIT_EXCEEDED", lambda w: w.api.pay(
        "lime", w.lime["main"]["card_id"], "kb_huge", 200001)),
    ("getPayment", 200, None, lambda w: w.api.call("lime", "GET", f"/payments/{w.paid()}")),
    ("getPayment", 404, "PAYMENT_NOT_FOUND", lambda w: w.api.call("lime", "GET", "/payments/kb_no")),
    ("reversePayment", 200, None, lambda w: w.api.call(
        "lime", "POST", f"/payments/{w.paid()}/reversal", json={})),
    ("reversePayment", 404, "PAYMENT_NOT_FOUND", lambda w: w.api.call(
        "lime", "POST", "/payments/kb_no/reversal", json={})),
    ("reversePayment", 409, "NOT_REVERSIBLE", lambda w: w.api.call(
        "lime", "POST", f"/payments/{w.refunded()}/reversal", json={})),
    ("refundPayment", 200, None, lambda w: w.refund(w.paid(), "rf_1", 400)),
    ("refundPayment", 400, "INVALID_REQUEST", lambda w: w.api.call(
        "lime", "POST", f"/payments/{w.paid()}/refunds", json={"refund_id": "rf_1", "amount": 0},
        valid_request=False)),
    ("refundPayment", 404, "PAYMENT_NOT_FOUND", lambda w: w.refund("kb_no", "rf_1", 1)),
    ("refundPayment", 409, "REFUND_EXCEEDED", lambda w: w.refund(w.paid(amount=1000), "rf_1", 1001)),
    ("refundPayment", 409, "DUPLICATE", lambda w: w.refund(w.refunded(100), "rf_first", 200)),
]
# fmt: on


@pytest.mark.parametrize(
    ("operation", "status", "code", "act"),
    CASES,
    ids=[f"{op}-{status}-{code or 'OK'}-{i}" for i, (op, status, code, _) in enumerate(CASES)],
)
def test_operation_answers_with_the_status_and_code_the_contract_gives(
    world: World,
    operation: str,
    status: int,
    code: str | None,
    act: Callable[[World], requests.Response],
) -> None:
    response = act(world)
    body = response.json()
    assert (response.status_code, body.get("error", {}).get("code")) == (status, code), body
    assert body["result"] == ("OK" if code is None else "ERROR")
    assert response.headers["Content-Type"].startswith("application/json")


def test_contract_cases_cover_every_operation_with_ok_and_error_answers() -> None:
    spec = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    operations = {
        op["operationId"] for item in spec["paths"].values() for key, op in item.items() if key != "parameters"
    }
    assert {op for op, _, code, _ in CASES if code is None} == operations
    assert {op for op, _, code, _ in CASES if code is not None} == operations
