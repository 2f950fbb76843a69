"""docs/openapi/terminal-api.yaml is valid, and what the terminal API answers matches it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from openapi_spec_validator import validate
from paycode_testing import Terminal, issue_code, lime_card

SPEC_FILE = Path(__file__).resolve().parents[1] / "docs" / "openapi" / "terminal-api.yaml"


@pytest.fixture(scope="module")
def openapi() -> OpenAPI:
    validate(yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8")))
    return OpenAPI.from_file_path(str(SPEC_FILE))


def check(openapi: OpenAPI, method: str, path: str, response) -> None:
    request = MockRequest(
        "http://localhost", method.lower(), path.split("?")[0], headers=dict(response.request.headers)
    )
    mock = MockResponse(response.get_data(), status_code=response.status_code, content_type="application/json")
    openapi.validate_response(request, mock)


def test_every_answer_of_a_till_session_matches_the_spec(openapi, app, client, card_system):
    till = Terminal(client, card_system)
    code = issue_code(app, lime_card(card_system))
    calls = [
        ("POST", "/api/terminal/v1/redeem", till.redeem(code, 1500, "tx-spec")),
        ("POST", "/api/terminal/v1/redeem", till.redeem(code, 1500, "tx-spec-2")),  # FAILED: used
        ("GET", "/api/terminal/v1/transactions/tx-spec", till.query("tx-spec")),
        ("POST", "/api/terminal/v1/transactions/tx-spec/refunds", till.refund("tx-spec", 500)),
        ("POST", "/api/terminal/v1/transactions/tx-spec/refunds", till.refund("tx-spec", 5000)),  # 409
        ("POST", "/api/terminal/v1/transactions/tx-spec/cancel", till.cancel("tx-spec")),  # 409: refunded
        ("GET", "/api/terminal/v1/transactions/nope", till.query("nope")),  # 404
        ("GET", "/api/terminal/v1/transactions/tx-spec", Terminal(client, card_system, key="x").query("tx-spec")),
    ]
    assert [response.status_code for *_, response in calls] == [200, 200, 200, 200, 409, 409, 404, 401]
    for method, path, response in calls:
        check(openapi, method, path, response)
