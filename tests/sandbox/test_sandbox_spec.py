"""The OpenAPI file is valid and says what docs/standard-card-api.md says."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_spec_validator import validate

from sandbox.errors import HTTP_STATUS

ROOT = Path(__file__).resolve().parents[2]
PROSE = (ROOT / "docs" / "standard-card-api.md").read_text(encoding="utf-8")
SPEC_FILE = ROOT / "docs" / "openapi" / "standard-card-api.yaml"


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    """The OpenAPI document as data."""
    return yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))


def prose_error_table() -> dict[str, int]:
    """Error code -> HTTP status, from the prose's table."""
    rows = re.findall(r"^\| `([A-Z_]+)` \| [^|]+ \| (\d{3}) \|$", PROSE, re.M)
    return {code: int(status) for code, status in rows}


def prose_enum(sentence_start: str) -> list[str]:
    """The values listed after e.g. '`status` ∈' in the prose's line that starts so."""
    line = next(line for line in PROSE.splitlines() if line.startswith(sentence_start))
    listed = line.split("∈", 1)[1].split(".")[0]
    return re.findall(r"`([A-Z_]+)`", listed)


def prose_operations() -> list[tuple[str, str]]:
    """(method, path) of every operation in the prose's table."""
    return [(m.lower(), p) for m, p in re.findall(r"^\| [a-zA-Z ]+ \| `(\w+) (/\S+)` \|", PROSE, re.M)]


def test_spec_is_a_valid_openapi_3_1_document(spec: dict[str, Any]) -> None:
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    assert OpenAPI.from_file_path(str(SPEC_FILE)) is not None


def test_spec_has_every_operation_of_the_prose_and_no_other(spec: dict[str, Any]) -> None:
    in_spec = {
        (method, path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "delete", "patch")
    }
    assert len(prose_operations()) == 11
    assert in_spec == set(prose_operations())


def test_spec_error_codes_are_the_closed_set_of_the_prose(spec: dict[str, Any]) -> None:
    table = prose_error_table()
    assert len(table) == 15
    assert spec["components"]["schemas"]["ErrorCode"]["enum"] == list(table)
    assert table == HTTP_STATUS


def test_spec_answers_each_error_code_with_the_http_status_of_the_prose(
    spec: dict[str, Any],
) -> None:
    table = prose_error_table()
    responses = spec["components"]["responses"]
    seen: dict[str, set[int]] = {}
    for item in spec["paths"].values():
        for operation in (op for key, op in item.items() if key != "parameters"):
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    name = response["$ref"].rsplit("/", 1)[1]
                    code_schema = responses[name]["content"]["application/json"]["schema"]
                    code = code_schema["allOf"][1]["properties"]["error"]["properties"]["code"]
                    for listed in code.get("enum", [code.get("const")]):
                        seen.setdefault(listed, set()).add(int(status))
    assert seen == {code: {status} for code, status in table.items()}


@pytest.mark.parametrize(
    ("schema", "prose_line"),
    [
        ("CardStatus", "`status` ∈ `ACTIVE`"),
        ("PaymentStatus", "`status` ∈ `PROCESSING`"),
        ("TransactionKind", "`kind` ∈"),
    ],
)
def test_spec_enums_are_the_closed_sets_of_the_prose(spec: dict[str, Any], schema: str, prose_line: str) -> None:
    assert spec["components"]["schemas"][schema]["enum"] == prose_enum(prose_line)


def test_spec_requires_bearer_auth_everywhere(spec: dict[str, Any]) -> None:
    assert spec["security"] == [{"bearerAuth": []}]
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    for item in spec["paths"].values():
        for key, operation in item.items():
            assert key == "parameters" or "security" not in operation


PAYMENT = {
    "payment_id": "kb_1",
    "card_id": "c_1",
    "order_id": "o_1",
    "amount": 2500,
    "currency": "CNY",
    "status": "SUCCEEDED",
    "refunded_amount": 0,
    "error_code": None,
    "created_at": "2026-11-25T12:00:00+08:00",
}
TXN = {
    "txn_id": "t_1",
    "kind": "PAYMENT",
    "amount": -2500,
    "balance_after": 9845,
    "created_at": "2026-11-25T12:00:00+08:00",
    "description": "Order 1",
    "payment_id": "kb_1",
}
CARD = {
    "card_id": "c_1",
    "last4": "4321",
    "card_type": "gift",
    "status": "ACTIVE",
    "balance": 100,
    "currency": "CNY",
    "expires_on": None,
    "bound_at": "2026-11-25T12:00:00+08:00",
}


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/payments/kb_1", 404, {"result": "ERROR", "error": {"code": "UNAUTHORIZED", "message": ""}}),
        ("/payments/kb_1", 200, {"result": "ERROR", "payment": PAYMENT}),
        ("/payments/kb_1", 200, {"result": "OK", "payment": {**PAYMENT, "amount": 25.5}}),
        ("/payments/kb_1", 200, {"result": "OK", "payment": {**PAYMENT, "amount": "25.00"}}),
        ("/payments/kb_1", 200, {"result": "OK", "payment": {**PAYMENT, "status": "DONE"}}),
        ("/payments/kb_1", 200, {"result": "OK", "payment": {**PAYMENT, "status": "FAILED"}}),
        ("/payments/kb_1", 200, {"result": "OK", "payment": {**PAYMENT, "error_code": "DUPLICATE"}}),
        ("/payments/kb_1", 200, {"result": "OK", "payment": {**PAYMENT, "user_id": "u1"}}),
        (
            "/users/u1/cards/c_1/transactions",
            200,
            {"result": "OK", "transactions": [{**TXN, "payment_id": None}], "next_cursor": None},
        ),
        (
            "/users/u1/cards/c_1/transactions",
            200,
            {"result": "OK", "transactions": [{**TXN, "kind": "TOPUP"}], "next_cursor": None},
        ),
        ("/users/u1/cards/c_1/transactions", 200, {"result": "OK", "transactions": [TXN]}),
        ("/users/u1/cards", 200, {"result": "OK", "cards": [CARD]}),
        ("/users/u1/cards/c_1", 200, {"result": "OK", "card": {**CARD, "status": "LOST"}}),
        ("/users/u1/cards/c_1", 200, {"result": "OK", "card": {**CARD, "balance": -1}}),
    ],
)
def test_spec_refuses_answers_that_break_the_contract(
    openapi: OpenAPI, path: str, status: int, body: dict[str, Any]
) -> None:
    request = MockRequest("https://cards.example.com", "get", "/v1" + path)
    response = MockResponse(json.dumps(body).encode(), status_code=status)
    assert list(openapi.iter_response_errors(request, response)), body


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/payments/kb_1", 200, {"result": "OK", "payment": PAYMENT}),
        (
            "/payments/kb_1",
            200,
            {
                "result": "OK",
                "payment": {**PAYMENT, "status": "FAILED", "error_code": "INSUFFICIENT_BALANCE"},
            },
        ),
        (
            "/users/u1/cards/c_1/transactions",
            200,
            {"result": "OK", "transactions": [TXN], "next_cursor": "abc"},
        ),
        (
            "/users/u1/cards",
            200,
            {"result": "OK", "cards": [{k: v for k, v in CARD.items() if k != "balance"}]},
        ),
        ("/users/u1/cards/c_1", 200, {"result": "OK", "card": CARD}),
    ],
)
def test_spec_accepts_the_examples_of_the_prose(openapi: OpenAPI, path: str, status: int, body: dict[str, Any]) -> None:
    request = MockRequest("https://cards.example.com", "get", "/v1" + path)
    response = MockResponse(json.dumps(body).encode(), status_code=status)
    assert list(openapi.iter_response_errors(request, response)) == []
